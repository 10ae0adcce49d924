"""Deal commands: reserve, hold, subscribe, sign; approvals of changes; one live deal per unit."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from data_layer.commands import deals as cmd
from data_layer.errors import DomainError, PermissionDenied, ValidationError
from data_layer.models import (
    ApprovalKind,
    ApprovalStatus,
    AuditEntry,
    ContractStatus,
    Deal,
    DealEvent,
    DealStage,
    DealState,
    Receivable,
    ReceivableKind,
    UnitStatus,
    UnitStatusChange,
)
from tests.test_deals_support import make_market

TODAY = date(2026, 12, 4)


@pytest.fixture
def market(session):
    return make_market(session)


def price_lines(session, deal):
    return session.scalars(
        select(Receivable).where(
            Receivable.deal_id == deal.id,
            Receivable.cancelled.is_(False),
            Receivable.kind.in_(cmd.PRICE_KINDS),
        )
    ).all()


def subscribe(session, market, unit=0, customer=0, user="consultant", **kw):
    values = dict(plan_id=market.lump.id, deposit=Decimal("50000"), today=TODAY)
    values.update(kw)
    return cmd.subscribe(
        session,
        actor=market.user(user),
        unit_id=market.units[unit].id,
        customer_id=market.customers[customer].id,
        **values,
    )


# --- pure pricing -------------------------------------------------------------------------------


def test_quote_applies_plan_discount_then_extra_discount():
    q = cmd.quote_price(
        area=Decimal("100"),
        list_unit_price=Decimal("20000"),
        list_total=None,
        floor_total=Decimal("1900000"),
        discount_rate=Decimal("0.98"),
        extra_discount=Decimal("10000"),
    )
    assert q.list_total == Decimal("2000000.00")
    assert q.plan_total == Decimal("1960000.00")
    assert q.deal_total == Decimal("1950000.00")
    assert q.deal_unit_price == Decimal("19500.00")
    assert q.extra_limit == Decimal("20000.00")
    assert not q.needs_approval


@pytest.mark.parametrize(
    ("extra", "beyond", "below"),
    [("20000", False, False), ("20000.01", True, False), ("70000", True, True)],
)
def test_quote_flags_discount_beyond_limit_and_price_below_floor(extra, beyond, below):
    q = cmd.quote_price(
        area=Decimal("100"),
        list_unit_price=Decimal("20000"),
        list_total=Decimal("2000000"),
        floor_total=Decimal("1900000"),
        discount_rate=Decimal("0.98"),
        extra_discount=Decimal(extra),
    )
    assert (q.beyond_limit, q.below_floor) == (beyond, below)


def test_split_schedule_adds_up_exactly():
    lines = cmd.split_schedule(
        Decimal("100.00"),
        [
            (ReceivableKind.DOWN_PAYMENT, Decimal("1"), 0),
            (ReceivableKind.INSTALLMENT, Decimal("1"), 30),
            (ReceivableKind.INSTALLMENT, Decimal("1"), 60),
        ],
    )
    assert [a for _, a, _ in lines] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


# --- subscribe ----------------------------------------------------------------------------------


def test_subscription_snapshots_price_and_builds_receivables(session, market):
    deal = subscribe(session, market)
    assert deal.stage == DealStage.SUBSCRIBED and deal.live_unit_id == market.units[0].id
    assert deal.list_total == Decimal("2000000.00")
    assert deal.discount_rate == Decimal("0.9800")
    assert deal.deal_total == Decimal("1960000.00")
    lines = price_lines(session, deal)
    assert sum(r.amount for r in lines) == deal.deal_total
    assert [(r.kind, r.amount) for r in lines] == [
        (ReceivableKind.DEPOSIT, Decimal("50000.00")),
        (ReceivableKind.FULL_PAYMENT, Decimal("1910000.00")),
    ]
    assert lines[1].due_on == TODAY + timedelta(days=7)
    unit = market.units[0]
    session.refresh(unit)
    assert unit.status == UnitStatus.SUBSCRIBED
    change = session.scalar(select(UnitStatusChange).where(UnitStatusChange.deal_id == deal.id))
    assert (change.from_status, change.to_status) == (UnitStatus.AVAILABLE, UnitStatus.SUBSCRIBED)
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "deal.subscribe")
        )
        == 1
    )


def test_mortgage_plan_is_paid_partly_by_the_bank(session, market):
    deal = subscribe(session, market, plan_id=market.mortgage.id)
    lines = price_lines(session, deal)
    assert deal.deal_total == Decimal("1980000.00")
    assert [(r.kind, r.payer, r.amount) for r in lines] == [
        (ReceivableKind.DEPOSIT, "buyer", Decimal("50000.00")),
        (ReceivableKind.DOWN_PAYMENT, "buyer", Decimal("579000.00")),
        (ReceivableKind.MORTGAGE, "bank", Decimal("1351000.00")),
    ]


def test_second_subscription_of_same_unit_is_refused_naming_the_holder(session, market):
    subscribe(session, market)
    with pytest.raises(cmd.UnitTaken) as err:
        subscribe(session, market, customer=1, user="consultant2")
    assert err.value.message == "3-1-101 已被 王芳 认购"
    assert session.scalar(select(func.count()).select_from(Deal)) == 1


def test_database_refuses_a_second_live_deal_even_without_the_code(session, market):
    deal = subscribe(session, market)
    twin = Deal(
        project_id=deal.project_id,
        unit_id=deal.unit_id,
        live_unit_id=deal.unit_id,
        customer_id=market.customers[1].id,
        consultant_id=market.user("consultant2").id,
        stage=DealStage.SUBSCRIBED,
        state=DealState.LIVE,
    )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(twin)
        session.flush()


def test_deposit_above_twenty_percent_is_refused_and_nothing_written(session, market):
    with pytest.raises(ValidationError) as err:
        subscribe(session, market, deposit=Decimal("392000.01"))
    assert "20%" in err.value.message
    assert session.scalar(select(func.count()).select_from(Deal)) == 0
    session.refresh(market.units[0])
    assert market.units[0].status == UnitStatus.AVAILABLE


@pytest.mark.parametrize("deposit", ["0", "-1"])
def test_zero_or_negative_deposit_is_refused(session, market, deposit):
    with pytest.raises(ValidationError):
        subscribe(session, market, deposit=Decimal(deposit))


@pytest.mark.parametrize("status", [UnitStatus.UNRELEASED, UnitStatus.NOT_FOR_SALE])
def test_unreleased_unit_cannot_be_sold(session, market, status):
    market.units[0].status = status
    session.flush()
    with pytest.raises(DomainError) as err:
        subscribe(session, market)
    assert "未放盘或不可售" in err.value.message


def test_consultant_cannot_sell_to_a_colleagues_customer(session, market):
    with pytest.raises(PermissionDenied):
        subscribe(session, market, customer=1, user="consultant")


def test_other_project_user_is_refused(session, market):
    with pytest.raises(PermissionDenied):
        subscribe(session, market, user="consultant_p2", customer=0)


@pytest.mark.parametrize("user", ["consultant_p2", "finance", "marketing"])
@pytest.mark.parametrize("command", ["reserve", "hold", "subscribe"])
def test_taking_a_unit_needs_the_permission_in_its_project(session, market, user, command):
    """The unit's row lock and the actor's scope are one statement: a user of another project
    (or a role that cannot sell) is refused and nothing is written."""
    actor = market.user(user)
    args = dict(actor=actor, unit_id=market.units[0].id, customer_id=market.customers[0].id)
    calls = {
        "reserve": lambda: cmd.reserve(
            session, until=TODAY + timedelta(days=1), today=TODAY, **args
        ),
        "hold": lambda: cmd.hold(session, deposit=Decimal("10000"), today=TODAY, **args),
        "subscribe": lambda: cmd.subscribe(
            session, plan_id=market.lump.id, deposit=Decimal("50000"), today=TODAY, **args
        ),
    }
    with pytest.raises(PermissionDenied):
        calls[command]()
    assert session.scalar(select(func.count()).select_from(Deal)) == 0
    session.refresh(market.units[0])
    assert market.units[0].status == UnitStatus.AVAILABLE


@pytest.mark.parametrize("user", ["admin", "manager", "consultant"])
def test_taking_a_unit_by_roles_that_may(session, market, user):
    """The statement that takes a unit is built once per kind of scope (every project, or
    the user's own) and serves every user of that kind."""
    deal = subscribe(session, market, user=user)
    assert deal.stage == DealStage.SUBSCRIBED and deal.unit_id == market.units[0].id
    with pytest.raises(cmd.UnitTaken):
        subscribe(session, market, customer=1, user="consultant2")


def test_new_subscription_schedule_adds_up_and_is_numbered(session, market):
    """A new deal's receivables are made in memory and inserted with it: the deposit first,
    then the plan's lines, numbered 1..n, adding up to the deal price to the cent."""
    deal = subscribe(session, market, plan_id=market.mortgage.id, deposit=Decimal("33333.33"))
    lines = session.scalars(
        select(Receivable).where(Receivable.deal_id == deal.id).order_by(Receivable.seq)
    ).all()
    assert [r.seq for r in lines] == list(range(1, len(lines) + 1))
    assert lines[0].kind == ReceivableKind.DEPOSIT and lines[0].amount == Decimal("33333.33")
    assert lines[0].due_on == TODAY
    assert [r.kind for r in lines[1:]] == [ReceivableKind.DOWN_PAYMENT, ReceivableKind.MORTGAGE]
    assert [r.due_on for r in lines[1:]] == [TODAY + timedelta(days=7), TODAY + timedelta(days=60)]
    assert lines[2].payer == cmd.PAYER[ReceivableKind.MORTGAGE]
    assert sum(r.amount for r in lines) == deal.deal_total == Decimal("1980000.00")


def test_second_click_with_same_form_token_is_refused(session, market):
    subscribe(session, market, token="form-1")
    with pytest.raises(DomainError) as err:
        subscribe(session, market, unit=1, token="form-1")
    assert "请勿重复点击" in err.value.message
    assert session.scalar(select(func.count()).select_from(Deal)) == 1


def test_later_price_change_never_alters_the_deal(session, market):
    deal = subscribe(session, market)
    market.units[0].list_total = Decimal("2500000")
    market.units[0].list_unit_price = Decimal("25000")
    session.flush()
    session.refresh(deal)
    assert deal.deal_total == Decimal("1960000.00")
    assert deal.list_total == Decimal("2000000.00")


# --- reserve / hold / expiry --------------------------------------------------------------------


def test_reservation_blocks_others_and_converts_for_the_same_customer(session, market):
    reserved = cmd.reserve(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[0].id,
        customer_id=market.customers[0].id,
        until=TODAY + timedelta(days=2),
        today=TODAY,
    )
    with pytest.raises(cmd.UnitTaken) as err:
        subscribe(session, market, customer=1, user="consultant2")
    assert err.value.message == "3-1-101 已被 王芳 预留"
    deal = subscribe(session, market)
    assert deal.id == reserved.id and deal.stage == DealStage.SUBSCRIBED


def test_hold_counts_towards_the_deposit(session, market):
    held = cmd.hold(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[0].id,
        customer_id=market.customers[0].id,
        deposit=Decimal("10000"),
        today=TODAY,
    )
    assert held.held_until == TODAY + timedelta(days=3)
    deal = subscribe(session, market)
    deposits = [r.amount for r in price_lines(session, deal) if r.kind == ReceivableKind.DEPOSIT]
    assert deposits == [Decimal("10000.00"), Decimal("40000.00")]
    assert sum(r.amount for r in price_lines(session, deal)) == Decimal("1960000.00")


def test_expired_hold_is_released_by_the_job(session, market):
    cmd.hold(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[0].id,
        customer_id=market.customers[0].id,
        deposit=Decimal("10000"),
        today=TODAY,
    )
    assert cmd.expire_stale(session, TODAY + timedelta(days=3)) == 0
    assert cmd.expire_stale(session, TODAY + timedelta(days=4)) == 1
    unit = market.units[0]
    session.refresh(unit)
    assert unit.status == UnitStatus.AVAILABLE
    deal = session.scalar(select(Deal))
    assert deal.state == DealState.EXPIRED and deal.live_unit_id is None


def test_stale_reservation_never_blocks_a_sale(session, market):
    cmd.reserve(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[0].id,
        customer_id=market.customers[0].id,
        until=TODAY,
        today=TODAY,
    )
    later = TODAY + timedelta(days=1)
    deal = subscribe(session, market, customer=1, user="consultant2", today=later)
    assert deal.customer_id == market.customers[1].id
    states = sorted(d.state for d in session.scalars(select(Deal)))
    assert states == [DealState.EXPIRED, DealState.LIVE]


def test_reservation_date_must_be_in_range(session, market):
    with pytest.raises(ValidationError):
        cmd.reserve(
            session,
            actor=market.user("consultant"),
            unit_id=market.units[0].id,
            customer_id=market.customers[0].id,
            until=TODAY - timedelta(days=1),
            today=TODAY,
        )


# --- discount approval --------------------------------------------------------------------------


def test_discount_beyond_limit_waits_for_the_manager(session, market):
    deal = subscribe(session, market, extra_discount=Decimal("50000"))
    assert deal.deal_total == Decimal("1960000.00")  # plan price until approved
    approval = cmd.pending_approval(session, deal.id)
    assert approval.kind == ApprovalKind.DISCOUNT
    with pytest.raises(DomainError):
        cmd.sign_contract(
            session,
            actor=market.user("consultant"),
            deal_id=deal.id,
            contract_no="HT-1",
            today=TODAY,
        )
    with pytest.raises(PermissionDenied):
        cmd.decide(session, actor=market.user("consultant"), approval_id=approval.id, approve=True)
    cmd.decide(session, actor=market.user("manager"), approval_id=approval.id, approve=True)
    session.refresh(deal)
    assert deal.extra_discount == Decimal("50000.00")
    assert deal.deal_total == Decimal("1910000.00")
    assert sum(r.amount for r in price_lines(session, deal)) == Decimal("1910000.00")
    assert approval.status == ApprovalStatus.APPROVED
    kinds = session.scalars(select(DealEvent.kind).where(DealEvent.deal_id == deal.id)).all()
    assert "approve_discount" in kinds


def test_manager_may_grant_the_discount_at_once(session, market):
    deal = subscribe(session, market, customer=0, user="manager", extra_discount=Decimal("50000"))
    assert deal.deal_total == Decimal("1910000.00")
    assert cmd.pending_approval(session, deal.id) is None


# --- contract -----------------------------------------------------------------------------------


def test_contract_sign_audit_file_and_fees(session, market):
    deal = subscribe(session, market)
    cmd.sign_contract(
        session,
        actor=market.user("consultant"),
        deal_id=deal.id,
        contract_no="HT-2026-001",
        today=TODAY,
    )
    assert deal.stage == DealStage.CONTRACTED
    fees = session.scalars(
        select(Receivable).where(
            Receivable.deal_id == deal.id, Receivable.kind == ReceivableKind.FEE
        )
    ).all()
    assert [f.amount for f in fees] == [Decimal("19600.00")]  # 1% deed tax, first home ≤140 m²
    with pytest.raises(PermissionDenied):
        cmd.audit_contract(session, actor=market.user("consultant"), deal_id=deal.id)
    with pytest.raises(DomainError):
        cmd.file_contract(session, actor=market.user("manager"), deal_id=deal.id)
    cmd.audit_contract(session, actor=market.user("manager"), deal_id=deal.id)
    cmd.file_contract(session, actor=market.user("manager"), deal_id=deal.id, filing_no="BA-1")
    assert deal.contract_status == ContractStatus.FILED
    session.refresh(market.units[0])
    assert market.units[0].status == UnitStatus.CONTRACTED


def test_contract_number_is_unique(session, market):
    first = subscribe(session, market)
    second = subscribe(session, market, unit=1, customer=2)
    cmd.sign_contract(
        session, actor=market.user("consultant"), deal_id=first.id, contract_no="HT-9", today=TODAY
    )
    with pytest.raises(ValidationError) as err:
        cmd.sign_contract(
            session,
            actor=market.user("consultant"),
            deal_id=second.id,
            contract_no="HT-9",
            today=TODAY,
        )
    assert "已被使用" in err.value.message


def test_walk_in_signs_directly(session, market):
    deal = cmd.sign_contract(
        session,
        actor=market.user("consultant"),
        contract_no="HT-W1",
        unit_id=market.units[2].id,
        customer_id=market.customers[0].id,
        plan_id=market.mortgage.id,
        deposit=Decimal("100000"),
        home_count=2,
        today=TODAY,
    )
    assert deal.stage == DealStage.CONTRACTED and deal.subscribed_on == TODAY


# --- changes ------------------------------------------------------------------------------------


def paid_everything_but(session, deal, kinds):
    for r in price_lines(session, deal):
        if r.kind not in kinds:
            r.paid = r.amount
    session.flush()


def test_forfeit_keeps_the_deposit_and_releases_the_unit(session, market):
    deal = subscribe(session, market, plan_id=market.mortgage.id)
    paid_everything_but(session, deal, {ReceivableKind.MORTGAGE})  # deposit + down payment paid
    with pytest.raises(ValidationError):
        cmd.request_change(
            session,
            actor=market.user("consultant"),
            deal_id=deal.id,
            kind="forfeit",
            reason_code="nonsense",
        )
    req = cmd.request_change(
        session,
        actor=market.user("consultant"),
        deal_id=deal.id,
        kind="forfeit",
        reason_code="loan",
        reason="贷款被拒",
    )
    with pytest.raises(DomainError):
        cmd.request_change(session, actor=market.user("consultant"), deal_id=deal.id, kind="cancel")
    cmd.decide(session, actor=market.user("manager"), approval_id=req.id, approve=True)
    assert deal.state == DealState.FORFEITED and deal.live_unit_id is None
    assert deal.close_reason == "贷款未获批"
    refund = session.scalar(
        select(Receivable).where(
            Receivable.deal_id == deal.id, Receivable.kind == ReceivableKind.REFUND
        )
    )
    assert refund.amount == Decimal("-579000.00")  # the down payment back; the deposit kept
    session.refresh(market.units[0])
    assert market.units[0].status == UnitStatus.AVAILABLE
    again = subscribe(session, market, customer=2)
    assert again.live_unit_id == market.units[0].id


def test_cancel_by_developer_fault_returns_double_deposit(session, market):
    deal = subscribe(session, market)
    paid_everything_but(session, deal, {ReceivableKind.FULL_PAYMENT})
    req = cmd.request_change(
        session,
        actor=market.user("consultant"),
        deal_id=deal.id,
        kind="cancel",
        developer_fault=True,
    )
    cmd.decide(session, actor=market.user("manager"), approval_id=req.id, approve=True)
    refund = session.scalar(
        select(Receivable).where(
            Receivable.deal_id == deal.id, Receivable.kind == ReceivableKind.REFUND
        )
    )
    assert refund.amount == Decimal("-100000.00")
    assert deal.state == DealState.CANCELLED


def test_rejected_request_changes_nothing(session, market):
    deal = subscribe(session, market)
    req = cmd.request_change(
        session, actor=market.user("consultant"), deal_id=deal.id, kind="cancel"
    )
    cmd.decide(
        session, actor=market.user("manager"), approval_id=req.id, approve=False, note="不同意"
    )
    assert deal.state == DealState.LIVE and req.status == ApprovalStatus.REJECTED
    with pytest.raises(DomainError):
        cmd.decide(session, actor=market.user("manager"), approval_id=req.id, approve=True)


def test_rename_changes_the_buyer_with_history(session, market):
    deal = subscribe(session, market)
    req = cmd.request_change(
        session,
        actor=market.user("consultant"),
        deal_id=deal.id,
        kind="rename",
        new_customer_id=market.customers[2].id,
    )
    cmd.decide(session, actor=market.user("manager"), approval_id=req.id, approve=True)
    assert deal.customer_id == market.customers[2].id
    event = session.scalar(select(DealEvent).where(DealEvent.kind == "rename"))
    assert event.details["old_customer_id"] == market.customers[0].id


# --- fees from dated per-city rule tables -------------------------------------------------------


def test_fees_follow_the_rules_in_force_for_the_city_and_date(session, market):
    from data_layer.models import DeedTaxRate, FeeRule

    p1 = market.world.projects[0]
    session.add_all(
        [
            FeeRule(
                city="杭州",
                code="maintenance",
                name="维修基金",
                formula="area * 80",
                effective_from=date(2025, 1, 1),
            ),
            FeeRule(
                city="杭州",
                code="maintenance",
                name="维修基金",
                formula="area * 100",
                effective_from=date(2027, 1, 1),
            ),
            FeeRule(
                city="武汉",
                code="utility",
                name="配套费",
                formula="area * 999",
                effective_from=date(2020, 1, 1),
            ),
            FeeRule(
                project_id=p1.id,
                code="stamp",
                name="印花税",
                formula="round_half_up(price * 0.0005, 2)",
                effective_from=date(2024, 1, 1),
            ),
            # 杭州 taxes second homes above 140 m² at 3% from 2026 in this test's world.
            DeedTaxRate(
                city="杭州",
                effective_from=date(2026, 1, 1),
                area_threshold=Decimal("90"),
                first_home_small=Decimal("0.01"),
                first_home_large=Decimal("0.015"),
                second_home_small=Decimal("0.01"),
                second_home_large=Decimal("0.03"),
                other_home_rate=Decimal("0.03"),
            ),
        ]
    )
    session.flush()
    deal = subscribe(session, market)
    lines = cmd.fee_lines(session, deal, market.units[0], TODAY, home_count=2)
    assert lines == [
        ("deed_tax", "契税", Decimal("58800.00")),  # 100 m² > 90 m² threshold of 杭州: 3%
        ("maintenance", "维修基金", Decimal("8000.00")),  # the 2025 rule, not the 2027 one
        ("stamp", "印花税", Decimal("980.00")),
    ]
    later = cmd.fee_lines(session, deal, market.units[0], date(2027, 3, 1), home_count=1)
    assert ("maintenance", "维修基金", Decimal("10000.00")) in later
    assert later[0] == ("deed_tax", "契税", Decimal("29400.00"))
