"""The executive overview's figures on a small, hand-checked set of sales, money and spend."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from data_layer.commands import marketing as commands
from data_layer.errors import PermissionDenied, ValidationError
from data_layer.models import (
    CustomerStage,
    Deal,
    DealStage,
    DealState,
    MarketingBudget,
    Receipt,
    ReceiptStatus,
    Receivable,
    ReceivableKind,
    SalesPlan,
    Unit,
    UnitStatus,
)
from data_layer.queries import overview
from tests.factories import make_building, make_customer

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
D = Decimal


def _deal(
    session,
    unit,
    customer,
    consultant,
    total,
    area,
    day,
    stage=DealStage.SUBSCRIBED,
    state=DealState.LIVE,
):
    deal = Deal(
        project_id=unit.project_id,
        unit_id=unit.id,
        live_unit_id=unit.id if state == DealState.LIVE else None,
        customer_id=customer.id,
        consultant_id=consultant.id,
        stage=stage,
        state=state,
        area=D(area),
        deal_total=D(total),
        deal_unit_price=(D(total) / D(area)).quantize(D("0.01")),
        subscribed_on=day,
    )
    session.add(deal)
    if state == DealState.LIVE:
        unit.status = (
            UnitStatus.CONTRACTED if stage == DealStage.CONTRACTED else UnitStatus.SUBSCRIBED
        )
    session.flush()
    return deal


def make_sales(session, world, codes=("1", "9")):
    """Two projects with deals, plans, receivables, receipts, campaigns, budget and expenses
    (see the expected figures in the tests)."""
    p1, p2 = world.projects
    consultant, consultant3 = world.users["consultant"], world.users["consultant_p2"]
    b1 = make_building(session, p1, code=codes[0], floors=3, per_floor=2)
    b2 = make_building(session, p2, code=codes[1], floors=1, per_floor=2)
    units1 = list(session.scalars(select(Unit).where(Unit.building_id == b1.id).order_by(Unit.id)))
    units2 = list(session.scalars(select(Unit).where(Unit.building_id == b2.id).order_by(Unit.id)))
    units1[5].status = UnitStatus.UNRELEASED

    def customer(project, who, name, mobile, channel, day, stage, level=""):
        return make_customer(
            session,
            project,
            who,
            name,
            mobile,
            channel=channel,
            first_contact_on=day,
            stage=stage,
            level=level,
            id_number="11010519491231002X",
        )

    a = customer(
        p1, consultant, "甲", "13800000001", "online", date(2026, 3, 5), CustomerStage.DEAL
    )
    b = customer(
        p1, consultant, "乙", "13800000002", "outdoor", date(2026, 2, 20), CustomerStage.DEAL
    )
    customer(
        p1,
        consultant,
        "丙",
        "13800000003",
        "online",
        date(2026, 3, 8),
        CustomerStage.OPPORTUNITY,
        "A",
    )
    customer(p1, consultant, "丁", "13800000004", "online", date(2026, 3, 9), CustomerStage.LEAD)
    customer(p1, consultant, "戊", "13800000005", "online", date(2026, 4, 2), CustomerStage.LOST)
    f = customer(
        p1, consultant, "己", "13800000006", "online", date(2026, 1, 2), CustomerStage.LOST
    )
    g = customer(
        p2, consultant3, "庚", "13800000007", "online", date(2026, 3, 1), CustomerStage.DEAL
    )
    d1 = _deal(session, units1[0], a, consultant, "1800000.00", "90.50", date(2026, 3, 10))
    _deal(
        session,
        units1[1],
        b,
        consultant,
        "1700000.00",
        "91.50",
        date(2026, 3, 20),
        stage=DealStage.CONTRACTED,
    )
    _deal(
        session,
        units1[2],
        f,
        consultant,
        "1500000.00",
        "90.50",
        date(2026, 3, 15),
        state=DealState.CANCELLED,
    )
    _deal(session, units2[0], g, consultant3, "1000000.00", "100.00", date(2026, 3, 5))
    session.add_all(
        [
            SalesPlan(
                project_id=p1.id,
                month=date(2026, 3, 1),
                target_units=3,
                target_amount=D("4000000.00"),
            ),
            SalesPlan(
                project_id=p1.id,
                month=date(2026, 3, 1),
                team_id=None,
                user_id=consultant.id,
                target_units=9,
                target_amount=D("9000000.00"),
            ),
            SalesPlan(
                project_id=p2.id,
                month=date(2026, 3, 1),
                team_id=consultant3.team_id,
                target_units=1,
                target_amount=D("500000.00"),
            ),
            SalesPlan(
                project_id=p2.id,
                month=date(2026, 3, 1),
                team_id=consultant3.team_id,
                user_id=consultant3.id,
                target_units=1,
                target_amount=D("700000.00"),
            ),
        ]
    )
    session.add_all(
        [
            Receivable(
                project_id=p1.id,
                deal_id=d1.id,
                seq=1,
                kind=ReceivableKind.DEPOSIT,
                due_on=date(2026, 3, 10),
                amount=D("360000.00"),
                paid=D("360000.00"),
            ),
            Receivable(
                project_id=p1.id,
                deal_id=d1.id,
                seq=2,
                kind=ReceivableKind.MORTGAGE,
                due_on=date(2026, 4, 10),
                amount=D("1440000.00"),
            ),
            Receivable(
                project_id=p1.id,
                deal_id=d1.id,
                seq=3,
                kind=ReceivableKind.FEE,
                due_on=date(2026, 2, 10),
                amount=D("5000.00"),
                paid=D("1000.00"),
            ),
        ]
    )
    session.flush()
    for number, amount, day, status in (
        ("R1", "360000.00", date(2026, 3, 10), ReceiptStatus.AUDITED),
        ("R2", "10000.00", date(2026, 3, 11), ReceiptStatus.DRAFT),
        ("R3", "1000.00", date(2026, 2, 10), ReceiptStatus.AUDITED),
    ):
        session.add(
            Receipt(
                company_id=world.company.id,
                project_id=p1.id,
                deal_id=d1.id,
                number=number,
                payer="甲",
                method="transfer",
                kind=ReceivableKind.DEPOSIT,
                amount=D(amount),
                received_on=day,
                status=status,
            )
        )
    session.flush()
    marketing = world.users["marketing"]
    campaign = commands.save_campaign(
        session,
        actor=marketing,
        project_id=p1.id,
        name="春季网络推广",
        channel="online",
        starts_on="2026-03-01",
        ends_on="2026-03-31",
        budget="50000",
    )
    commands.record_expenses(
        session,
        actor=marketing,
        rows=[
            dict(
                project_id=p1.id,
                spent_on="2026-03-01",
                channel="online",
                category="media",
                amount="30000.00",
                campaign_id=campaign.id,
                vendor="某网络公司",
                invoice_no="INV-1",
            ),
            dict(
                project_id=p1.id,
                spent_on="2026-03-15",
                channel="户外广告",
                category="media",
                amount="12000",
            ),
            dict(
                project_id=p2.id,
                spent_on="2026-03-02",
                channel="online",
                category="online",
                amount="5000",
            ),
            dict(
                project_id=p1.id,
                spent_on="2026-04-01",
                channel="online",
                category="media",
                amount="9999",
            ),
        ],
    )
    commands.save_budget(
        session,
        actor=marketing,
        rows=[
            dict(
                project_id=p1.id,
                month="2026-03",
                channel="online",
                category="media",
                amount="40000",
            ),
            dict(
                project_id=p1.id,
                month="2026-03",
                channel="outdoor",
                category="media",
                amount="10000",
            ),
        ],
    )
    return campaign


def test_executive_totals_add_up_across_projects(session, world):
    make_sales(session, world)
    frame = overview.project_figures(session, world.users["executive"], *MARCH)
    assert len(frame) == 2
    t = overview.totals(frame)
    assert t.sales_amount == D("4500000.00")
    assert t.sales_units == 3  # the cancelled deal does not count
    assert t.sales_area == D("282.00")
    # p1: the project row (team/consultant rows ignored); p2: its team row.
    assert (t.plan_units, t.plan_amount) == (4, D("4500000.00"))
    assert t.amount_vs_plan == D("1.0000")
    assert t.units_vs_plan == D("0.7500")
    assert t.sell_through_count == D("0.4286")  # 3 sold of 7 released
    assert t.received == D("360000.00")  # the draft receipt is not money received
    assert (t.due, t.due_paid, t.collection_rate) == (D("360000.00"), D("360000.00"), D("1"))
    assert t.overdue == D("4000.00")  # the February fee, 1,000 of 5,000 paid
    assert (t.visits, t.converted, t.conversion) == (4, 2, D("0.5000"))
    assert t.avg_price == D("15957.45")  # 4,500,000 / 282 m²
    assert t.marketing_cost == D("47000.00")
    assert t.cost_per_deal == D("15666.67")


def test_stock_value_is_list_value_of_released_unsold_units(session, world):
    make_sales(session, world)
    frame = overview.project_figures(session, world.users["executive"], *MARCH)
    p1 = frame[frame["project_id"] == world.projects[0].id].iloc[0]
    # p1 units: 90.50/91.50 m² × 20,000 per floor; unit 6 (91.50) unreleased, units 1–2 sold.
    assert p1["released_units"] == 5 and p1["sold_units"] == 2
    assert p1["stock_value"] == D("1810000.00") + D("1830000.00") + D("1810000.00")
    assert p1["unreleased_value"] == D("1830000.00")


def test_manager_sees_only_their_project(session, world):
    make_sales(session, world)
    frame = overview.project_figures(session, world.users["manager"], *MARCH)
    assert list(frame["project_id"]) == [world.projects[0].id]
    assert overview.totals(frame).sales_amount == D("3500000.00")
    # asking for another project gives nothing, not its figures
    other = overview.project_figures(
        session, world.users["manager"], *MARCH, project_id=world.projects[1].id
    )
    assert other.empty


def test_consultant_may_not_open_the_overview(session, world):
    with pytest.raises(PermissionDenied):
        overview.project_figures(session, world.users["consultant"], *MARCH)


def test_period_whose_end_precedes_its_start_is_refused(session, world):
    with pytest.raises(ValidationError) as err:
        overview.project_figures(
            session, world.users["executive"], date(2026, 3, 31), date(2026, 3, 1)
        )
    assert "结束日期不能早于开始日期" in err.value.message


def test_monthly_trend_of_average_price(session, world):
    make_sales(session, world)
    frame = overview.monthly(
        session,
        world.users["executive"],
        date(2026, 2, 1),
        date(2026, 4, 30),
        project_id=world.projects[0].id,
    )
    assert list(frame["month"]) == ["2026-02", "2026-03", "2026-04"]
    march = frame[frame["month"] == "2026-03"].iloc[0]
    assert march["sales_amount"] == D("3500000.00")
    assert march["avg_price"] == D("19230.77")  # 3,500,000 / 182 m²
    assert frame[frame["month"] == "2026-02"].iloc[0]["avg_price"] is None
    assert march["spend"] == D("42000.00")
    total = overview.monthly_total(frame)
    assert total["sales_units"].sum() == 2


def test_leadership_query_masks_nothing_for_executives_and_is_refused_to_marketing(session, world):
    make_sales(session, world)
    deals = overview.leadership_deals(session, world.users["executive"], *MARCH)
    assert len(deals) == 4  # every deal of the period, cancelled ones too (its state shows)
    customers = overview.leadership_customers(session, world.users["executive"], *MARCH)
    assert "13800000001" in set(customers["mobile"])
    with pytest.raises(PermissionDenied):
        overview.leadership_customers(session, world.users["marketing"], *MARCH)
    receipts = overview.leadership_receipts(session, world.users["executive"], *MARCH)
    assert sorted(receipts["number"]) == ["R1", "R2"]
    assert session.scalar(select(MarketingBudget.id).limit(1)) is not None
