"""置业计划书: the figures of a quote (worked examples to the cent), saving and trying out on
SQLite and MariaDB, permissions, scoping like customers, and bad input that writes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data_layer.commands import deals as deal_cmd
from data_layer.commands import quotes as cmd
from data_layer.errors import DomainError, PermissionDenied, ValidationError
from data_layer.models import (
    AuditEntry,
    FeeRule,
    LoanKind,
    PlanKind,
    Quote,
    UnitStatus,
)
from data_layer.queries import crm as crm_queries
from data_layer.queries import quotes as queries
from tests.factories import make_customer
from tests.test_deals_support import make_market

TODAY = date(2026, 12, 4)
D = Decimal


# --- pure figures -------------------------------------------------------------------------------


def example_price(extra="4750"):
    """150 m² at 13,500 ¥/m², 按揭 99折, extra discount 4,750 → exactly 2,000,000.00."""
    return deal_cmd.quote_price(
        area=D("150.00"),
        list_unit_price=D("13500.00"),
        list_total=None,
        floor_total=D("1900000.00"),
        discount_rate=D("0.99"),
        extra_discount=D(extra),
    )


FEES = [("deed_tax", "契税", D("40000.00")), ("maintenance_fund", "维修资金", D("12000.00"))]


def figures(price=None, **changes) -> cmd.QuoteFigures:
    """The example's figures: 按揭 plan, 30% down, commercial loan 3.5% over 30 years."""
    values = dict(
        plan_kind=PlanKind.COMMERCIAL,
        deposit=D("50000"),
        down_payment_ratio=D("0.3"),
        loan_kind=LoanKind.COMMERCIAL,
        loan_years=30,
        commercial_rate=D("0.035"),
        provident_rate=D("0.026"),
        provident_loan=None,
        fees=[],
    )
    values.update(changes)
    return cmd.figures(price or example_price(), **values)


def test_worked_example_commercial_loan_to_the_cent():
    price = example_price()
    assert (price.list_total, price.plan_total, price.deal_total) == (
        D("2025000.00"),
        D("2004750.00"),
        D("2000000.00"),
    )
    assert price.deal_unit_price == D("13333.33")
    assert not price.needs_approval  # 4,750 within 1% of the list price (20,250)
    f = figures(price, down_payment_ratio=D("0.5"), commercial_rate=D("0.049"), fees=FEES)
    assert (f.down_payment, f.commercial_loan, f.provident_loan) == (
        D("1000000.00"),
        D("1000000.00"),
        D("0.00"),
    )
    # DOMAIN.md: 1,000,000 at 4.9% over 30 years.
    assert f.installment.monthly_payment == D("5307.27")
    assert f.installment.total_interest == D("910616.19")
    assert f.principal.first_payment == D("6861.11")
    assert f.principal.monthly_decrease == D("11.34")
    assert f.principal.last_payment == D("2789.12")
    assert f.principal.total_interest == D("737041.67")
    # 2,000,000 for 150 m², second home → deed tax 40,000; + maintenance fund 12,000.
    assert f.fees_total == D("52000.00")
    assert f.cash_needed == D("1052000.00")


def test_worked_example_combined_loan():
    f = figures(
        plan_kind=PlanKind.COMBINED,
        deposit=D("0"),
        down_payment_ratio=D("0.5"),
        loan_kind=LoanKind.COMBINED,
        loan_years=20,
        provident_loan=D("400000"),
    )
    assert (f.commercial_loan, f.provident_loan) == (D("600000.00"), D("400000.00"))
    assert f.installment.commercial.monthly_payment == D("3479.76")
    assert f.installment.provident.monthly_payment == D("2139.15")
    assert f.installment.monthly_payment == D("5618.91")
    assert f.cash_needed == D("1000000.00")


def test_lump_sum_pays_the_whole_price_without_a_loan():
    f = figures(
        plan_kind=PlanKind.LUMP_SUM,
        deposit=D("100000"),
        loan_kind=LoanKind.NONE,
        loan_years=0,
        commercial_rate=D("0"),
        fees=FEES,
    )
    assert (f.down_payment, f.loan_total, f.installment) == (D("2000000.00"), D("0.00"), None)
    assert f.cash_needed == D("2052000.00")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"loan_kind": LoanKind.NONE}, "loan_kind"),
        ({"down_payment_ratio": D("1")}, "down"),
        ({"down_payment_ratio": D("0")}, "down"),
        ({"loan_years": 31}, "years"),
        ({"commercial_rate": D("0")}, "commercial_rate"),
        ({"commercial_rate": D("0.25")}, "commercial_rate"),
        ({"deposit": D("400000.01")}, "deposit"),  # above 20% of the price
        ({"deposit": D("300000"), "down_payment_ratio": D("0.1")}, "deposit"),  # > down payment
        ({"loan_kind": LoanKind.COMBINED}, "provident"),  # provident part missing
        ({"loan_kind": LoanKind.COMBINED, "provident_loan": D("1400000")}, "provident"),
    ],
)
def test_bad_terms_are_refused_in_chinese(changes, field):
    with pytest.raises(ValidationError) as err:
        figures(**changes)
    assert field in err.value.errors
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.value.message)


def test_a_loan_on_a_lump_sum_plan_is_refused():
    with pytest.raises(ValidationError, match="不含贷款"):
        figures(plan_kind=PlanKind.LUMP_SUM)


@pytest.mark.parametrize(
    "raw, field",
    [
        ({"extra_discount": "-1"}, "extra"),
        ({"extra_discount": "abc"}, "extra"),
        ({"deposit": "1.005"}, "deposit"),
        ({"loan_years": "2.5"}, "years"),
        ({"loan_kind": "cash"}, "loan_kind"),
        ({"unit_id": None}, "unit"),
        ({"plan_id": ""}, "plan"),
    ],
)
def test_form_values_are_read_exactly_or_refused(raw, field):
    values = {"unit_id": 1, "plan_id": 1, "loan_kind": "commercial"}
    values.update(raw)
    with pytest.raises(ValidationError) as err:
        cmd.read_terms(**values)
    assert field in err.value.errors


def test_form_values_become_decimals():
    terms = cmd.read_terms(
        unit_id="3",
        plan_id=2,
        customer_id="",
        extra_discount="1,000.50",
        commercial_rate_percent=3.45,
        loan_kind="combined",
        provident_loan="400000",
    )
    assert terms.extra_discount == D("1000.50")
    assert terms.commercial_rate_percent == D("3.45")
    assert terms.customer_id is None and terms.loan_kind is LoanKind.COMBINED


# --- commands on SQLite and MariaDB -------------------------------------------------------------


def make_quote_market(session):
    """The deals' market with a maintenance-fund fee rule in force (every quote has a fee)."""
    m = make_market(session)
    session.add(
        FeeRule(
            project_id=None,
            city="*",
            code="maintenance_fund",
            name="维修资金",
            formula="area * 80",
            effective_from=date(2020, 1, 1),
        )
    )
    session.flush()
    return m


@pytest.fixture
def market(session):
    return make_quote_market(session)


def terms(market, unit=0, customer=0, **changes) -> cmd.QuoteTerms:
    values = dict(
        unit_id=market.units[unit].id,
        customer_id=market.customers[customer].id if customer is not None else None,
        plan_id=market.mortgage.id,
        extra_discount=D("10000"),
        deposit=D("50000"),
        down_payment_percent=D("30"),
        loan_kind=LoanKind.COMMERCIAL,
        loan_years=30,
        commercial_rate_percent=D("3.5"),
    )
    values.update(changes)
    return cmd.QuoteTerms(**values)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_saved_quote_snapshots_every_figure(session, market):
    quote = cmd.create_quote(
        session, actor=market.user("consultant"), terms=terms(market), today=TODAY
    )
    session.expire_all()
    saved = session.get(Quote, quote.id)
    # 100 m² × 20,000 = 2,000,000; 按揭 99折 1,980,000; − 10,000 = 1,970,000.
    assert (saved.list_total, saved.plan_total, saved.deal_total) == (
        D("2000000.00"),
        D("1980000.00"),
        D("1970000.00"),
    )
    assert saved.down_payment == D("591000.00")
    assert saved.commercial_loan == D("1379000.00")
    assert saved.installment_monthly > 0 and saved.principal_first > saved.installment_monthly
    assert saved.fees == [
        {"code": "deed_tax", "name": "契税", "amount": "19700.00"},
        {"code": "maintenance_fund", "name": "维修资金", "amount": "8000.00"},
    ]
    assert saved.fees_total == D("27700.00")
    assert saved.cash_needed == D("618700.00")
    assert saved.number == "ZY2026000001"
    assert (saved.quoted_on, saved.valid_until) == (TODAY, date(2026, 12, 11))
    assert saved.company_id == market.world.company.id
    assert not saved.needs_approval
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "quote.create"))
    assert entry.after["number"] == "ZY2026000001"
    # The next quote of the company takes the next number.
    second = cmd.create_quote(
        session, actor=market.user("consultant"), terms=terms(market, unit=1), today=TODAY
    )
    assert second.number == "ZY2026000002"


def test_try_out_writes_nothing(session, market):
    before = count(session, Quote), count(session, AuditEntry)
    quote = cmd.try_quote(
        session, actor=market.user("consultant"), terms=terms(market, customer_id=None)
    )
    session.flush()
    assert quote.deal_total == D("1970000.00") and quote.number == ""
    assert (count(session, Quote), count(session, AuditEntry)) == before


def test_discount_beyond_the_limit_marks_the_quote_and_asks_no_approval(session, market):
    from data_layer.models import DealApproval

    quote = cmd.create_quote(
        session,
        actor=market.user("consultant"),
        terms=terms(market, extra_discount=D("30000")),
        today=TODAY,
    )
    assert quote.needs_approval and "超过限额" in quote.approval_reason
    assert quote.deal_total == D("1950000.00")  # the figures show what was asked
    assert count(session, DealApproval) == 0
    # A manager may grant it: no mark.
    by_manager = cmd.create_quote(
        session,
        actor=market.user("manager"),
        terms=terms(market, extra_discount=D("30000")),
        today=TODAY,
    )
    assert not by_manager.needs_approval


@pytest.mark.parametrize("role", ["finance", "marketing", "aftersales"])
def test_roles_without_the_permission_are_refused(session, market, role):
    with pytest.raises(PermissionDenied):
        cmd.create_quote(session, actor=market.user(role), terms=terms(market), today=TODAY)
    assert count(session, Quote) == 0


def test_consultant_cannot_quote_for_another_consultants_customer(session, market):
    # customers[1] belongs to consultant2.
    with pytest.raises(DomainError):
        cmd.create_quote(
            session, actor=market.user("consultant"), terms=terms(market, customer=1), today=TODAY
        )
    with pytest.raises(DomainError):
        cmd.try_quote(session, actor=market.user("consultant"), terms=terms(market, customer=1))
    assert count(session, Quote) == 0


def test_consultant_of_another_project_cannot_quote_its_units(session, market):
    with pytest.raises(PermissionDenied):
        cmd.try_quote(
            session,
            actor=market.user("consultant_p2"),
            terms=terms(market, customer_id=None),
        )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"extra_discount": D("1980000")}, "成交价必须大于0"),
        ({"deposit": D("500000")}, "20%"),
        ({"plan_id": 0}, "付款方案"),
        ({"home_count": 0}, "住房套数"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(session, market, change, message):
    before = count(session, Quote), count(session, AuditEntry)
    with pytest.raises(DomainError, match=message):
        cmd.create_quote(
            session, actor=market.user("consultant"), terms=terms(market, **change), today=TODAY
        )
    assert (count(session, Quote), count(session, AuditEntry)) == before


def test_saving_needs_a_customer(session, market):
    with pytest.raises(ValidationError, match="客户"):
        cmd.create_quote(
            session,
            actor=market.user("consultant"),
            terms=terms(market, customer_id=None),
            today=TODAY,
        )


@pytest.mark.parametrize(
    "status, message",
    [(UnitStatus.UNRELEASED, "未放盘"), (UnitStatus.NOT_FOR_SALE, "不可售")],
)
def test_unit_not_released_is_refused(session, market, status, message):
    market.units[0].status = status
    session.flush()
    with pytest.raises(DomainError, match=message):
        cmd.create_quote(session, actor=market.user("consultant"), terms=terms(market), today=TODAY)
    assert count(session, Quote) == 0


def test_unit_sold_to_someone_else_is_refused_but_own_hold_may_be_quoted(session, market):
    deal_cmd.subscribe(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[0].id,
        customer_id=market.customers[2].id,
        plan_id=market.lump.id,
        deposit=D("50000"),
        today=TODAY,
    )
    with pytest.raises(DomainError, match="已被"):
        cmd.try_quote(session, actor=market.user("consultant"), terms=terms(market))
    deal_cmd.reserve(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[1].id,
        customer_id=market.customers[0].id,
        until=TODAY,
        today=TODAY,
    )
    quote = cmd.try_quote(
        session, actor=market.user("consultant"), terms=terms(market, unit=1), today=TODAY
    )
    assert quote.unit_id == market.units[1].id


def test_quotes_are_scoped_like_customers(session, market):
    world = market.world
    own = cmd.create_quote(
        session, actor=market.user("consultant"), terms=terms(market), today=TODAY
    )
    other = cmd.create_quote(
        session,
        actor=market.user("consultant2"),
        terms=terms(market, unit=1, customer=1),
        today=TODAY,
    )

    def seen(user):
        frame = queries.quotes_frame(session, world.users[user], today=TODAY)
        return set(frame["id"]) & {own.id, other.id}

    assert seen("consultant") == {own.id}
    assert seen("consultant2") == {other.id}
    assert seen("manager") == {own.id, other.id}  # their team
    assert seen("executive") == {own.id, other.id}
    assert seen("consultant_p2") == set()
    with pytest.raises(PermissionDenied):
        queries.quotes_frame(session, world.users["finance"])
    assert queries.quote_for_print(session, world.users["consultant"], other.id) is None
    printed = queries.quote_for_print(session, world.users["consultant"], own.id)
    assert printed.unit == market.units[0].code and printed.customer == "王芳"
    assert queries.quote_for_print(session, world.users["consultant"], "x") is None


def test_manager_outside_the_team_does_not_see_the_quote(session, market):
    from data_layer.models import RoleCode, Team
    from tests.factories import make_user

    p1 = market.world.projects[0]
    team = Team(project_id=p1.id, name="三组")
    session.add(team)
    session.flush()
    other_manager = make_user(session, "manager3", RoleCode.MANAGER, [p1], team)
    quote = cmd.create_quote(
        session, actor=market.user("consultant"), terms=terms(market), today=TODAY
    )
    assert queries.quote_for_print(session, other_manager, quote.id) is None
    with pytest.raises(DomainError):
        cmd.try_quote(session, actor=other_manager, terms=terms(market))


def test_customer_history_lists_quotes_in_time_order(session, market):
    consultant = market.user("consultant")
    customer = market.customers[0]
    quote = cmd.create_quote(session, actor=consultant, terms=terms(market), today=TODAY)
    detail = crm_queries.customer_detail(session, consultant, customer.id)
    assert [q["number"] for q in detail.quotes] == [quote.number]
    kinds = list(detail.timeline["kind"])
    assert "quote" in kinds
    assert list(detail.timeline["at"]) == sorted(detail.timeline["at"])
    row = detail.timeline[detail.timeline["kind"] == "quote"].iloc[0]
    assert row["title"] == quote.number and row["amount"] == D("1970000.00")


def test_customer_choices_are_scoped_and_searchable(session, market):
    consultant = market.user("consultant")
    p1 = market.world.projects[0].id
    names = {o["label"].split()[0] for o in queries.customer_choices(session, consultant, p1)}
    assert names == {"王芳", "张伟"}
    found = queries.customer_choices(session, consultant, p1, "王")
    assert [o["value"] for o in found] == [market.customers[0].id]
    make_customer(
        session, market.world.projects[1], market.user("consultant_p2"), "赵六", "13700000009"
    )
    assert queries.customer_choices(session, consultant, market.world.projects[1].id) == []
