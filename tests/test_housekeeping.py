"""The scheduled jobs (dashboard.housekeeping): the single-process server runs them itself, so a
hold past its date is released without anyone running `expire-deals`; the command line runs
the same jobs."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from dashboard import __main__ as cli
from dashboard import housekeeping
from data_layer.commands import deals as cmd
from data_layer.localtime import today
from data_layer.models import Deal, DealState, FigureDelta, Unit, UnitStatus
from tests.conftest import BACKENDS, own_database
from tests.test_deals_support import make_market


@pytest.fixture(params=BACKENDS)
def stale_hold(request, tmp_path):
    """A database holding one live hold whose date passed yesterday."""
    with own_database(request.param, "housekeeping", tmp_path) as db:
        with db.writer() as s:
            market = make_market(s)
            deal = cmd.hold(
                s,
                actor=market.user("consultant"),
                unit_id=market.units[0].id,
                customer_id=market.customers[0].id,
                deposit=Decimal("10000"),
                today=today() - timedelta(days=5),
            )
            ids = deal.id, market.units[0].id
        yield db, *ids


def state(db, deal_id, unit_id):
    with db.factory() as s:
        return s.get(Deal, deal_id).state, s.get(Unit, unit_id).status


def test_the_server_thread_releases_a_stale_hold_and_folds_figures(stale_hold):
    db, deal_id, unit_id = stale_hold
    assert state(db, deal_id, unit_id) == (DealState.LIVE, UnitStatus.HELD)
    with db.factory() as s:
        assert s.scalar(select(FigureDelta.id).limit(1)) is not None  # the hold left deltas
    stop = housekeeping.start(db, minutes=0.001)
    try:
        deadline = time.monotonic() + 20
        while state(db, deal_id, unit_id)[0] == DealState.LIVE and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
    assert state(db, deal_id, unit_id) == (DealState.EXPIRED, UnitStatus.AVAILABLE)
    time.sleep(0.2)  # let the running pass finish folding
    with db.factory() as s:
        assert s.scalar(select(FigureDelta.id).limit(1)) is None


def test_a_failing_run_does_not_end_the_thread(stale_hold, monkeypatch):
    db, deal_id, unit_id = stale_hold
    calls = []
    real = housekeeping.run_once

    def flaky(database):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database away")
        return real(database)

    monkeypatch.setattr(housekeeping, "run_once", flaky)
    stop = housekeeping.start(db, minutes=0.001)
    try:
        deadline = time.monotonic() + 20
        while state(db, deal_id, unit_id)[0] == DealState.LIVE and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
    assert len(calls) >= 2
    assert state(db, deal_id, unit_id)[0] == DealState.EXPIRED


def test_the_command_line_runs_the_same_jobs(stale_hold, monkeypatch, capsys):
    db, deal_id, unit_id = stale_hold
    monkeypatch.setenv("LOUPAN_DATABASE_URL", db.url)
    assert cli.main(["expire-deals"]) == 0
    assert "released 1 expired" in capsys.readouterr().out
    assert state(db, deal_id, unit_id) == (DealState.EXPIRED, UnitStatus.AVAILABLE)
    assert cli.main(["compact-figures"]) == 0
    assert "folded" in capsys.readouterr().out
    with db.factory() as s:
        assert s.scalar(select(FigureDelta.id).limit(1)) is None
