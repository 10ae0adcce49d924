"""Races on one unit with real threads and real processes, each on its own connection:
exactly one subscription wins; the others get the Chinese refusal naming the holder. A process
killed in the middle of a subscription leaves nothing behind."""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data_layer import localtime
from data_layer.commands import deals as cmd
from data_layer.db import Database
from data_layer.errors import DomainError
from data_layer.models import (
    Company,
    Customer,
    Deal,
    DealState,
    Project,
    Receivable,
    RoleCode,
    Unit,
    UnitStatus,
    User,
)
from tests.conftest import BACKENDS, own_database
from tests.factories import password_hash
from tests.test_deals_support import make_plans, make_units


@pytest.fixture(scope="module", params=BACKENDS)
def database(request, tmp_path_factory):
    """A private database per backend: these tests commit for real, so they must not leave
    rows in the database the other tests share."""
    with own_database(request.param, "race", tmp_path_factory.mktemp("race")) as db:
        yield db


def setup_race(db: Database, customers: int = 8, units_per_floor: int = 2) -> dict:
    """A committed project of its own (the database is shared by the test session)."""
    tag = uuid.uuid4().hex[:8]
    with db.writer() as s:
        company = Company(code=f"C{tag}", name="并发公司")
        s.add(company)
        s.flush()
        project = Project(company_id=company.id, code=f"P{tag}", name=f"并发{tag}", city="杭州")
        s.add(project)
        s.flush()
        manager = User(
            username=f"m{tag}",
            display_name="经理",
            role_code=RoleCode.MANAGER,
            password_hash=password_hash(),
            projects=[project],
        )
        s.add(manager)
        s.flush()
        units = make_units(s, project, code=tag[:4], floors=1, per_floor=units_per_floor)
        people = []
        for i in range(customers):
            c = Customer(
                project_id=project.id,
                consultant_id=manager.id,
                name=f"客户{i}",
                mobile=f"139{i:08d}",
                first_contact_on=time_today(),
            )
            s.add(c)
            people.append(c)
        s.flush()
        lump, _ = make_plans(s, project)
        return {
            "user_id": manager.id,
            "unit_ids": [u.id for u in units],
            "customer_ids": [c.id for c in people],
            "customer_names": [c.name for c in people],
            "plan_id": lump.id,
            "project_id": project.id,
        }


def time_today():

    return localtime.today()


def attempt(session, *, user_id, unit_id, customer_id, plan_id):
    actor = session.get(User, user_id)
    deal = cmd.subscribe(
        session,
        actor=actor,
        unit_id=unit_id,
        customer_id=customer_id,
        plan_id=plan_id,
        deposit=Decimal("10000"),
    )
    return deal.id


def run_attempt(url: str, start_at: float, kwargs: dict) -> tuple[str, str]:
    """One contender in its own process with its own engine and connection."""
    db = Database(url)
    try:
        while time.time() < start_at:
            time.sleep(0.001)
        try:
            return ("won", str(db.run(attempt, **kwargs)))
        except DomainError as err:
            return ("refused", err.message)
    finally:
        db.dispose()


def live_deals(db: Database, unit_id: int) -> int:
    with db.factory() as s:
        return s.scalar(
            select(func.count())
            .select_from(Deal)
            .where(Deal.unit_id == unit_id, Deal.state == DealState.LIVE)
        )


def test_threads_racing_for_one_unit_get_one_winner(database):
    ctx = setup_race(database, customers=8)
    unit_id = ctx["unit_ids"][0]
    barrier = threading.Barrier(8)
    results: list[tuple[str, str]] = []
    lock = threading.Lock()

    def contender(i):
        barrier.wait()
        try:
            outcome = (
                "won",
                str(
                    database.run(
                        attempt,
                        user_id=ctx["user_id"],
                        unit_id=unit_id,
                        customer_id=ctx["customer_ids"][i],
                        plan_id=ctx["plan_id"],
                    )
                ),
            )
        except DomainError as err:
            outcome = ("refused", err.message)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    winners = [r for r in results if r[0] == "won"]
    refused = [r[1] for r in results if r[0] == "refused"]
    assert len(results) == 8
    assert len(winners) == 1
    assert live_deals(database, unit_id) == 1
    with database.factory() as s:
        deal = s.get(Deal, int(winners[0][1]))
        holder = s.get(Customer, deal.customer_id).name
        code = s.get(Unit, unit_id).code
    assert refused == [f"{code} 已被 {holder} 认购"] * 7


def test_processes_racing_for_one_unit_get_one_winner(database):
    ctx = setup_race(database, customers=6)
    unit_id = ctx["unit_ids"][0]
    start_at = time.time() + 3.0
    jobs = [
        {
            "user_id": ctx["user_id"],
            "unit_id": unit_id,
            "customer_id": ctx["customer_ids"][i],
            "plan_id": ctx["plan_id"],
        }
        for i in range(6)
    ]
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        results = pool.starmap(run_attempt, [(database.url, start_at, job) for job in jobs])
    winners = [r for r in results if r[0] == "won"]
    assert len(winners) == 1, results
    assert all(r[1].endswith(" 认购") and "已被" in r[1] for r in results if r[0] == "refused")
    assert live_deals(database, unit_id) == 1


def subscribe_then_hang(url: str, kwargs: dict, ready) -> None:
    """Run a subscription up to just before commit, tell the parent, then wait to be killed."""
    db = Database(url)
    with db.writer() as session:
        attempt(session, **kwargs)
        session.flush()
        ready.set()
        time.sleep(120)


def test_process_killed_mid_subscription_leaves_nothing(database):
    ctx = setup_race(database, customers=2)
    unit_id = ctx["unit_ids"][0]
    mp = multiprocessing.get_context("spawn")
    ready = mp.Event()
    job = {
        "user_id": ctx["user_id"],
        "unit_id": unit_id,
        "customer_id": ctx["customer_ids"][0],
        "plan_id": ctx["plan_id"],
    }
    child = mp.Process(target=subscribe_then_hang, args=(database.url, job, ready))
    child.start()
    assert ready.wait(60), "the child never reached the middle of its subscription"
    child.kill()
    child.join(10)
    with database.factory() as s:
        assert s.scalar(select(func.count()).select_from(Deal).where(Deal.unit_id == unit_id)) == 0
        assert (
            s.scalar(
                select(func.count())
                .select_from(Receivable)
                .join(Deal, Deal.id == Receivable.deal_id)
                .where(Deal.unit_id == unit_id)
            )
            == 0
        )
        assert s.get(Unit, unit_id).status == UnitStatus.AVAILABLE
    # The lock died with the process: the next customer gets the unit at once.
    started = time.monotonic()
    deal_id = database.run(attempt, **{**job, "customer_id": ctx["customer_ids"][1]})
    assert deal_id and time.monotonic() - started < 20
