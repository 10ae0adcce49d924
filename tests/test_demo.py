"""Demo data: counts, determinism and the invariants every screen relies on, on a fresh database
(the shared `database` fixture rolls back per test, while the demo commits)."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from random import Random

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from data_layer import demo
from data_layer.bulk import bulk_insert
from data_layer.commands.finance import RECEIPT_PREFIX
from data_layer.commands.users import LoginPolicy, authenticate
from data_layer.db import Database
from data_layer.errors import ValidationError
from data_layer.migrate import upgrade
from data_layer.models import (
    ApprovalKind,
    ApprovalStatus,
    AssignmentKind,
    AuditEntry,
    Building,
    Campaign,
    Company,
    ContactKind,
    ContractStatus,
    Customer,
    CustomerAssignment,
    CustomerStage,
    Deal,
    DealApproval,
    DealStage,
    DealState,
    FollowUp,
    MarketingExpense,
    PaymentPlan,
    PaymentPlanItem,
    PriceAdjustment,
    PriceAdjustmentItem,
    PriceChange,
    PricingBasis,
    Project,
    Receipt,
    ReceiptAllocation,
    ReceiptSequence,
    ReceiptStatus,
    Receivable,
    ReceivableKind,
    RoleCode,
    SalesPlan,
    Unit,
    UnitStatus,
    User,
    project_member,
)
from data_layer.rules import idcard, mobile
from data_layer.rules.money import money
from tests.conftest import drop_mysql_database, mysql_database, reset_mysql

TODAY = date(2026, 11, 20)
SEED = 7
LIVE_STATUS = {
    DealStage.RESERVED: UnitStatus.RESERVED,
    DealStage.HELD: UnitStatus.HELD,
    DealStage.SUBSCRIBED: UnitStatus.SUBSCRIBED,
    DealStage.CONTRACTED: UnitStatus.CONTRACTED,
}


def _quiet(_message: str) -> None:
    pass


def _fresh_sqlite(path) -> Database:
    url = f"sqlite:///{path}"
    upgrade(url)
    return Database(url)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def loaded(request, tmp_path_factory):
    """The small demo loaded once per backend into a database of its own (on MariaDB a
    per-process database beside LOUPAN_TEST_MYSQL_URL's); tests only read it."""
    url = None
    if request.param == "mysql":
        url = mysql_database("demo")
        reset_mysql(url)
        upgrade(url)
        db = Database(url)
    else:
        db = _fresh_sqlite(tmp_path_factory.mktemp("demo") / "demo.db")
    assert demo.is_empty(db)
    # CPU time of this process: SQLite works in-process, and other jobs on the machine do not
    # count (wall time on this 2-core machine is 3–4 s when it is otherwise idle).
    started = time.process_time()
    summary = demo.load(db, scale="small", seed=SEED, progress=_quiet, today=TODAY)
    seconds = time.process_time() - started
    yield db, summary, seconds
    db.dispose()
    if url is not None:
        drop_mysql_database(url)


@contextmanager
def rolled_back(db: Database) -> Iterator[Session]:
    """A session whose writes are undone: for running the app's commands on the demo data."""
    connection = db.engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def session(loaded):
    db, _summary, _seconds = loaded
    with db.factory() as s:
        yield s


def test_small_counts_are_in_expected_ranges(loaded):
    _db, summary, _seconds = loaded
    assert summary.projects == 3
    assert 1_500 <= summary.units <= 3_000
    assert 5_500 <= summary.customers <= 6_500
    assert 600 <= summary.deals <= 900
    assert 2_000 <= summary.receipts <= 6_000
    assert summary.follow_ups > summary.customers
    assert summary.receivables > summary.deals
    assert summary.price_changes > 0
    assert summary.marketing_expenses > 0
    assert summary.sales_plans > 0
    assert summary.users >= len(demo.DEMO_ACCOUNTS) + 10
    assert f"{summary.units:,}" in summary.describe()


def _settlement_lines(session) -> int:
    kind = Receivable.kind == ReceivableKind.SETTLEMENT
    return session.scalar(select(func.count()).select_from(Receivable).where(kind))


def test_summary_matches_the_rows_in_the_database(session, loaded):
    _db, summary, _seconds = loaded
    for model, count in [
        (Project, summary.projects),
        (Building, summary.buildings),
        (Unit, summary.units),
        (Customer, summary.customers),
        (FollowUp, summary.follow_ups),
        (Deal, summary.deals),
        # 面积补差's demo settles contracts after the summary was taken (demo_settlement).
        (Receivable, summary.receivables + _settlement_lines(session)),
        (Receipt, summary.receipts),
        (PriceChange, summary.price_changes),
        (SalesPlan, summary.sales_plans),
        (User, summary.users),
    ]:
        assert session.scalar(select(func.count()).select_from(model)) == count, model


def test_small_load_takes_under_fifteen_seconds(loaded):
    db, _summary, seconds = loaded
    if db.engine.dialect.name == "sqlite":
        assert seconds < 15


def test_same_seed_and_day_give_identical_data(tmp_path):
    def fingerprint(db: Database):
        with db.factory() as s:
            customers = s.execute(
                select(Customer.name, Customer.mobile, Customer.id_number).order_by(Customer.id)
            ).all()
            deals = s.execute(
                select(Deal.unit_id, Deal.deal_total, Deal.stage, Deal.state).order_by(Deal.id)
            ).all()
            receipts = s.execute(select(Receipt.number, Receipt.amount).order_by(Receipt.id)).all()
        return customers, deals, receipts

    first = _fresh_sqlite(tmp_path / "a.db")
    second = _fresh_sqlite(tmp_path / "b.db")
    third = _fresh_sqlite(tmp_path / "c.db")
    a = demo.load(first, seed=11, progress=_quiet, today=TODAY)
    b = demo.load(second, seed=11, progress=_quiet, today=TODAY)
    demo.load(third, seed=12, progress=_quiet, today=TODAY)
    assert a == b
    assert fingerprint(first) == fingerprint(second)
    assert fingerprint(first)[0] != fingerprint(third)[0]
    for db in (first, second, third):
        db.dispose()


def test_a_second_load_is_refused_and_the_database_is_no_longer_empty(loaded):
    db, _summary, _seconds = loaded
    assert not demo.is_empty(db)
    with pytest.raises(ValidationError):
        demo.load(db, seed=SEED, progress=_quiet, today=TODAY)


def test_mobiles_are_valid_and_unique_per_project(session):
    rows = session.execute(select(Customer.project_id, Customer.mobile)).all()
    assert all(mobile.is_valid(m) and len(m) == 11 for _p, m in rows)
    assert len(set(rows)) == len(rows)


def test_id_numbers_are_valid_and_carry_the_birthday(session):
    rows = session.execute(
        select(Customer.id_number, Customer.birthday, Customer.gender).where(
            Customer.id_number.is_not(None)
        )
    ).all()
    total = session.scalar(select(func.count()).select_from(Customer))
    assert 0.2 * total < len(rows) < 0.8 * total
    for id_number, birthday, gender in rows:
        assert idcard.is_valid(id_number), id_number
        assert idcard.birthday(id_number) == birthday
        assert (int(id_number[16]) % 2 == 1) == (gender == "男")


def test_live_deals_match_their_unit_status_and_no_unit_has_two(session):
    deals = session.execute(
        select(Deal.id, Deal.unit_id, Deal.live_unit_id, Deal.stage, Deal.state)
    ).all()
    status = dict(session.execute(select(Unit.id, Unit.status)).all())
    live = [d for d in deals if d.state == DealState.LIVE]
    assert all(d.live_unit_id == d.unit_id for d in live)
    assert all(status[d.unit_id] == LIVE_STATUS[d.stage] for d in live)
    assert len({d.unit_id for d in live}) == len(live)
    closed = [d for d in deals if d.state != DealState.LIVE]
    assert all(d.live_unit_id is None for d in closed)
    # Every unit shown as taken has exactly its live deal.
    taken = {u for u, s in status.items() if s in LIVE_STATUS.values()}
    assert taken == {d.unit_id for d in live}
    stages = Counter((d.stage, d.state) for d in deals)
    for stage in DealStage:
        assert stages[(stage, DealState.LIVE)] > 0, stage
    for state in (DealState.FORFEITED, DealState.CANCELLED, DealState.EXPIRED):
        assert sum(n for (_s, st), n in stages.items() if st == state) > 0, state


def test_deal_stage_fields_are_filled(session):
    for deal in session.scalars(select(Deal)):
        if deal.stage == DealStage.RESERVED:
            assert deal.reserved_until is not None and deal.deposit == 0
            if deal.state == DealState.LIVE:
                assert deal.reserved_until >= TODAY
        elif deal.stage == DealStage.HELD:
            assert deal.held_until is not None and deal.deposit > 0
            if deal.state == DealState.LIVE:
                assert deal.held_until >= TODAY
        else:
            assert deal.subscribed_on is not None and deal.deposit > 0
        if deal.stage == DealStage.CONTRACTED:
            assert deal.contract_no and deal.contracted_on >= deal.subscribed_on
            assert deal.contract_status in (
                ContractStatus.SIGNED,
                ContractStatus.AUDITED,
                ContractStatus.FILED,
            )
        else:
            assert deal.contract_no is None
        if deal.state != DealState.LIVE:
            assert deal.closed_at is not None and deal.close_reason
        assert deal.closed_at is None or deal.closed_at.date() <= TODAY


def test_deposit_is_at_most_twenty_percent_and_totals_follow_the_snapshot(session):
    discounts = dict(session.execute(select(PaymentPlan.id, PaymentPlan.discount_rate)).all())
    for deal in session.scalars(select(Deal)):
        assert deal.deposit <= deal.deal_total * Decimal("0.20")
        # A reservation or hold is quoted without a plan, as the deal commands do.
        assert deal.discount_rate == (discounts[deal.plan_id] if deal.plan_id else 1)
        assert (deal.plan_id is None) == (deal.stage in (DealStage.RESERVED, DealStage.HELD))
        assert deal.extra_discount <= money(deal.list_total * Decimal("0.01"))
        expected = money(deal.list_total * deal.discount_rate - deal.extra_discount)
        assert deal.deal_total == expected
        assert deal.deal_unit_price == money(deal.deal_total / deal.area)


def test_customers_follow_their_deals(session):
    stage_of = dict(session.execute(select(Customer.id, Customer.stage)).all())
    first_contact = dict(session.execute(select(Customer.id, Customer.first_contact_on)).all())
    deals = session.execute(select(Deal.customer_id, Deal.stage, Deal.state, Deal.created_at)).all()
    for customer_id, stage, state, created in deals:
        assert first_contact[customer_id] <= created.date()
        if state == DealState.LIVE and stage in (DealStage.SUBSCRIBED, DealStage.CONTRACTED):
            assert stage_of[customer_id] == CustomerStage.DEAL
    stages = Counter(stage_of.values())
    assert all(stages[s] > 0 for s in CustomerStage)
    lost = session.scalars(select(Customer.lost_reason).where(Customer.stage == "lost")).all()
    assert all(lost)


def test_customer_counters_match_their_follow_ups(session):
    per_customer = defaultdict(list)
    for row in session.execute(
        select(
            FollowUp.customer_id, FollowUp.kind, FollowUp.happened_on, FollowUp.next_on
        ).order_by(FollowUp.customer_id, FollowUp.happened_on, FollowUp.id)
    ):
        per_customer[row.customer_id].append(row)
    # Customers handed over (demo_crm) are due for a call from their new consultant today.
    handed = set(
        session.scalars(
            select(CustomerAssignment.customer_id).where(
                CustomerAssignment.kind == AssignmentKind.TRANSFER
            )
        )
    )
    for customer in session.scalars(select(Customer)):
        rows = per_customer[customer.id]
        assert rows, customer.id
        assert customer.follow_up_count == len(rows)
        assert customer.visit_count == sum(r.kind == ContactKind.VISIT for r in rows)
        assert customer.last_contact_on == rows[-1].happened_on
        if customer.id not in handed:
            assert customer.next_follow_up_on == rows[-1].next_on
        assert rows[0].happened_on == customer.first_contact_on
        assert rows[-1].happened_on <= TODAY


def test_receipt_allocations_add_up_and_paid_counts_audited_receipts_only(session):
    allocated = defaultdict(Decimal)
    paid = defaultdict(Decimal)
    status = dict(session.execute(select(Receipt.id, Receipt.status)).all())
    for receipt_id, receivable_id, amount in session.execute(
        select(
            ReceiptAllocation.receipt_id,
            ReceiptAllocation.receivable_id,
            ReceiptAllocation.amount,
        )
    ):
        allocated[receipt_id] += amount
        if status[receipt_id] == ReceiptStatus.AUDITED:
            paid[receivable_id] += amount
    for receipt_id, amount in session.execute(select(Receipt.id, Receipt.amount)):
        assert allocated[receipt_id] == amount, receipt_id
    for receivable in session.scalars(select(Receivable)):
        assert receivable.paid == paid[receivable.id], receivable.id
        if receivable.kind == ReceivableKind.REFUND:
            # Owed back to the buyer by the developer; paid out outside the receipt book.
            assert receivable.amount < 0 and receivable.paid == 0
            assert receivable.payer == "developer"
        elif receivable.amount < 0:  # a 面积补差 owing the buyer, paid out on 退款登记
            assert receivable.kind == ReceivableKind.SETTLEMENT
            assert receivable.amount <= receivable.paid <= 0
        else:
            assert 0 <= receivable.paid <= receivable.amount
    counts = Counter(status.values())
    assert counts[ReceiptStatus.AUDITED] > 0.9 * len(status)
    assert counts[ReceiptStatus.DRAFT] > 0 and counts[ReceiptStatus.VOIDED] > 0


def test_receivables_follow_the_plan_and_some_are_overdue(session):
    plans = defaultdict(Decimal)
    for plan_id, ratio in session.execute(select(PaymentPlanItem.plan_id, PaymentPlanItem.ratio)):
        plans[plan_id] += ratio
    assert plans and all(total == 1 for total in plans.values())
    receivables = defaultdict(list)
    for row in session.scalars(select(Receivable)):
        receivables[row.deal_id].append(row)
    price_kinds = {
        ReceivableKind.DEPOSIT,
        ReceivableKind.DOWN_PAYMENT,
        ReceivableKind.INSTALLMENT,
        ReceivableKind.FULL_PAYMENT,
        ReceivableKind.MORTGAGE,
        ReceivableKind.PROVIDENT,
    }
    for deal in session.scalars(select(Deal)):
        rows = receivables[deal.id]
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
        if deal.stage == DealStage.RESERVED:
            assert not rows
            continue
        deposit = [r for r in rows if r.kind == ReceivableKind.DEPOSIT]
        assert sum(r.amount for r in deposit) == deal.deposit
        if deal.stage == DealStage.HELD:
            continue
        assert sum(r.amount for r in rows if r.kind in price_kinds) == deal.deal_total
        # Taxes and fees become receivables when the contract is signed.
        fees = [r for r in rows if r.kind == ReceivableKind.FEE]
        assert bool(fees) == (deal.contracted_on is not None)
        assert {r.payer for r in rows} <= {"buyer", "bank", "fund", "developer"}
        if deal.state != DealState.LIVE:
            assert all(r.cancelled for r in rows if r.paid == 0 and r.amount > 0)
    overdue = session.scalar(
        select(func.count())
        .select_from(Receivable)
        .where(
            Receivable.due_on < TODAY,
            Receivable.paid < Receivable.amount,
            Receivable.cancelled.is_(False),
        )
    )
    assert overdue > 0


def test_receipt_numbers_are_unique_per_company(session):
    rows = session.execute(select(Receipt.company_id, Receipt.number)).all()
    assert len(set(rows)) == len(rows)
    assert session.scalar(select(func.count()).select_from(Company)) == 2
    assert len({c for c, _n in rows}) == 2
    # The finance commands' format: SJ, the year, six digits, counted per company.
    assert all(
        n.startswith(RECEIPT_PREFIX) and len(n) == len(RECEIPT_PREFIX) + 10 for _c, n in rows
    )
    last = Counter()
    for company_id, number in rows:
        key = (company_id, int(number[-10:-6]))
        last[key] = max(last[key], int(number[-6:]))
    sequences = {
        (r.company_id, r.year): r.next_no for r in session.scalars(select(ReceiptSequence))
    }
    assert sequences == {key: n + 1 for key, n in last.items()}


def test_unit_areas_and_prices_are_consistent(session):
    for unit in session.scalars(select(Unit)):
        assert unit.gross_area == unit.internal_area + unit.shared_area
        if unit.pricing_basis == PricingBasis.GROSS:
            assert unit.list_total == money(unit.gross_area * unit.list_unit_price)
            assert unit.floor_total == money(unit.gross_area * unit.floor_unit_price)
        assert unit.floor_unit_price < unit.list_unit_price
        assert unit.floor_total < unit.list_total
    codes = session.execute(select(Unit.project_id, Unit.code)).all()
    assert len(set(codes)) == len(codes)


def test_price_history_ends_at_the_current_list_price(session):
    current = dict(session.execute(select(Unit.id, Unit.list_unit_price)).all())
    last: dict[int, PriceChange] = {}
    for change in session.scalars(select(PriceChange).order_by(PriceChange.at, PriceChange.id)):
        previous = last.get(change.unit_id)
        if previous is not None:
            assert change.old_list_unit_price == previous.new_list_unit_price
        assert change.reason and change.batch
        last[change.unit_id] = change
    assert last
    assert all(current[unit_id] == c.new_list_unit_price for unit_id, c in last.items())


def test_the_sales_control_benchmark_building_has_40_floors_of_8_units(session):
    first = session.scalar(select(Project).order_by(Project.id))
    building = session.scalar(
        select(Building).where(
            Building.project_id == first.id, Building.floors == 40, Building.units_per_floor == 8
        )
    )
    assert building is not None
    units = session.execute(
        select(Unit.floor, Unit.section, Unit.position).where(Unit.building_id == building.id)
    ).all()
    assert len(units) == 320
    assert {f for f, _s, _p in units} == set(range(1, 41))
    # Some buildings skip the unlucky floors.
    skipped = session.scalar(select(func.count()).select_from(Unit).where(Unit.floor == 4))
    all_buildings = session.scalar(select(func.count()).select_from(Building))
    assert skipped < all_buildings * 8


def test_every_status_appears_on_the_first_project(session):
    first = session.scalar(select(Project.id).order_by(Project.id))
    statuses = set(session.scalars(select(Unit.status).where(Unit.project_id == first)))
    assert statuses == set(UnitStatus)


def test_demo_accounts_log_in_with_the_demo_password(loaded):
    db, _summary, _seconds = loaded
    roles = {}
    with db.writer() as s:
        for username, label in demo.DEMO_ACCOUNTS:
            user = authenticate(
                s,
                username=username,
                password=demo.DEMO_PASSWORD,
                ip="127.0.0.1",
                policy=LoginPolicy(max_failures=100),
            )
            assert not user.must_change_password and user.active
            roles[username] = (user.role_code, label, user.project_ids)
    assert {role for role, _l, _p in roles.values()} == set(RoleCode)
    first = min(roles["consultant"][2])
    for username in ("manager", "consultant", "finance", "marketing", "aftersales"):
        assert first in roles[username][2], username
    with db.factory() as s:
        consultant = s.scalar(select(User).where(User.username == "consultant"))
        customers = s.scalar(select(func.count()).where(Customer.consultant_id == consultant.id))
        deals = s.scalar(select(func.count()).where(Deal.consultant_id == consultant.id))
        assert customers > 500 and deals > 50
        gu = s.scalar(select(func.count()).where(User.username.like("gu%")))
        assert gu >= 10
        members = s.scalar(select(func.count()).select_from(project_member))
        assert members >= gu


def test_reminders_have_something_to_show(session):
    consultant = session.scalar(select(User.id).where(User.username == "consultant"))
    mine = select(Customer).where(Customer.consultant_id == consultant)
    due_today = session.scalars(mine.where(Customer.next_follow_up_on == TODAY)).all()
    overdue = session.scalars(mine.where(Customer.next_follow_up_on < TODAY)).all()
    assert due_today and overdue
    upcoming = {TODAY + timedelta(days=n) for n in range(7)}
    birthdays = [
        c
        for c in session.scalars(mine.where(Customer.birthday.is_not(None)))
        if date(TODAY.year, c.birthday.month, c.birthday.day) in upcoming
        or date(TODAY.year + 1, c.birthday.month, c.birthday.day) in upcoming
    ]
    assert birthdays


def test_the_load_is_audited(session):
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "demo.load"))
    assert entry is not None
    assert entry.after["scale"] == "small" and entry.after["customers"] > 0


def test_customers_carry_their_funnel_dates_and_attribution(session):
    demo_consultant = session.scalar(select(User.id).where(User.username == "consultant"))
    for customer in session.scalars(select(Customer)):
        if customer.stage == CustomerStage.LOST:
            assert customer.lost_on is not None and customer.lost_reason
            assert customer.next_follow_up_on is None
        else:
            assert customer.lost_on is None
        if customer.stage in (CustomerStage.OPPORTUNITY, CustomerStage.DEAL):
            assert customer.level in ("A", "B", "C", "D")
        if customer.level:
            assert customer.first_contact_on <= customer.opportunity_on <= TODAY
        else:
            assert customer.opportunity_on is None
    kinds = Counter(session.scalars(select(CustomerAssignment.kind)))
    customers = session.scalar(select(func.count()).select_from(Customer))
    assert kinds[AssignmentKind.REGISTER] == customers
    handed = session.scalars(
        select(CustomerAssignment).where(CustomerAssignment.kind == AssignmentKind.TRANSFER)
    ).all()
    assert handed and all(a.to_consultant_id == demo_consultant for a in handed)
    assert all(a.at.date() >= TODAY - timedelta(days=30) for a in handed)


def test_changes_were_approved_and_a_few_wait(session):
    approvals = session.scalars(select(DealApproval)).all()
    deals = {d.id: d for d in session.scalars(select(Deal))}
    closed = {d.id for d in deals.values() if d.state in (DealState.FORFEITED, DealState.CANCELLED)}
    approved = {a.deal_id for a in approvals if a.status == ApprovalStatus.APPROVED}
    assert approved == closed
    pending = [a for a in approvals if a.status == ApprovalStatus.PENDING]
    assert pending
    for approval in pending:
        deal = deals[approval.deal_id]
        assert approval.pending_deal_id == deal.id and approval.kind == ApprovalKind.DISCOUNT
        assert deal.state == DealState.LIVE and deal.stage == DealStage.SUBSCRIBED


def test_price_history_names_its_adjustments(session):
    codes = set(session.scalars(select(PriceAdjustment.code)))
    batches = set(session.scalars(select(PriceChange.batch)))
    assert codes and batches == codes
    items = session.scalar(select(func.count()).select_from(PriceAdjustmentItem))
    assert items == session.scalar(select(func.count()).select_from(PriceChange))


def test_campaigns_are_linked_to_their_expenses(session):
    campaigns = {c.id: c for c in session.scalars(select(Campaign))}
    assert campaigns
    linked = session.scalars(
        select(MarketingExpense).where(MarketingExpense.campaign_id.is_not(None))
    ).all()
    assert linked
    for expense in linked:
        campaign = campaigns[expense.campaign_id]
        assert campaign.starts_on <= expense.spent_on <= campaign.ends_on
        assert campaign.channel == expense.channel and expense.campaign == campaign.name
    assert all(e.spent_on <= TODAY for e in session.scalars(select(MarketingExpense)))


def test_the_app_commands_carry_on_from_the_demo_data(loaded):
    from data_layer.commands import deals as deal_commands
    from data_layer.commands import finance

    db, _summary, _seconds = loaded
    with rolled_back(db) as s:
        finance_user = s.scalar(select(User).where(User.username == "finance"))
        waiting = set(
            s.scalars(select(DealApproval.deal_id).where(DealApproval.status == "pending"))
        )
        candidates = s.scalars(
            select(Deal)
            .where(Deal.state == DealState.LIVE, Deal.stage == DealStage.SUBSCRIBED)
            .order_by(Deal.id)
        )

        def owes(deal: Deal) -> bool:
            rows = s.scalars(
                select(Receivable).where(Receivable.deal_id == deal.id, Receivable.payer == "buyer")
            ).all()
            return any(v >= 1000 for v in finance.outstanding(s, rows).values())

        deal = next(d for d in candidates if d.id not in waiting and owes(d))
        company = s.get(Company, s.get(Project, deal.project_id).company_id)
        next_no = s.scalar(
            select(ReceiptSequence.next_no).where(
                ReceiptSequence.company_id == company.id, ReceiptSequence.year == TODAY.year
            )
        )
        receipt = finance.record_receipt(
            s,
            actor=finance_user,
            deal_id=deal.id,
            amount=Decimal("1000.00"),
            method="transfer",
            received_on=TODAY,
        )
        assert receipt.number == f"{RECEIPT_PREFIX}{TODAY.year}{next_no:06d}"
        assert finance.audit_receipts(s, actor=finance_user, receipt_ids=[receipt.id]) == 1
        consultant = s.get(User, deal.consultant_id)
        signed = deal_commands.sign_contract(
            s, actor=consultant, deal_id=deal.id, contract_no="HT-TEST-0001", today=TODAY
        )
        assert signed.stage == DealStage.CONTRACTED
        assert s.get(Unit, deal.unit_id).status == UnitStatus.CONTRACTED


def test_bulk_insert_stores_what_the_orm_stores(tmp_path):
    db = _fresh_sqlite(tmp_path / "bulk.db")
    cases = [
        (
            PaymentPlan,
            {"project_id": 1, "kind": "commercial", "discount_rate": Decimal("0.98765")},
            "name",
        ),
        (
            MarketingExpense,
            {
                "project_id": 1,
                "spent_on": date(2026, 1, 2),
                "channel": "online",
                "category": "online",
                "amount": Decimal("12345.675"),
                "created_at": datetime(2026, 1, 2, 9, 30, 15),
            },
            "campaign",
        ),
        (
            AuditEntry,
            {"at": datetime(2026, 1, 2, 9, 0), "action": "x", "after": {"a": "1", "b": [1]}},
            "subject",
        ),
    ]
    with db.writer() as s:
        s.execute(insert(Company), [{"id": 1, "code": "C", "name": "C"}])
        s.execute(
            insert(Project), [{"id": 1, "company_id": 1, "code": "P", "name": "P", "city": "杭州"}]
        )
        for model, values, label in cases:
            s.execute(insert(model), [{"id": 1, label: "orm", **values}])
            assert bulk_insert(s, model, [{"id": 2, label: "bulk", **values}]) == 1
    with db.factory() as s:
        for model, _values, label in cases:
            orm, fast = s.scalars(select(model).order_by(model.id)).all()
            for column in model.__table__.columns:
                if column.key not in ("id", label):
                    assert getattr(orm, column.key) == getattr(fast, column.key), column.key
    with db.factory() as s:
        assert s.get(MarketingExpense, 2).amount == Decimal("12345.68")
        assert s.get(PaymentPlan, 2).discount_rate == Decimal("0.9877")
    row = {"id": 3, "project_id": 1, "spent_on": date(2026, 1, 2), "channel": "x"}
    with db.writer() as s, pytest.raises(TypeError):
        bulk_insert(s, MarketingExpense, [{**row, "category": "x", "amount": 1.5}])
    with db.writer() as s, pytest.raises(KeyError):
        bulk_insert(s, MarketingExpense, [{**row, "no_such_column": 1}])
    db.dispose()


def test_unknown_scale_is_refused(tmp_path):
    db = _fresh_sqlite(tmp_path / "x.db")
    with pytest.raises(ValueError):
        demo.load(db, scale="huge", progress=_quiet, today=TODAY)
    assert demo.is_empty(db)
    db.dispose()


def test_bench_scale_is_planned_at_its_volumes():
    # Loading bench takes minutes (see the module's report); its plan is checked here.
    scale = demo._SCALES["bench"]
    specs = demo._bench_projects(Random(1), scale.projects, scale.min_units)
    assert len(specs) == 40
    assert sum(demo._unit_estimate(spec) for spec in specs) >= 250_000
    assert scale.customers == 1_000_000 and scale.deals == 200_000
    assert len({spec.code for spec in specs}) == 40
