"""The overview's daily figures (data_layer/figures.py): the contribution rules, that a write
outside the ORM is caught by drift() and repaired by rebuild(), that compact() keeps every
total, and that the overview reads the same figures as the base tables. (Every data-layer
test also asserts no drift when it ends: see tests/conftest.py.)"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select

from data_layer import figures, localtime
from data_layer.models import (
    Customer,
    CustomerStage,
    FigureDay,
    FigureDelta,
    Project,
    Receipt,
    ReceiptStatus,
    Receivable,
    User,
)
from data_layer.queries import overview
from tests import test_finance_refunds as refunds
from tests.conftest import BACKENDS, own_database
from tests.test_finance_refunds import close, pay, refund, reverse

# The refund tests' market (plans, units, customers, staff) and subscribed deal.
market = refunds.market
deal = refunds.deal

TODAY = date(2026, 3, 2)


def test_contribution_of_each_kind_of_row():
    day = date(2026, 1, 5)
    audited = {"project_id": 1, "received_on": day, "status": "audited", "amount": Decimal("5")}
    assert figures.contribution(Receipt, audited) == [((1, day, "received"), Decimal("5"), 1)]
    draft = {**audited, "status": ReceiptStatus.DRAFT}
    assert figures.contribution(Receipt, draft) == []
    due = {"project_id": 1, "due_on": day, "cancelled": False, "amount": Decimal("9"), "paid": None}
    assert figures.contribution(Receivable, due) == [
        ((1, day, "due_amount"), Decimal("9"), 1),
        ((1, day, "due_paid"), Decimal("0"), 0),
    ]
    assert figures.contribution(Receivable, {**due, "cancelled": True}) == []
    lead = {"project_id": 2, "first_contact_on": day, "stage": None}
    assert figures.contribution(Customer, lead) == [((2, day, "visits"), Decimal("0"), 1)]
    buyer = {**lead, "stage": CustomerStage.DEAL}
    assert [k[2] for k, _a, _c in figures.contribution(Customer, buyer)] == ["visits", "converted"]


def test_a_write_outside_the_orm_is_found_and_rebuild_repairs_it(session, world):
    project = world.projects[0]
    session.execute(
        insert(Customer).values(
            project_id=project.id,
            consultant_id=world.users["consultant"].id,
            name="绕过",
            mobile="13700000001",
            first_contact_on=TODAY,
            stage="lead",
        )
    )
    assert [key for key, _kept, _fresh in figures.drift(session)] == [(project.id, TODAY, "visits")]
    figures.rebuild(session)
    assert figures.drift(session) == []


def test_money_figures_follow_receipts_reversals_refunds_and_compaction(session, market, deal):
    project = deal.project_id
    start, end = date(2026, 1, 1), date(2026, 12, 31)

    def kept():
        return figures.totals(session, [project], start, end)[project]

    def received_in_tables():
        return Decimal(
            session.scalar(
                select(func.coalesce(func.sum(Receipt.amount), 0)).where(
                    Receipt.project_id == project, Receipt.status == ReceiptStatus.AUDITED
                )
            )
        )

    def due_in_tables():
        return Decimal(
            session.scalar(
                select(func.coalesce(func.sum(Receivable.amount), 0)).where(
                    Receivable.project_id == project,
                    Receivable.cancelled.is_(False),
                    Receivable.due_on <= end,
                )
            )
        )

    first = pay(session, market, deal, "50000")
    pay(session, market, deal, "100000")
    assert kept()["received"] == Decimal("150000.00") == received_in_tables()
    reverse(session, market, first)
    assert kept()["received"] == Decimal("100000.00") == received_in_tables()
    close(session, market, deal)
    refund(session, market, deal, "40000")
    assert kept()["received"] == Decimal("60000.00") == received_in_tables()
    assert kept()["all_due"] == due_in_tables()
    before = kept()
    assert figures.compact(session) > 0
    assert kept() == before
    assert figures.drift(session) == []


def test_overview_reads_the_figures_exactly(session, world):
    from tests.factories import make_customer

    project = world.projects[0]
    consultant = world.users["consultant"]
    for i in range(3):
        make_customer(session, project, consultant, f"客{i}", f"1380000000{i}")
    buyer = make_customer(session, project, consultant, "买家", "13800000009")
    buyer.stage = CustomerStage.DEAL
    session.flush()
    today = localtime.today()
    frame = overview.project_figures(
        session, world.users["executive"], date(today.year, 1, 1), today
    )
    row = frame[frame["project_id"] == project.id].iloc[0]
    assert int(row["visits"]) == 4 and int(row["converted"]) == 1
    # Folding the deltas changes no figure.
    folded = figures.compact(session)
    assert folded > 0
    assert session.scalar(select(func.count()).select_from(FigureDelta)) == 0
    assert session.scalar(select(func.count()).select_from(FigureDay)) > 0
    again = overview.project_figures(
        session, world.users["executive"], date(today.year, 1, 1), today
    )
    assert again.equals(frame)
    assert figures.drift(session) == []


@pytest.fixture(scope="module", params=BACKENDS)
def private_database(request, tmp_path_factory):
    """A database of its own: these tests commit for real."""
    with own_database(request.param, "figures", tmp_path_factory.mktemp("figures")) as db:
        yield db


def test_concurrent_writers_and_compactions_keep_every_figure(private_database):
    """Writers in threads insert deltas while two compactions run at once: nothing is
    counted twice or lost."""
    from tests.factories import make_customer, make_world

    db = private_database
    with db.writer() as s:
        world = make_world(s)
        project_id, consultant_id = world.projects[0].id, world.users["consultant"].id
    errors: list[BaseException] = []

    def register(start: int) -> None:
        try:
            for i in range(start, start + 15):
                with db.writer() as s:
                    consultant = s.get(User, consultant_id)
                    make_customer(
                        s, s.get(Project, project_id), consultant, f"并发{i}", f"1390000{i:04d}"
                    )
        except BaseException as err:  # reported below
            errors.append(err)

    def compact() -> None:
        try:
            for _ in range(5):
                db.run(figures.compact)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=register, args=(n * 100,)) for n in range(3)]
    threads += [threading.Thread(target=compact) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    db.run(figures.compact)
    with db.factory() as s:
        assert figures.drift(s) == []
        assert s.scalar(select(func.count()).select_from(FigureDelta)) == 0
        today = localtime.today()
        kept = figures.totals(s, [project_id], today, today)[project_id]
        assert kept["visits"] == 45


def test_the_overview_reads_the_same_figures_in_parallel(private_database):
    """The overview callback reads its independent statements at once on pooled connections:
    the frames equal the ones read one after the other on the request's session."""
    db = private_database
    with db.writer() as w:  # the concurrency test above made the world; make it if alone
        if w.scalar(select(User).where(User.username == "exec")) is None:
            from tests.factories import make_world

            make_world(w)
    with db.factory() as s:
        executive = s.scalar(select(User).where(User.username == "exec"))
        today = localtime.today()
        start = date(today.year, 1, 1)
        one, monthly_one = overview.overview_frames(s, executive, start, today)
        both, monthly_both = overview.overview_frames(s, executive, start, today, parallel=True)
        visitors = s.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.first_contact_on >= start, Customer.first_contact_on <= today)
        )
    assert one.equals(both) and monthly_one.equals(monthly_both)
    assert int(both["visits"].sum()) == visitors


def test_the_funnel_reads_the_same_counts_in_parallel(private_database):
    """The funnel callback reads the customers' and the deals' aggregates at once on two
    pooled connections: every viewer and split gets what one statement on the request's
    session gives, and the deals' read did run on a reader thread."""
    from sqlalchemy import event

    from data_layer.commands import deals as deal_cmd
    from data_layer.queries import funnel
    from tests.factories import make_customer, make_world
    from tests.test_deals_support import make_plans, make_units

    db = private_database
    today = localtime.today()
    with db.writer() as w:
        if w.scalar(select(User).where(User.username == "exec")) is None:
            make_world(w)
        project = w.scalar(select(Project).where(Project.code == "P1"))
        consultant = w.scalar(select(User).where(User.username == "consultant"))
        units = make_units(w, project, code="F")
        _lump, mortgage = make_plans(w, project)
        buyer = make_customer(w, project, consultant, "漏斗甲", "13700000001", visit_count=2)
        make_customer(w, project, consultant, "漏斗乙", "13700000002")
        deal_cmd.subscribe(
            w,
            actor=consultant,
            unit_id=units[0].id,
            customer_id=buyer.id,
            plan_id=mortgage.id,
            deposit=Decimal("50000"),
            today=today,
        )
    threads: set[str] = set()

    def seen(*_args):
        threads.add(threading.current_thread().name)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with db.factory() as s:
            period = funnel.FunnelFilter(start=today, end=today)
            for username in ("exec", "manager", "consultant", "consultant2", "marketing"):
                viewer = s.scalar(select(User).where(User.username == username))
                for split in (None, *funnel.SPLITS):
                    one = funnel.stage_counts(s, viewer, period, split)
                    both = funnel.stage_counts(s, viewer, period, split, parallel=True)
                    assert both == one, (username, split)
            executive = s.scalar(select(User).where(User.username == "exec"))
            counts = funnel.stage_counts(s, executive, period, parallel=True)[None]
            customers_today = s.scalar(
                select(func.count()).select_from(Customer).where(Customer.first_contact_on == today)
            )
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert counts["new"] == customers_today and counts["subscribed"] >= 1
    assert counts["returning"] >= 1
    assert any(name.startswith("reader") for name in threads)
