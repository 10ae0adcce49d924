"""营销管理 reads: the expense plan, actual expenses, campaigns and their effectiveness.

Attribution: a customer belongs to the channel (认知途径) recorded on them; to a campaign when
they first contacted its project through its channel within its period. Visits are customers
first contacted in the period; opportunities those of them now 机会 or 成交; deals are sales
(live 认购/签约, as in the overview) in the period by customers of the channel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from .. import authz
from ..commands.marketing import code_labels
from ..models import (
    Campaign,
    Customer,
    CustomerStage,
    Deal,
    MarketingBudget,
    MarketingExpense,
    Project,
    User,
)
from .overview import (
    _d,
    _dsum,
    _frame,
    _sales_filter,
    check_period,
    month_key,
    months_between,
    per,
    project_ids_in_scope,
    ratio,
)

TEN_THOUSAND = Decimal("10000")
STAGES = [CustomerStage.LEAD, CustomerStage.OPPORTUNITY, CustomerStage.DEAL, CustomerStage.LOST]


def labels(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """(channel code → label, expense category code → label)."""
    return code_labels(session, "channel"), code_labels(session, "expense_category")


def _projects(session: Session, viewer: User, project_id: int | None) -> list[int]:
    authz.require(viewer, "marketing.view")
    return project_ids_in_scope(session, viewer, project_id)


def budget_pivot(session: Session, viewer: User, year: int, project_id: int | None = None):
    """The expense plan of a year as a grid: one row per project, channel and category, one
    column per month (m01…m12) and the year's total."""
    projects = _projects(session, viewer, project_id)
    channels, categories = labels(session)
    rows = session.execute(
        select(
            MarketingBudget.project_id,
            Project.name,
            MarketingBudget.channel,
            MarketingBudget.category,
            MarketingBudget.month,
            MarketingBudget.amount,
        )
        .join(Project, Project.id == MarketingBudget.project_id)
        .where(
            MarketingBudget.project_id.in_(projects),
            MarketingBudget.month >= date(year, 1, 1),
            MarketingBudget.month <= date(year, 12, 31),
        )
        .order_by(Project.code, MarketingBudget.channel, MarketingBudget.category)
    ).all()
    out: dict[tuple, dict] = {}
    for pid, pname, channel, category, month, amount in rows:
        key = (pid, channel, category)
        row = out.setdefault(
            key,
            {
                "key": f"{pid}|{channel}|{category}",
                "project_id": pid,
                "project": pname,
                "channel": channel,
                "channel_label": channels.get(channel, channel),
                "category": category,
                "category_label": categories.get(category, category),
                **{f"m{m:02d}": Decimal("0.00") for m in range(1, 13)},
            },
        )
        row[f"m{month.month:02d}"] = amount
    for row in out.values():
        row["total"] = sum((row[f"m{m:02d}"] for m in range(1, 13)), Decimal("0.00"))
    return list(out.values())


def expenses_frame(
    session: Session, viewer: User, start: date, end: date, project_id: int | None = None
) -> pd.DataFrame:
    start, end = check_period(start, end)
    projects = _projects(session, viewer, project_id)
    channels, categories = labels(session)
    rows = session.execute(
        select(
            MarketingExpense.id,
            Project.name,
            MarketingExpense.spent_on,
            MarketingExpense.channel,
            MarketingExpense.category,
            MarketingExpense.campaign,
            MarketingExpense.vendor,
            MarketingExpense.invoice_no,
            MarketingExpense.amount,
            User.display_name,
        )
        .join(Project, Project.id == MarketingExpense.project_id)
        .outerjoin(User, User.id == MarketingExpense.created_by)
        .where(
            MarketingExpense.project_id.in_(projects),
            MarketingExpense.spent_on >= start,
            MarketingExpense.spent_on <= end,
        )
        .order_by(MarketingExpense.spent_on.desc(), MarketingExpense.id.desc())
    ).all()
    frame = _frame(
        rows,
        [
            "id",
            "project",
            "spent_on",
            "channel",
            "category",
            "campaign",
            "vendor",
            "invoice_no",
            "amount",
            "created_by",
        ],
    )
    frame["channel_label"] = frame["channel"].map(lambda c: channels.get(c, c))
    frame["category_label"] = frame["category"].map(lambda c: categories.get(c, c))
    return frame


def campaigns_frame(session: Session, viewer: User, project_id: int | None = None) -> pd.DataFrame:
    projects = _projects(session, viewer, project_id)
    channels, _ = labels(session)
    spent = (
        select(MarketingExpense.campaign_id, func.sum(MarketingExpense.amount).label("spent"))
        .where(MarketingExpense.campaign_id.is_not(None))
        .group_by(MarketingExpense.campaign_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Campaign.id,
            Campaign.project_id,
            Project.name,
            Campaign.name,
            Campaign.channel,
            Campaign.starts_on,
            Campaign.ends_on,
            Campaign.budget,
            spent.c.spent,
            Campaign.notes,
        )
        .join(Project, Project.id == Campaign.project_id)
        .outerjoin(spent, spent.c.campaign_id == Campaign.id)
        .where(Campaign.project_id.in_(projects))
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    ).all()
    frame = _frame(
        rows,
        [
            "id",
            "project_id",
            "project",
            "name",
            "channel",
            "starts_on",
            "ends_on",
            "budget",
            "spent",
            "notes",
        ],
    )
    frame["spent"] = frame["spent"].map(_d)
    frame["channel_label"] = frame["channel"].map(lambda c: channels.get(c, c))
    return frame


def _add_costs(frame: pd.DataFrame) -> pd.DataFrame:
    def pairs(a, b):
        return zip(frame[a], frame[b], strict=True)

    frame["cost_per_visit"] = [per(s, n) for s, n in pairs("spend", "visits")]
    frame["cost_per_opportunity"] = [per(s, n) for s, n in pairs("spend", "opportunities")]
    frame["cost_per_deal"] = [per(s, n) for s, n in pairs("spend", "deals")]
    frame["cost_per_10k"] = [
        per(s, a / TEN_THOUSAND) if a else None for s, a in pairs("spend", "deal_amount")
    ]
    frame["conversion"] = [ratio(d, v) for d, v in pairs("deals", "visits")]
    return frame


EFFECT_COLUMNS = ["spend", "visits", "opportunities", "deals", "deal_amount"]


def by_channel(
    session: Session, viewer: User, start: date, end: date, project_id: int | None = None
) -> pd.DataFrame:
    """One row per channel with spend, funnel counts, deals and every cost ratio."""
    start, end = check_period(start, end)
    projects = _projects(session, viewer, project_id)
    channels, _ = labels(session)
    if not projects:
        return _add_costs(pd.DataFrame(columns=["channel", "channel_label", *EFFECT_COLUMNS]))
    spend = _frame(
        session.execute(
            select(MarketingExpense.channel, func.sum(MarketingExpense.amount))
            .where(
                MarketingExpense.project_id.in_(projects),
                MarketingExpense.spent_on >= start,
                MarketingExpense.spent_on <= end,
            )
            .group_by(MarketingExpense.channel)
        ),
        ["channel", "spend"],
    )
    visits = _frame(
        session.execute(
            select(
                Customer.channel,
                func.count(),
                func.sum(
                    case(
                        (Customer.stage.in_([CustomerStage.OPPORTUNITY, CustomerStage.DEAL]), 1),
                        else_=0,
                    )
                ),
            )
            .where(
                Customer.project_id.in_(projects),
                Customer.first_contact_on >= start,
                Customer.first_contact_on <= end,
            )
            .group_by(Customer.channel)
        ),
        ["channel", "visits", "opportunities"],
    )
    deals = _frame(
        session.execute(
            select(Customer.channel, func.count(), func.sum(Deal.deal_total))
            .join(Customer, Customer.id == Deal.customer_id)
            .where(_sales_filter(start, end, projects))
            .group_by(Customer.channel)
        ),
        ["channel", "deals", "deal_amount"],
    )
    known = pd.DataFrame({"channel": list(channels)})
    frame = known.merge(spend, how="outer").merge(visits, how="outer").merge(deals, how="outer")
    frame["channel"] = frame["channel"].fillna("")
    frame["channel_label"] = frame["channel"].map(lambda c: channels.get(c, c or "（未填）"))
    frame = _clean(frame)
    active = (frame["spend"] != 0) | (frame["visits"] > 0) | (frame["deals"] > 0)
    return _add_costs(frame[active].reset_index(drop=True))


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("spend", "deal_amount"):
        frame[column] = frame[column].map(_d)
    for column in ("visits", "opportunities", "deals"):
        frame[column] = frame[column].map(lambda v: int(v) if pd.notna(v) else 0)
    return frame


def by_campaign(
    session: Session, viewer: User, start: date, end: date, project_id: int | None = None
) -> pd.DataFrame:
    """One row per campaign overlapping the period: its spend in the period, and the visits,
    opportunities and deals of the customers it brought (channel and dates)."""
    start, end = check_period(start, end)
    projects = _projects(session, viewer, project_id)
    channels, _ = labels(session)
    campaigns = session.execute(
        select(Campaign, Project.name)
        .join(Project, Project.id == Campaign.project_id)
        .where(
            Campaign.project_id.in_(projects), Campaign.starts_on <= end, Campaign.ends_on >= start
        )
        .order_by(Campaign.starts_on, Campaign.id)
    ).all()
    spend = dict(
        session.execute(
            select(MarketingExpense.campaign_id, func.sum(MarketingExpense.amount))
            .where(
                MarketingExpense.campaign_id.in_([c.id for c, _ in campaigns]),
                MarketingExpense.spent_on >= start,
                MarketingExpense.spent_on <= end,
            )
            .group_by(MarketingExpense.campaign_id)
        ).all()
    )
    ids = [c.id for c, _ in campaigns]
    # Customers a campaign brought: its project and channel, first contact within both the
    # campaign's dates and the period (one joined aggregate for all campaigns).
    brought = and_(
        Customer.project_id == Campaign.project_id,
        Customer.channel == Campaign.channel,
        Customer.first_contact_on >= Campaign.starts_on,
        Customer.first_contact_on <= Campaign.ends_on,
        Customer.first_contact_on >= start,
        Customer.first_contact_on <= end,
    )
    funnel = {
        cid: (n, opp)
        for cid, n, opp in session.execute(
            select(
                Campaign.id,
                func.count(Customer.id),
                func.sum(
                    case(
                        (Customer.stage.in_([CustomerStage.OPPORTUNITY, CustomerStage.DEAL]), 1),
                        else_=0,
                    )
                ),
            )
            .join(Customer, brought)
            .where(Campaign.id.in_(ids))
            .group_by(Campaign.id)
        ).all()
    }
    sold = {
        cid: (n, amount)
        for cid, n, amount in session.execute(
            select(Campaign.id, func.count(Deal.id), func.sum(Deal.deal_total))
            .join(Customer, brought)
            .join(Deal, Deal.customer_id == Customer.id)
            .where(Campaign.id.in_(ids), _sales_filter(start, end, projects))
            .group_by(Campaign.id)
        ).all()
    }
    rows = []
    for campaign, project_name in campaigns:
        visits, opportunities = funnel.get(campaign.id, (0, 0))
        deals, amount = sold.get(campaign.id, (0, None))
        rows.append(
            {
                "campaign_id": campaign.id,
                "campaign": campaign.name,
                "project": project_name,
                "channel": campaign.channel,
                "channel_label": channels.get(campaign.channel, campaign.channel),
                "starts_on": campaign.starts_on,
                "ends_on": campaign.ends_on,
                "budget": campaign.budget,
                "spend": spend.get(campaign.id),
                "visits": visits,
                "opportunities": opportunities,
                "deals": deals,
                "deal_amount": amount,
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "campaign_id",
            "campaign",
            "project",
            "channel",
            "channel_label",
            "starts_on",
            "ends_on",
            "budget",
            *EFFECT_COLUMNS,
        ],
    )
    return _add_costs(_clean(frame))


def plan_vs_actual(
    session: Session, viewer: User, start: date, end: date, project_id: int | None = None
) -> pd.DataFrame:
    """Per month of the period: planned and actual spend, variance (actual − plan) and its rate.
    The plan counts whole months; actual spend only the days of the period."""
    start, end = check_period(start, end)
    projects = _projects(session, viewer, project_id)
    months = months_between(start, end)
    plan = dict(
        session.execute(
            select(
                month_key(session, MarketingBudget.month).label("m"),
                func.sum(MarketingBudget.amount),
            )
            .where(
                MarketingBudget.project_id.in_(projects),
                MarketingBudget.month >= start.replace(day=1),
                MarketingBudget.month <= end,
            )
            .group_by("m")
        ).all()
    )
    actual = dict(
        session.execute(
            select(
                month_key(session, MarketingExpense.spent_on).label("m"),
                func.sum(MarketingExpense.amount),
            )
            .where(
                MarketingExpense.project_id.in_(projects),
                MarketingExpense.spent_on >= start,
                MarketingExpense.spent_on <= end,
            )
            .group_by("m")
        ).all()
    )
    rows = []
    for month in months:
        p, a = _d(plan.get(month)), _d(actual.get(month))
        rows.append(
            {
                "month": month,
                "plan": p,
                "actual": a,
                "variance": a - p,
                "variance_rate": ratio(a - p, p),
                "execution": ratio(a, p),
            }
        )
    return pd.DataFrame(
        rows, columns=["month", "plan", "actual", "variance", "variance_rate", "execution"]
    )


def plan_vs_actual_total(frame: pd.DataFrame) -> dict:
    plan, actual = _dsum(frame["plan"]), _dsum(frame["actual"])
    return {
        "plan": plan,
        "actual": actual,
        "variance": actual - plan,
        "variance_rate": ratio(actual - plan, plan),
        "execution": ratio(actual, plan),
    }


def channel_funnel(
    session: Session,
    viewer: User,
    channel: str,
    start: date,
    end: date,
    project_id: int | None = None,
) -> pd.DataFrame:
    """The funnel of one channel's customers first contacted in the period: counts by stage
    and opportunity level — aggregated, never a name, phone or ID."""
    start, end = check_period(start, end)
    projects = _projects(session, viewer, project_id)
    rows = session.execute(
        select(Customer.stage, Customer.level, func.count())
        .where(
            Customer.project_id.in_(projects),
            Customer.channel == (channel or ""),
            Customer.first_contact_on >= start,
            Customer.first_contact_on <= end,
        )
        .group_by(Customer.stage, Customer.level)
    ).all()
    by_stage = {s: 0 for s in STAGES}
    levels: dict[str, int] = {}
    for stage, level, n in rows:
        by_stage[CustomerStage(stage)] = by_stage.get(CustomerStage(stage), 0) + n
        if stage in (CustomerStage.OPPORTUNITY, CustomerStage.DEAL) and level:
            levels[level] = levels.get(level, 0) + n
    total = sum(by_stage.values())
    opportunities = by_stage[CustomerStage.OPPORTUNITY] + by_stage[CustomerStage.DEAL]
    steps = [
        ("visits", total),
        ("opportunities", opportunities),
        ("deals", by_stage[CustomerStage.DEAL]),
    ]
    frame = pd.DataFrame(steps, columns=["step", "customers"])
    frame["share"] = [ratio(n, total) for n in frame["customers"]]
    frame.attrs["lost"] = by_stage[CustomerStage.LOST]
    frame.attrs["levels"] = dict(sorted(levels.items()))
    return frame


def monthly_spend(
    session: Session, viewer: User, start: date, end: date, project_id: int | None = None
) -> pd.DataFrame:
    """Spend per month and channel (for the stacked chart)."""
    start, end = check_period(start, end)
    projects = _projects(session, viewer, project_id)
    channels, _ = labels(session)
    m = month_key(session, MarketingExpense.spent_on).label("m")
    frame = _frame(
        session.execute(
            select(m, MarketingExpense.channel, func.sum(MarketingExpense.amount))
            .where(
                MarketingExpense.project_id.in_(projects),
                MarketingExpense.spent_on >= start,
                MarketingExpense.spent_on <= end,
            )
            .group_by("m", MarketingExpense.channel)
        ),
        ["month", "channel", "amount"],
    )
    frame["channel_label"] = frame["channel"].map(lambda c: channels.get(c, c))
    return frame


__all__ = [
    "budget_pivot",
    "by_campaign",
    "by_channel",
    "campaigns_frame",
    "channel_funnel",
    "expenses_frame",
    "labels",
    "monthly_spend",
    "plan_vs_actual",
    "plan_vs_actual_total",
]
