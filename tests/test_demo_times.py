"""The demo's history happens in office hours of the office's zone: it plans visits, signings and
audits on the office's wall clock and stores them as UTC, like every DateTime column, so that the
screens (which show stored moments in the office's zone) show 09:00–19:00, not 01:32 or 22:59."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from dashboard.__main__ import main
from data_layer import demo, localtime
from data_layer.db import Database
from data_layer.migrate import upgrade
from data_layer.models import (
    Customer,
    CustomerAssignment,
    Deal,
    DealApproval,
    DealEvent,
    MarketingExpense,
    PriceAdjustment,
    PriceChange,
    Quote,
    Receipt,
    ReleaseBatch,
)
from tests.conftest import drop_mysql_database, mysql_database, reset_mysql

TODAY = date(2026, 11, 20)
OPEN, CLOSE = time(9), time(19)  # the demo's office hours


def _shanghai(moment: datetime) -> datetime:
    return localtime.local(moment, "Asia/Shanghai")


def _in_hours(moments, opens: time = OPEN, closes: time = CLOSE) -> list[datetime]:
    """The moments (stored UTC) whose Shanghai time is outside [opens, closes)."""
    return [m for m in moments if not opens <= _shanghai(m).time() < closes]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def db(request, tmp_path_factory):
    """The small demo loaded once per backend (office zone Asia/Shanghai, the default)."""
    if request.param == "mysql":
        url = mysql_database("demo_times")
        reset_mysql(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('demo_times') / 'demo.db'}"
    upgrade(url)
    database = Database(url)
    demo.load(database, scale="small", seed=7, progress=lambda _m: None, today=TODAY)
    yield database
    database.dispose()
    if request.param == "mysql":
        drop_mysql_database(url)


@pytest.fixture
def session(db):
    with db.factory() as s:
        yield s


def test_registrations_and_their_attribution_are_in_office_hours_on_their_day(session):
    rows = session.execute(
        select(Customer.created_at, Customer.assigned_at, Customer.first_contact_on)
    ).all()
    assert len(rows) > 5_000
    assert _in_hours(r.created_at for r in rows) == []
    # A dozen were handed over later, at 10:00; the rest keep their registration time.
    assert _in_hours(r.assigned_at for r in rows) == []
    assert all(_shanghai(r.created_at).date() == r.first_contact_on for r in rows)
    # The registrations spread over the office day, not a few hours of it.
    hours = {_shanghai(r.created_at).hour for r in rows}
    assert hours == set(range(9, 19))
    assignments = session.scalars(select(CustomerAssignment.at)).all()
    assert len(assignments) >= len(rows)
    assert _in_hours(assignments) == []


def test_deal_events_are_in_office_hours_and_expiries_at_five_past_midnight(session):
    events = session.execute(select(DealEvent.at, DealEvent.kind)).all()
    expiries = [e.at for e in events if e.kind == "expire"]
    others = [e.at for e in events if e.kind != "expire"]
    assert expiries and len(others) > 1_000
    # A discount request follows its subscription by 20 minutes: up to 19:19.
    assert _in_hours(others, closes=time(19, 20)) == []
    assert {_shanghai(at).time() for at in expiries} == {time(0, 5)}
    # A sale's first day is the day of its first event, in the office's calendar.
    deals = session.execute(
        select(Deal.created_at, Deal.subscribed_on).where(Deal.subscribed_on.is_not(None))
    ).all()
    assert len(deals) > 500
    assert all(_shanghai(d.created_at).date() == d.subscribed_on for d in deals)
    approvals = session.execute(select(DealApproval.created_at, DealApproval.decided_at)).all()
    assert approvals
    assert _in_hours((a.created_at for a in approvals), closes=time(19, 20)) == []
    assert _in_hours(a.decided_at for a in approvals if a.decided_at) == []


def test_receipts_are_entered_and_audited_in_office_hours_on_or_after_their_day(session):
    receipts = session.execute(
        select(Receipt.created_at, Receipt.audited_at, Receipt.received_on)
    ).all()
    assert len(receipts) > 2_000
    assert _in_hours(r.created_at for r in receipts) == []
    assert all(_shanghai(r.created_at).date() == r.received_on for r in receipts)
    audited = [r for r in receipts if r.audited_at is not None]
    assert audited and _in_hours(r.audited_at for r in audited) == []
    assert all(r.created_at <= r.audited_at for r in audited)


def test_prices_releases_expenses_and_quotes_keep_their_office_times(session):
    # Prices are set at 08:00 before the sale and adjusted at 08:30; batches go on sale at 09:18.
    changes = set(session.scalars(select(PriceChange.at)))
    assert changes and {_shanghai(at).time() for at in changes} == {time(8), time(8, 30)}
    requested = set(session.scalars(select(PriceAdjustment.requested_at)))
    assert requested == changes
    released = session.scalars(select(ReleaseBatch.released_at)).all()
    assert released and {_shanghai(at).time() for at in released} == {time(9, 18)}
    spent = session.execute(select(MarketingExpense.created_at, MarketingExpense.spent_on)).all()
    assert spent and _in_hours(s.created_at for s in spent) == []
    assert all(_shanghai(s.created_at).date() == s.spent_on for s in spent)
    quotes = session.scalars(select(Quote.created_at)).all()
    assert quotes and _in_hours(quotes, time(15), time(19)) == []


def test_the_demo_command_plans_in_the_configured_office_zone(tmp_path, monkeypatch, capsys):
    """LOUPAN_TIMEZONE=America/New_York: the same office hours, there (UTC−5/−4)."""
    url = f"sqlite:///{tmp_path / 'ny.db'}"
    upgrade(url)
    monkeypatch.setenv("LOUPAN_DATABASE_URL", url)
    monkeypatch.setenv("LOUPAN_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("LOUPAN_TIMEZONE", "America/New_York")
    try:
        assert main(["demo", "--seed", "7"]) == 0
    finally:
        localtime.set_office_zone("Asia/Shanghai")
    assert "demo" in capsys.readouterr().out
    database = Database(url)
    with database.factory() as s:
        created = s.scalars(select(Customer.created_at)).all()
        events = s.execute(select(DealEvent.at).where(DealEvent.kind != "expire")).scalars()
        local = [localtime.local(at, "America/New_York").time() for at in [*created, *events]]
    database.dispose()
    assert len(local) > 5_000
    assert all(OPEN <= t < time(19, 20) for t in local)  # (a discount request: up to 19:19)
    # Stored UTC: New York's 09:00–19:00 is 13:00–23:59 UTC, never the morning.
    assert all(at.hour >= 13 for at in created)
