"""面积补差 end to end on SQLite and MariaDB: contracted deals through the deal commands, measured
areas, settle_areas and the list. The DOMAIN.md worked examples are the acceptance cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data_layer.commands import deals as deal_cmd
from data_layer.commands import finance as fin_cmd
from data_layer.commands.settlement import SettlementRefused, settle_areas
from data_layer.errors import PermissionDenied, ValidationError
from data_layer.models import (
    AuditEntry,
    DealEvent,
    PaymentPlan,
    PaymentPlanItem,
    PlanKind,
    PricingBasis,
    Receivable,
    ReceivableKind,
    RoleCode,
)
from data_layer.queries import settlement as queries
from tests.factories import make_customer, make_user
from tests.test_deals_support import make_market, make_units

DUE = date(2026, 12, 31)


class Setup:
    def __init__(self, session):
        self.session = session
        self.market = make_market(session)
        world = self.market.world
        self.world = world
        self.project = world.projects[0]
        # 100.00 m² at 10,000.00 ¥/m² with no discount: the DOMAIN.md example contract.
        self.units = make_units(
            session, self.project, code="7", floors=4, per_floor=2, price="10000.00"
        )
        for unit in self.units:
            unit.floor_unit_price = Decimal("9000.00")
            unit.floor_total = Decimal("900000.00")
        self.plan = PaymentPlan(
            project_id=self.project.id,
            name="一次性原价",
            kind=PlanKind.LUMP_SUM,
            discount_rate=Decimal("1"),
            active=True,
        )
        session.add(self.plan)
        session.flush()
        session.add(
            PaymentPlanItem(
                plan_id=self.plan.id,
                seq=1,
                kind=ReceivableKind.FULL_PAYMENT,
                ratio=Decimal("1"),
                due_days=7,
            )
        )
        session.flush()
        session.expire(self.plan)
        self.n = 0

    def user(self, key):
        return self.world.users[key]

    def deal(self, index: int, *, sign: bool = True, basis: PricingBasis | None = None):
        unit = self.units[index]
        if basis is not None:
            unit.pricing_basis = basis
            self.session.flush()
        self.n += 1
        customer = make_customer(
            self.session,
            self.project,
            self.user("consultant"),
            f"业主{self.n}",
            f"1390000{self.n:04d}",
        )
        kwargs = dict(
            actor=self.user("consultant"),
            unit_id=unit.id,
            customer_id=customer.id,
            plan_id=self.plan.id,
            deposit=Decimal("10000"),
        )
        if sign:
            deal = deal_cmd.sign_contract(self.session, contract_no=f"HT-S-{self.n}", **kwargs)
        else:
            deal = deal_cmd.subscribe(self.session, **kwargs)
        return deal

    def measure(self, index: int, gross: str, internal: str = "85.00"):
        unit = self.units[index]
        unit.measured_gross_area = Decimal(gross)
        unit.measured_internal_area = Decimal(internal)
        self.session.flush()

    def settle(self, *deals, user="finance"):
        return settle_areas(
            self.session, actor=self.user(user), deal_ids=[d.id for d in deals], due_on=DUE
        )

    def settlements(self, deal=None):
        query = select(Receivable).where(Receivable.kind == ReceivableKind.SETTLEMENT)
        if deal is not None:
            query = query.where(Receivable.deal_id == deal.id)
        return list(self.session.scalars(query.order_by(Receivable.id)))

    def row(self, deal, user="finance"):
        frame = queries.settlement_frame(self.session, self.user(user), self.project.id)
        return frame[frame["id"] == deal.id].iloc[0].to_dict()


@pytest.fixture
def s(session):
    return Setup(session)


@pytest.mark.parametrize(
    ("measured", "amount", "pct", "within", "beyond", "borne", "may_cancel"),
    [
        ("102.00", "20000.00", "2.00", "20000.00", "0.00", "0.00", ""),
        ("105.00", "30000.00", "5.00", "30000.00", "0.00", "20000.00", "是"),
        ("97.00", "-30000.00", "-3.00", "-30000.00", "0.00", "0.00", ""),
        ("95.00", "-70000.00", "-5.00", "-30000.00", "-40000.00", "0.00", "是"),
    ],
)
def test_domain_worked_examples_end_to_end(
    s, measured, amount, pct, within, beyond, borne, may_cancel
):
    deal = s.deal(0)
    assert (deal.area, deal.deal_unit_price) == (Decimal("100.00"), Decimal("10000.00"))
    s.measure(0, measured)
    row = s.row(deal)
    assert row["state"] == "未补差"
    assert row["amount"] == Decimal(amount)
    assert row["error_pct"] == Decimal(pct)
    assert (row["within_amount"], row["beyond_amount"]) == (Decimal(within), Decimal(beyond))
    assert row["developer_borne"] == Decimal(borne)
    assert row["may_cancel"] == may_cancel
    [line] = s.settle(deal)
    assert line.amount == Decimal(amount)
    assert (line.kind, line.payer, line.due_on, line.paid) == (
        ReceivableKind.SETTLEMENT,
        "buyer",
        DUE,
        Decimal("0"),
    )
    [stored] = s.settlements(deal)
    assert stored.amount == Decimal(amount)
    event = s.session.scalar(
        select(DealEvent).where(DealEvent.deal_id == deal.id, DealEvent.kind == "settlement")
    )
    assert event.details["amount"] == amount and event.details["measured_area"] == measured
    entry = s.session.scalar(select(AuditEntry).where(AuditEntry.action == "settlement.settle"))
    assert entry.entity_id == deal.id
    row = s.row(deal)
    assert row["state"] == "已生成"
    assert row["receivable_amount"] == Decimal(amount)
    summary = queries.summary(queries.settlement_frame(s.session, s.user("finance"), s.project.id))
    assert summary["measured"] == 1
    if Decimal(amount) > 0:
        assert summary["buyers_pay"] == Decimal(amount) and summary["refunds"] == 0
    else:
        assert summary["refunds"] == -Decimal(amount) and summary["buyers_pay"] == 0
    assert summary["may_cancel"] == (1 if may_cancel else 0)


def test_a_positive_settlement_is_collected_on_the_receipt_screen(s):
    deal = s.deal(0)
    s.measure(0, "102.00")
    [line] = s.settle(deal)
    from data_layer.queries import finance as fin_q

    open_lines = fin_q.open_receivables(s.session, s.user("finance"), deal.id)
    mine = [r for r in open_lines if r["id"] == line.id]
    assert mine and mine[0]["kind"] == "面积补差" and mine[0]["open"] == "20000.00"
    receipt = fin_cmd.record_receipt(
        s.session,
        actor=s.user("finance"),
        deal_id=deal.id,
        amount=Decimal("20000.00"),
        method="transfer",
        allocations=[{"receivable_id": line.id, "amount": "20000.00"}],
    )
    fin_cmd.audit_receipts(s.session, actor=s.user("finance"), receipt_ids=[receipt.id])
    s.session.refresh(line)
    assert line.paid == Decimal("20000.00")
    assert s.row(deal)["receivable_paid"] == Decimal("20000.00")


def test_refusals_list_every_deal_and_write_nothing(s):
    good = s.deal(0)
    s.measure(0, "102.00")
    subscribed = s.deal(1, sign=False)
    s.measure(1, "102.00")
    per_unit = s.deal(2, basis=PricingBasis.UNIT)
    s.measure(2, "102.00")
    unmeasured = s.deal(3)
    events = s.session.scalar(select(func.count()).select_from(DealEvent))
    with pytest.raises(SettlementRefused) as refused:
        s.settle(good, subscribed, per_unit, unmeasured)
    message = refused.value.text("zh")
    for unit in s.units[1:4]:
        assert unit.code in message
    assert s.units[0].code not in message
    assert "按套" in message and "尚无实测面积" in message and "不是已签约" in message
    assert refused.value.text("en") != message
    assert s.settlements() == []
    assert s.session.scalar(select(func.count()).select_from(DealEvent)) == events
    # the good one alone goes through; a second click with the same area is refused
    s.settle(good)
    with pytest.raises(SettlementRefused, match="已按该实测面积"):
        s.settle(good)
    assert len(s.settlements(good)) == 1
    with pytest.raises(ValidationError):
        s.settle()
    with pytest.raises(ValidationError):
        settle_areas(s.session, actor=s.user("finance"), deal_ids=[good.id], due_on=None)


def test_per_unit_priced_deals_are_listed_as_needing_none(s):
    deal = s.deal(2, basis=PricingBasis.UNIT)
    s.measure(2, "110.00")
    row = s.row(deal)
    assert row["state"] == "无需补差"
    assert row["amount"] is None and row["measured_area"] == Decimal("110.00")


def test_unpaid_settlement_is_replaced_when_the_area_changes(s):
    deal = s.deal(0)
    s.measure(0, "102.00")
    [first] = s.settle(deal)
    s.measure(0, "97.00")
    assert s.row(deal)["state"] == "实测面积已变更"
    [second] = s.settle(deal)
    s.session.refresh(first)
    assert first.cancelled and second.amount == Decimal("-30000.00")
    live = [r for r in s.settlements(deal) if not r.cancelled]
    assert live == [second]
    row = s.row(deal)
    assert (row["state"], row["receivable_amount"]) == ("已生成", Decimal("-30000.00"))


def test_paid_settlement_is_not_replaced(s):
    deal = s.deal(0)
    s.measure(0, "102.00")
    [line] = s.settle(deal)
    receipt = fin_cmd.record_receipt(
        s.session,
        actor=s.user("finance"),
        deal_id=deal.id,
        amount=Decimal("5000.00"),
        method="transfer",
        allocations=[{"receivable_id": line.id, "amount": "5000.00"}],
    )
    s.measure(0, "103.00")
    with pytest.raises(SettlementRefused, match="未审核收据"):  # a draft counts as paid
        s.settle(deal)
    fin_cmd.audit_receipts(s.session, actor=s.user("finance"), receipt_ids=[receipt.id])
    with pytest.raises(SettlementRefused, match="已收"):
        s.settle(deal)
    assert s.settlements(deal) == [line]
    s.session.refresh(line)
    assert not line.cancelled and line.amount == Decimal("20000.00")


def test_internal_area_pricing_and_the_internal_check(s):
    internal = s.deal(0, basis=PricingBasis.INTERNAL)  # contract area = 85.00 m² 套内
    assert internal.area == Decimal("85.00")
    s.measure(0, "120.00", "86.70")  # +2% 套内; the gross area plays no part
    [line] = s.settle(internal)
    assert line.amount == money_of("1.70", internal.deal_unit_price)
    gross = s.deal(1)
    s.measure(1, "101.00", "88.00")  # gross +1%, 套内 85 → 88 is +3.5%
    row = s.row(gross)
    assert (row["may_cancel"], row["may_cancel_internal"]) == ("", "是")
    assert row["amount"] == Decimal("10000.00")
    assert (
        queries.summary(queries.settlement_frame(s.session, s.user("finance"), None))["may_cancel"]
        == 1
    )


def money_of(area: str, price: Decimal) -> Decimal:
    return (Decimal(area) * price).quantize(Decimal("0.01"))


def test_scope_and_permissions(s):
    deal = s.deal(0)
    s.measure(0, "102.00")
    other_units = make_units(s.session, s.world.projects[1], code="9")
    assert other_units
    with pytest.raises(PermissionDenied):
        s.settle(deal, user="consultant")
    with pytest.raises(PermissionDenied):
        s.settle(deal, user="manager")  # reads, does not settle
    with pytest.raises(PermissionDenied):
        queries.settlement_frame(s.session, s.user("consultant"), None)
    # finance of project 1 only: project 2 reads empty
    assert queries.settlement_frame(s.session, s.user("finance"), s.world.projects[1].id).empty
    assert len(queries.settlement_frame(s.session, s.user("manager"), None)) == 1
    s.world.users["finance_p2"] = make_user(
        s.session, "finance2", RoleCode.FINANCE, [s.world.projects[1]]
    )
    with pytest.raises(PermissionDenied):
        s.settle(deal, user="finance_p2")
    assert queries.settlement_frame(s.session, s.user("finance_p2"), None).empty
    assert queries.settlement_frame(s.session, s.user("finance_p2"), s.project.id).empty
    assert s.settlements() == []
    [line] = s.settle(deal, user="admin")
    assert line.amount == Decimal("20000.00")


def test_a_negative_settlement_is_paid_out_on_the_refund_screen(s):
    """A smaller measured area owes the buyer money on a live deal: 退款登记 lists it and pays
    it out (a refund voucher on the 面积补差 line), 收款登记 does not offer it, and the
    desktop's 待退款 counts it until it is paid."""
    from data_layer.queries import finance as fin_q
    from data_layer.queries import todo

    finance = s.user("finance")
    deal = s.deal(0)
    other = s.deal(1)  # live, nothing owed back
    s.measure(0, "97.00")
    [line] = s.settle(deal)
    assert line.amount == Decimal("-30000.00")
    assert [
        r for r in fin_q.open_receivables(s.session, finance, deal.id) if r["id"] == line.id
    ] == []
    owed = fin_q.refunds_frame(s.session, finance, None)
    assert list(owed["receivable_id"]) == [line.id] and owed["open"].iloc[0] == Decimal("30000.00")
    assert fin_q.refund_deals(s.session, finance, None) == [
        {"deal_id": deal.id, "name": owed["unit"].iloc[0] + " " + owed["customer"].iloc[0],
         "open": Decimal("30000.00")}
    ]  # fmt: skip
    assert todo.refunds_owed(s.session, finance, None) == (1, Decimal("30000.00"))
    with pytest.raises(ValidationError):
        fin_cmd.record_refund(
            s.session, actor=finance, deal_id=deal.id, amount="30000.01", method="transfer"
        )
    with pytest.raises(fin_cmd.ReceiptRefused):
        fin_cmd.record_refund(
            s.session, actor=finance, deal_id=other.id, amount="1.00", method="transfer"
        )
    voucher = fin_cmd.record_refund(
        s.session, actor=finance, deal_id=deal.id, amount="30000.00", method="transfer"
    )
    assert voucher.number.startswith("TK") and voucher.amount == Decimal("-30000.00")
    assert todo.refunds_owed(s.session, finance, None) == (0, Decimal("0"))  # held by the draft
    fin_cmd.audit_receipts(s.session, actor=finance, receipt_ids=[voucher.id])
    s.session.refresh(line)
    assert line.paid == Decimal("-30000.00")
    assert fin_q.refunds_frame(s.session, finance, None).empty
