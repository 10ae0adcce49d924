"""决策分析: the executive overview across projects, and the leadership query.

Definitions (the same for every card, chart and drill-down):
- a sale is a live deal at 认购 or 签约 whose subscription date (else contract date) is in the
  period; its amount is the deal total, its area the deal area;
- the plan is the sales plan of the months the period touches (project-level rows, else the
  sum of team rows, else the sum of consultant rows);
- sell-through (去化率) is sold ÷ released units (now), by count, gross area and list value;
- collections are audited receipts received in the period against receivables due in it;
- stock value left is the list value of released units not sold (and, apart, unreleased ones);
- visits are customers first contacted in the period, conversion the share of them now 成交;
- marketing cost per deal is the expenses of the period ÷ its sales."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import Session

from .. import authz, figures
from ..errors import ValidationError
from ..models import (
    Customer,
    Deal,
    DealStage,
    DealState,
    MarketingExpense,
    Project,
    Receipt,
    SalesPlan,
    Unit,
    UnitStatus,
    User,
)
from ..rules import idcard as idcard_rules
from ..rules import mobile as mobile_rules
from ..rules.money import money
from .base import read_all

SOLD = (UnitStatus.SUBSCRIBED, UnitStatus.CONTRACTED)
UNRELEASED = (UnitStatus.UNRELEASED, UnitStatus.NOT_FOR_SALE)
SALE_STAGES = (DealStage.SUBSCRIBED, DealStage.CONTRACTED)
ZERO = Decimal("0")
PLAN = ("plan_units", "plan_amount")

PROJECT_COLUMNS = [
    "project_id",
    "project",
    "sales_amount",
    "sales_units",
    "sales_area",
    "plan_amount",
    "plan_units",
    "released_units",
    "sold_units",
    "released_area",
    "sold_area",
    "released_value",
    "sold_value",
    "stock_value",
    "unreleased_value",
    "received",
    "due",
    "due_paid",
    "overdue",
    "visits",
    "converted",
    "marketing_cost",
]


def check_period(start: date | None, end: date | None) -> tuple[date, date]:
    if start is None or end is None:
        raise ValidationError("请选择开始和结束日期。", "Choose a start and an end date.")
    if end < start:
        raise ValidationError(
            "结束日期不能早于开始日期。",
            "The end date precedes the start date.",
            errors={"period": "reversed"},
        )
    return start, end


def ratio(
    part: Decimal | int | None, whole: Decimal | int | None, places: int = 4
) -> Decimal | None:
    """part ÷ whole rounded half-up (a rate), None when the whole is zero."""
    if not whole:
        return None
    return money(Decimal(part or 0) / Decimal(whole), places)


def per(amount: Decimal | None, count: Decimal | int | None) -> Decimal | None:
    """An amount per item (cost per deal, price per m²), to the cent; None without items."""
    if not count:
        return None
    return money(Decimal(amount or 0) / Decimal(count))


def month_key(session: Session, column):
    """'YYYY-MM' of a date column, in the dialect's own function (keeps GROUP BY in SQL)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.date_format(column, "%Y-%m")


def months_between(start: date, end: date) -> list[str]:
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def project_ids_in_scope(session: Session, viewer: User, project_id: int | None) -> list[int]:
    """Projects the viewer may see, narrowed to one when asked (a project outside the scope
    gives nothing rather than an error: a stale selection from another account)."""
    query = select(Project.id).where(Project.active.is_(True)).order_by(Project.code)
    query = authz.restrict(query, viewer, Project.id)
    ids = list(session.scalars(query))
    if project_id is not None:
        return [project_id] if project_id in ids else []
    return ids


def _sale_day():
    return func.coalesce(Deal.subscribed_on, Deal.contracted_on)


def _sales_filter(start: date, end: date, projects: list[int]):
    day = _sale_day()
    return and_(
        Deal.project_id.in_(projects),
        Deal.state == DealState.LIVE,
        Deal.stage.in_(SALE_STAGES),
        day >= start,
        day <= end,
    )


def _frame(rows, columns) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def plan_frame(session: Session, projects: list[int], start: date, end: date) -> pd.DataFrame:
    """Plan per project and month: project rows, else team rows, else consultant rows."""
    first = start.replace(day=1)
    level = case(
        (and_(SalesPlan.team_id.is_(None), SalesPlan.user_id.is_(None)), 0),
        (SalesPlan.user_id.is_(None), 1),
        else_=2,
    ).label("level")
    rows = session.execute(
        select(
            SalesPlan.project_id,
            month_key(session, SalesPlan.month).label("month"),
            level,
            func.sum(SalesPlan.target_units),
            func.sum(SalesPlan.target_amount),
        )
        .where(SalesPlan.project_id.in_(projects), SalesPlan.month >= first, SalesPlan.month <= end)
        .group_by(SalesPlan.project_id, "month", "level")
    ).all()
    frame = _frame(rows, ["project_id", "month", "level", "plan_units", "plan_amount"])
    if frame.empty:
        return frame.drop(columns="level")
    best = frame.groupby(["project_id", "month"])["level"].transform("min")
    return frame[frame["level"] == best].drop(columns="level").reset_index(drop=True)


def overview_frames(
    session: Session,
    viewer: User,
    start: date,
    end: date,
    project_id: int | None = None,
    *,
    parallel: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-project figures, per-project-and-month figures) with one scope check, one plan
    read and the sales and spend read once by month (project totals are their sums).

    `parallel`: the six independent reads run at once, each on its own pooled connection
    (the database works while Python waits; callers that read committed data only — the
    overview callback — ask for it; a session holding uncommitted writes must not)."""
    authz.require(viewer, "analytics.view")
    start, end = check_period(start, end)
    projects = project_ids_in_scope(session, viewer, project_id)
    if not projects:
        return pd.DataFrame(columns=PROJECT_COLUMNS), _monthly_frame([], start, end, {})
    # Every project in sight: the large reads go without an IN list (other rows are dropped).
    every = project_id is None and authz.scope(viewer).project_ids is None
    got = read_all(
        session,
        {
            "plan": lambda s: plan_frame(s, projects, start, end),
            "sales": lambda s: figures.monthly_sales(s, projects, start, end, every),
            "spend": lambda s: _spend(s, projects, start, end),
            "stock": lambda s: _stock(s, projects, every),
            "money": lambda s: figures.totals(s, projects, start, end, every),
            "names": lambda s: _names(s, projects),
        },
        parallel=parallel,
        heavy=HEAVY,
    )
    by_month = _monthly_frame(projects, start, end, got)
    return _project_frame(projects, by_month, got), by_month


# The reads that take time: on pooled connections of their own (base.read_all).
HEAVY = ("sales", "stock", "money")


def _names(session: Session, projects: list[int]) -> dict[int, str]:
    query = select(Project.id, Project.name).where(Project.id.in_(projects))
    return dict(session.execute(query).all())


def _spend(session: Session, projects: list[int], start: date, end: date) -> list[tuple]:
    month = month_key(session, MarketingExpense.spent_on).label("month")
    query = (
        select(MarketingExpense.project_id, month, func.sum(MarketingExpense.amount))
        .where(
            MarketingExpense.project_id.in_(projects),
            MarketingExpense.spent_on >= start,
            MarketingExpense.spent_on <= end,
        )
        .group_by(MarketingExpense.project_id, "month")
    )
    return [tuple(row) for row in session.execute(query)]


def _stock(session: Session, projects: list[int], every: bool) -> list[tuple]:
    query = (
        select(
            Unit.project_id,
            Unit.status,
            func.count(),
            func.sum(Unit.gross_area),
            func.sum(Unit.list_total),
        )
        .where(Unit.project_id.in_(projects) if not every else true())
        .group_by(Unit.project_id, Unit.status)
    )
    return [tuple(row) for row in session.execute(query)]


def project_figures(
    session: Session, viewer: User, start: date, end: date, project_id: int | None = None
) -> pd.DataFrame:
    """One row per project in scope with every figure of the overview (exact Decimals)."""
    return overview_frames(session, viewer, start, end, project_id)[0]


def _project_frame(projects: list[int], by_month: pd.DataFrame, got: dict) -> pd.DataFrame:
    names = got["names"]
    ints = {"sales_units", "plan_units", "released_units", "sold_units", "visits", "converted"}
    # Plain dicts per project, one DataFrame at the end (merging frames cost more than SQL).
    out = {
        p: {
            "project_id": p,
            "project": names[p],
            **{c: (0 if c in ints else ZERO) for c in PROJECT_COLUMNS[2:]},
        }
        for p in projects
    }
    for row in by_month.itertuples(index=False):
        t = out[row.project_id]
        t["sales_amount"] += row.sales_amount
        t["sales_units"] += row.sales_units
        t["sales_area"] += row.sales_area
        t["marketing_cost"] += row.spend
        t["plan_units"] += row.plan_units
        t["plan_amount"] += row.plan_amount
    for pid, status, n, area, value in got["stock"]:
        t = out.get(pid)
        if t is None:
            continue
        area, value = _d(area), _d(value)
        if status in UNRELEASED:
            t["unreleased_value"] += value
            continue
        t["released_units"] += int(n)
        t["released_area"] += area
        t["released_value"] += value
        if status in SOLD:
            t["sold_units"] += int(n)
            t["sold_area"] += area
            t["sold_value"] += value
    # Money in, money due and visitors come from the daily figures that every write keeps
    # (data_layer/figures.py): a year of 2,000,000 receipts is a few thousand daily rows.
    for pid, kept in got["money"].items():
        t = out[pid]
        t["received"], t["due"], t["due_paid"] = kept["received"], kept["due"], kept["due_paid"]
        t["overdue"] = kept["all_due"] - kept["all_paid"]
        t["visits"], t["converted"] = kept["visits"], kept["converted"]
    for t in out.values():
        t["stock_value"] = t["released_value"] - t["sold_value"]
    return pd.DataFrame(list(out.values()), columns=PROJECT_COLUMNS)


def _d(value) -> Decimal:
    if value is None or (not isinstance(value, Decimal) and pd.isna(value)):
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _dsum(values) -> Decimal:
    return sum((_d(v) for v in values), ZERO)


@dataclass(frozen=True)
class Totals:
    sales_amount: Decimal
    sales_units: int
    sales_area: Decimal
    plan_amount: Decimal
    plan_units: int
    amount_vs_plan: Decimal | None
    units_vs_plan: Decimal | None
    sell_through_count: Decimal | None
    sell_through_area: Decimal | None
    sell_through_value: Decimal | None
    received: Decimal
    due: Decimal
    due_paid: Decimal
    collection_rate: Decimal | None
    overdue: Decimal
    stock_value: Decimal
    unreleased_value: Decimal
    visits: int
    converted: int
    conversion: Decimal | None
    avg_price: Decimal | None
    marketing_cost: Decimal
    cost_per_deal: Decimal | None


COUNT_COLUMNS = ("sales_units", "plan_units", "released_units", "sold_units", "visits", "converted")


def totals(frame: pd.DataFrame | list[dict]) -> Totals:
    """The cards: sums over the projects (rows of `frame`), and ratios of those sums."""
    rows = frame.to_dict("records") if isinstance(frame, pd.DataFrame) else frame
    sums: dict[str, Decimal | int] = {}
    for column in PROJECT_COLUMNS[2:]:
        start = 0 if column in COUNT_COLUMNS else ZERO
        sums[column] = sum((row[column] for row in rows), start)
    return _totals(sums)


def _totals(t: dict) -> Totals:
    return Totals(
        sales_amount=t["sales_amount"],
        sales_units=t["sales_units"],
        sales_area=t["sales_area"],
        plan_amount=t["plan_amount"],
        plan_units=t["plan_units"],
        amount_vs_plan=ratio(t["sales_amount"], t["plan_amount"]),
        units_vs_plan=ratio(t["sales_units"], t["plan_units"]),
        sell_through_count=ratio(t["sold_units"], t["released_units"]),
        sell_through_area=ratio(t["sold_area"], t["released_area"]),
        sell_through_value=ratio(t["sold_value"], t["released_value"]),
        received=t["received"],
        due=t["due"],
        due_paid=t["due_paid"],
        collection_rate=ratio(t["due_paid"], t["due"]),
        overdue=t["overdue"],
        stock_value=t["stock_value"],
        unreleased_value=t["unreleased_value"],
        visits=t["visits"],
        converted=t["converted"],
        conversion=ratio(t["converted"], t["visits"]),
        avg_price=per(t["sales_amount"], t["sales_area"]),
        marketing_cost=t["marketing_cost"],
        cost_per_deal=per(t["marketing_cost"], t["sales_units"]),
    )


RATIO_FIELDS = (
    "amount_vs_plan",
    "units_vs_plan",
    "sell_through_count",
    "sell_through_area",
    "sell_through_value",
    "collection_rate",
    "conversion",
    "avg_price",
    "cost_per_deal",
)


def with_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """The per-project table of the drill-down: the same ratios as the cards, per row."""
    out = frame.copy()
    each = [_totals(row) for row in frame.to_dict("records")]
    for field in RATIO_FIELDS:
        out[field] = [getattr(t, field) for t in each]
    return out


def monthly(
    session: Session, viewer: User, start: date, end: date, project_id: int | None = None
) -> pd.DataFrame:
    """Per project and month: sales amount, units and area, plan, marketing spend; the trend
    of average deal price per m² is sales_amount ÷ sales_area."""
    return overview_frames(session, viewer, start, end, project_id)[1]


def _monthly_frame(projects: list[int], start: date, end: date, got: dict) -> pd.DataFrame:
    columns = ["project_id", "month", "sales_amount", "sales_units", "sales_area"]
    if not projects:
        return pd.DataFrame(columns=[*columns, "spend", *PLAN, "avg_price"])
    rows = {
        (p, m): {
            "project_id": p,
            "month": m,
            "sales_amount": ZERO,
            "sales_units": 0,
            "sales_area": ZERO,
            "spend": ZERO,
            "plan_units": 0,
            "plan_amount": ZERO,
        }
        for p in projects
        for m in months_between(start, end)
    }
    # Sales by month from the daily figures every write keeps (data_layer/figures.py).
    for p, m, amount, units, area in got["sales"]:
        if (p, m) in rows:
            rows[(p, m)].update(sales_amount=amount, sales_units=units, sales_area=area)
    for p, m, amount in got["spend"]:
        if (p, m) in rows:
            rows[(p, m)]["spend"] = _d(amount)
    for p, m, units, amount in got["plan"].itertuples(index=False):
        if (p, m) in rows:
            rows[(p, m)].update(plan_units=int(units or 0), plan_amount=_d(amount))
    for row in rows.values():
        row["avg_price"] = per(row["sales_amount"], row["sales_area"])
    return pd.DataFrame(list(rows.values()), columns=[*columns, "spend", *PLAN, "avg_price"])


def monthly_total(frame: pd.DataFrame) -> pd.DataFrame:
    """monthly() summed over projects (Decimal sums; average price from the sums)."""
    if frame.empty:
        return frame
    columns = ("sales_amount", "sales_units", "sales_area", "plan_amount", "plan_units", "spend")
    by_month: dict[str, dict] = {}
    for row in frame.to_dict("records"):
        month = by_month.setdefault(row["month"], {"month": row["month"]})
        for column in columns:
            month[column] = month.get(column, 0) + row[column]
    out = pd.DataFrame(
        sorted(by_month.values(), key=lambda r: r["month"]), columns=["month", *columns]
    )
    out["avg_price"] = [
        per(a, s) for a, s in zip(out["sales_amount"], out["sales_area"], strict=True)
    ]
    return out


# ---------------------------------------------------------------- 领导查询 leadership query

QUERY_LIMIT = 5000


def leadership_deals(
    session: Session,
    viewer: User,
    start: date,
    end: date,
    project_id: int | None = None,
    limit: int = QUERY_LIMIT,
) -> pd.DataFrame:
    authz.require(viewer, "analytics.query")
    start, end = check_period(start, end)
    projects = project_ids_in_scope(session, viewer, project_id)
    day = _sale_day()
    rows = session.execute(
        select(
            Deal.id,
            Project.name,
            Unit.code,
            Customer.name,
            User.display_name,
            Deal.stage,
            Deal.state,
            day,
            Deal.area,
            Deal.deal_unit_price,
            Deal.deal_total,
            Deal.contract_no,
        )
        .join(Project, Project.id == Deal.project_id)
        .join(Unit, Unit.id == Deal.unit_id)
        .join(Customer, Customer.id == Deal.customer_id)
        .join(User, User.id == Deal.consultant_id)
        .where(Deal.project_id.in_(projects), day >= start, day <= end)
        .order_by(day.desc(), Deal.id.desc())
        .limit(limit)
    ).all()
    return _frame(
        rows,
        [
            "id",
            "project",
            "unit",
            "customer",
            "consultant",
            "stage",
            "state",
            "sold_on",
            "area",
            "unit_price",
            "total",
            "contract_no",
        ],
    )


def leadership_customers(
    session: Session,
    viewer: User,
    start: date,
    end: date,
    project_id: int | None = None,
    limit: int = QUERY_LIMIT,
) -> pd.DataFrame:
    authz.require(viewer, "analytics.query")
    start, end = check_period(start, end)
    projects = project_ids_in_scope(session, viewer, project_id)
    show = authz.sees_personal_data(viewer)
    rows = session.execute(
        select(
            Customer.id,
            Project.name,
            Customer.name,
            Customer.mobile,
            Customer.id_number,
            Customer.channel,
            Customer.first_contact_on,
            Customer.stage,
            Customer.level,
            User.display_name,
        )
        .join(Project, Project.id == Customer.project_id)
        .join(User, User.id == Customer.consultant_id)
        .where(
            Customer.project_id.in_(projects),
            Customer.first_contact_on >= start,
            Customer.first_contact_on <= end,
        )
        .order_by(Customer.first_contact_on.desc(), Customer.id.desc())
        .limit(limit)
    ).all()
    frame = _frame(
        rows,
        [
            "id",
            "project",
            "name",
            "mobile",
            "id_number",
            "channel",
            "first_contact_on",
            "stage",
            "level",
            "consultant",
        ],
    )
    if not show:
        frame["mobile"] = frame["mobile"].map(lambda v: mobile_rules.mask(v) if v else "")
        frame["id_number"] = frame["id_number"].map(lambda v: idcard_rules.mask(v) if v else "")
    return frame


def leadership_receipts(
    session: Session,
    viewer: User,
    start: date,
    end: date,
    project_id: int | None = None,
    limit: int = QUERY_LIMIT,
) -> pd.DataFrame:
    authz.require(viewer, "analytics.query")
    authz.require(viewer, "finance.view")
    start, end = check_period(start, end)
    projects = project_ids_in_scope(session, viewer, project_id)
    rows = session.execute(
        select(
            Receipt.id,
            Project.name,
            Receipt.number,
            Receipt.payer,
            Receipt.kind,
            Receipt.method,
            Receipt.amount,
            Receipt.received_on,
            Receipt.status,
        )
        .join(Project, Project.id == Receipt.project_id)
        .where(
            Receipt.project_id.in_(projects),
            Receipt.received_on >= start,
            Receipt.received_on <= end,
        )
        .order_by(Receipt.received_on.desc(), Receipt.id.desc())
        .limit(limit)
    ).all()
    return _frame(
        rows,
        ["id", "project", "number", "payer", "kind", "method", "amount", "received_on", "status"],
    )


# ---------------------------------------------------------------- periods

PRESETS = ("month", "last_month", "quarter", "year", "last12", "last_year")


def preset_period(name: str, today: date) -> tuple[date, date]:
    """The dates of a named period: this month, last month, this quarter, this year, the last
    twelve months (from the first of the month eleven months ago), last year."""
    if name == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if name == "quarter":
        first_month = (today.month - 1) // 3 * 3 + 1
        return today.replace(month=first_month, day=1), today
    if name == "year":
        return today.replace(month=1, day=1), today
    if name == "last12":
        year, month = today.year, today.month - 11
        if month < 1:
            year, month = year - 1, month + 12
        return date(year, month, 1), today
    if name == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    return today.replace(day=1), today
