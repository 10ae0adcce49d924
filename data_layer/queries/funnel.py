"""Customer analytics (客户分析): the sales funnel with conversion rates, the trend of new
visitors and callers, the consultant ranking and the lost reasons, within the viewer's scope.

The funnel follows a cohort: the customers whose first contact falls in the period, and how far
each of them got (returning visit, opportunity, subscription, contract) up to now. The stages are
nested: each counts the customers who reached at least that stage, so a customer who became an
opportunity at the first visit (or on the phone) counts as returning too, one who subscribed
without being marked an opportunity counts as an opportunity, and no stage exceeds the one
before it (no conversion rate above 100 %). Every figure
is computed from the tables (covering indexes of migration 0004), so it is right at once after
any write; nothing is cached."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from sqlalchemy import (
    Date,
    Integer,
    and_,
    bindparam,
    case,
    distinct,
    exists,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from .. import authz
from ..models import ContactKind, Customer, CustomerStage, Deal, User
from .base import read_all
from .crm import CUSTOMER_COLUMNS, CustomerFilter, customers_frame, restrict_customers

STAGES = ("new", "returning", "opportunity", "subscribed", "contracted")
SPLITS = ("channel", "consultant", "team", "level")
GRAINS = ("day", "week", "month")


@dataclass(frozen=True)
class FunnelFilter:
    project_id: int | None = None
    start: date | None = None
    end: date | None = None
    channel: str | None = None
    consultant_id: int | None = None
    team_id: int | None = None
    level: str | None = None
    contact: str | None = None  # visit / call: how the customer first came

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}


def default_period(today: date) -> tuple[date, date]:
    """The current quarter so far."""
    first_month = (today.month - 1) // 3 * 3 + 1
    return date(today.year, first_month, 1), today


def _values(f: FunnelFilter) -> dict:
    """The bound values of the filters that are set (names as in _filters)."""
    values = {
        "f_project": int(f.project_id) if f.project_id else None,
        "f_start": f.start,
        "f_end": f.end,
        "f_channel": f.channel or None,
        "f_consultant": int(f.consultant_id) if f.consultant_id else None,
        "f_team": int(f.team_id) if f.team_id else None,
        "f_level": f.level or None,
        "f_contact": ContactKind(f.contact) if f.contact else None,
    }
    return {k: v for k, v in values.items() if v is not None}


def _filters(query, viewer: User, f: FunnelFilter, date_column):
    """The viewer's scope and the filters that are set, as bound parameters: the same
    statement then serves every value (see _prepared); run it with _values(f)."""
    query = restrict_customers(query, viewer)
    if f.project_id:
        query = query.where(Customer.project_id == bindparam("f_project"))
    if f.start:
        query = query.where(date_column >= bindparam("f_start", type_=Date()))
    if f.end:
        query = query.where(date_column <= bindparam("f_end", type_=Date()))
    if f.channel:
        query = query.where(Customer.channel == bindparam("f_channel"))
    if f.consultant_id:
        query = query.where(Customer.consultant_id == bindparam("f_consultant"))
    if f.team_id:
        members = select(User.id).where(User.team_id == bindparam("f_team"))
        query = query.where(Customer.consultant_id.in_(members))
    if f.level:
        query = query.where(Customer.level == bindparam("f_level"))
    if f.contact:
        query = query.where(
            Customer.first_contact == bindparam("f_contact", type_=Customer.first_contact.type)
        )
    return query


def _group_column(split: str | None):
    if split == "channel":
        return Customer.channel
    if split == "consultant":
        return Customer.consultant_id
    if split == "team":
        return User.team_id
    if split == "level":
        return Customer.level
    return None


def _grouped(query, split: str | None):
    column = _group_column(split)
    if column is None:
        return query.add_columns(func.min(0).label("grp")), None
    if split == "team":
        query = query.join(User, User.id == Customer.consultant_id)
    return query.add_columns(column.label("grp")).group_by(column), column


REACHED_OPPORTUNITY = or_(
    Customer.opportunity_on.is_not(None), Customer.stage == CustomerStage.DEAL
)
# 复访 is reached by coming back, or by getting further (an opportunity at the first visit or
# call); the subscribed ones the customer row does not show are added from the deals.
REACHED_RETURNING = or_(Customer.visit_count >= 2, REACHED_OPPORTUNITY)
SUBSCRIBED = or_(Deal.subscribed_on.is_not(None), Deal.contracted_on.is_not(None))
CONTRACTED = Deal.contracted_on.is_not(None)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)


def _rate(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal, half-up; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


_PREPARED: dict[tuple, tuple] = {}


def _shape(viewer: User, f: FunnelFilter, split: str | None) -> tuple:
    """What decides the text of the funnel statements: the viewer's scope, which filters are
    set (not their values) and the split."""
    scope = authz.scope(viewer)
    frozen = [
        tuple(sorted(x)) if x is not None else None
        for x in (scope.project_ids, scope.consultant_ids, scope.team_ids)
    ]
    present = tuple(bool(getattr(f, name)) for name in FunnelFilter.__dataclass_fields__)
    return (*frozen, viewer.id if scope.team_ids is not None else None, present, split)


def _prepared(viewer: User, f: FunnelFilter, split: str | None) -> tuple:
    """The two funnel statements for this shape, built once and reused: building a statement
    costs more than running it on an index (bench/bench_crm.py)."""
    key = _shape(viewer, f, split)
    found = _PREPARED.get(key)
    if found is not None:
        return found
    customers = select(
        func.count().label("n_new"),
        _count_if(REACHED_RETURNING).label("n_returning"),
        _count_if(REACHED_OPPORTUNITY).label("n_opportunity"),
    ).select_from(Customer)
    customers = _filters(customers, viewer, f, Customer.first_contact_on)
    customers, column = _grouped(customers, split)
    deals = (
        select(
            func.count(distinct(case((SUBSCRIBED, Customer.id)))).label("n_subscribed"),
            func.count(distinct(case((CONTRACTED, Customer.id)))).label("n_contracted"),
            # A customer who subscribed was an opportunity (and a returning customer), even if
            # nobody recorded it.
            func.count(distinct(case((and_(SUBSCRIBED, ~REACHED_OPPORTUNITY), Customer.id)))).label(
                "n_unmarked"
            ),
            func.count(distinct(case((and_(SUBSCRIBED, ~REACHED_RETURNING), Customer.id)))).label(
                "n_unreturned"
            ),
        )
        .select_from(Customer)
        .join(Deal, Deal.customer_id == Customer.id)
    )
    deals = _filters(deals, viewer, f, Customer.first_contact_on)
    deals, _column = _grouped(deals, split)
    # MariaDB reads every customer of the project here (a ref on project_id alone, 10× slower)
    # unless told to range over the project and period on the covering index.
    by_project = f.project_id or authz.scope(viewer).project_ids is not None
    hint = "ix_customer_funnel" if by_project else "ix_customer_day_funnel"
    deals = deals.with_hint(Customer, f"FORCE INDEX ({hint})", dialect_name="mysql")
    joined = None
    if column is None:
        # Without a split each statement returns one row: one round trip for both.
        first, second = customers.subquery("c"), deals.subquery("d")
        joined = select(first, second).select_from(first).join(second, true())
    if len(_PREPARED) > 512:  # bounded: shapes are few, but users come and go
        _PREPARED.clear()
    _PREPARED[key] = (customers, deals, joined)
    return _PREPARED[key]


def stage_counts(
    session: Session,
    viewer: User,
    f: FunnelFilter,
    split: str | None = None,
    *,
    parallel: bool = False,
) -> dict[object, dict[str, int]]:
    """{group: {stage: customers}}; the group is None without a split. Each stage counts the
    customers who reached at least it (see the module's docstring). `parallel`: the
    customers' and the deals' aggregates run at once on two connections (base.read_all; a
    callback's reader only; the two reads may see commits a moment apart, the next refresh
    shows both)."""
    authz.require(viewer, "crm.view")
    if split is not None and split not in SPLITS:
        raise ValueError(split)
    customers, deals, joined = _prepared(viewer, f, split)
    params = _values(f)
    # Core execution: the statements select plain columns, the ORM layer adds nothing.
    if joined is not None and not parallel:
        row = session.connection().execute(joined, params).one()
        got = {"customers": [row[:4]], "deals": [row[4:]]}
    else:
        got = read_all(
            session,
            {
                "customers": lambda s: s.connection().execute(customers, params).all(),
                "deals": lambda s: s.connection().execute(deals, params).all(),
            },
            parallel=parallel,
            heavy=("deals",),
        )
    result: dict[object, dict[str, int]] = {}
    for n_new, n_returning, n_opportunity, grp in got["customers"]:
        result[grp if split else None] = {
            "new": int(n_new or 0),
            "returning": int(n_returning or 0),
            "opportunity": int(n_opportunity or 0),
            "subscribed": 0,
            "contracted": 0,
        }
    for n_subscribed, n_contracted, n_unmarked, n_unreturned, grp in got["deals"]:
        counts = result.get(grp if split else None)
        if counts is None:
            continue
        counts["subscribed"] = int(n_subscribed or 0)
        counts["contracted"] = int(n_contracted or 0)
        counts["opportunity"] += int(n_unmarked or 0)
        counts["returning"] += int(n_unreturned or 0)
    if split is None and None not in result:
        result[None] = dict.fromkeys(STAGES, 0)
    return result


def funnel_rows(counts: dict[str, int]) -> list[dict]:
    """The stages of one funnel with the conversion from the previous stage and from the
    first, in percent (Decimal, one place, half-up)."""
    rows, previous = [], None
    for stage in STAGES:
        n = counts[stage]
        rows.append(
            {
                "stage": stage,
                "customers": n,
                "rate_previous": _rate(n, previous) if previous is not None else None,
                "rate_first": _rate(n, counts["new"]),
            }
        )
        previous = n
    return rows


FUNNEL_COLUMNS = ["group", "stage", "customers", "rate_previous", "rate_first"]


def funnel(
    session: Session, viewer: User, f: FunnelFilter, split: str | None = None
) -> pd.DataFrame:
    """One row per (group, stage) with the conversion from the previous stage and from the
    first, in percent."""
    rows = [
        {"group": group, **row}
        for group, counts in stage_counts(session, viewer, f, split).items()
        for row in funnel_rows(counts)
    ]
    return pd.DataFrame(rows, columns=FUNNEL_COLUMNS)


def _in_empty_group(split: str):
    """The customers of a split funnel's empty group (未填写 channel, 未分级, 无团队, no
    consultant): the group no filter value can name."""
    if split in ("channel", "level"):
        column = Customer.channel if split == "channel" else Customer.level
        return or_(column.is_(None), column == "")
    if split == "team":
        teamless = select(User.id).where(User.team_id.is_(None))
        return or_(Customer.consultant_id.is_(None), Customer.consultant_id.in_(teamless))
    if split == "consultant":
        return Customer.consultant_id.is_(None)
    raise ValueError(split)


def stage_customers(
    session: Session,
    viewer: User,
    f: FunnelFilter,
    stage: str,
    limit: int = 2000,
    *,
    empty_group: str | None = None,
) -> pd.DataFrame:
    """The customers behind one stage of the funnel (clicking a stage), within the viewer's
    scope; needs the right to see individual customers. `empty_group`: a split (channel,
    consultant, team, level) whose empty group is meant (a named group is a filter value)."""
    authz.require(viewer, "crm.customers")
    if stage not in STAGES:
        raise ValueError(stage)
    if empty_group is not None and empty_group not in SPLITS:
        raise ValueError(empty_group)
    ids = select(Customer.id)
    subscribed = exists().where(Deal.customer_id == Customer.id, SUBSCRIBED)
    if stage == "returning":
        ids = ids.where(or_(REACHED_RETURNING, subscribed))
    elif stage == "opportunity":
        ids = ids.where(or_(REACHED_OPPORTUNITY, subscribed))
    elif stage in ("subscribed", "contracted"):
        condition = SUBSCRIBED if stage == "subscribed" else CONTRACTED
        ids = ids.where(
            Customer.id.in_(select(Deal.customer_id).where(condition).scalar_subquery())
        )
    ids = _filters(ids, viewer, f, Customer.first_contact_on)
    if empty_group is not None:
        ids = ids.where(_in_empty_group(empty_group))
    query = ids.order_by(Customer.id.desc()).limit(limit)
    wanted = [i for (i,) in session.execute(query, _values(f))]
    if not wanted:
        return pd.DataFrame(columns=CUSTOMER_COLUMNS)
    frames = []
    for start in range(0, len(wanted), 500):
        chunk = set(wanted[start : start + 500])
        frame = customers_frame(session, viewer, CustomerFilter(), limit=limit, only_ids=chunk)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _period_start(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def trend(session: Session, viewer: User, f: FunnelFilter, grain: str = "day") -> pd.DataFrame:
    """New customers per day, week (from Monday) or month, by how they first came: walk-in
    visit or phone call. Periods without anyone are shown as zero."""
    authz.require(viewer, "crm.view")
    if grain not in GRAINS:
        raise ValueError(grain)
    query = (
        select(Customer.first_contact_on, Customer.first_contact, func.count())
        .select_from(Customer)
        .group_by(Customer.first_contact_on, Customer.first_contact)
    )
    query = _filters(query, viewer, f, Customer.first_contact_on)
    counts: dict[date, dict[str, int]] = {}
    for day, kind, n in session.execute(query, _values(f)):
        period = _period_start(day, grain)
        bucket = counts.setdefault(period, {"visit": 0, "call": 0, "other": 0})
        bucket[kind.value] += n
    if f.start and f.end and f.start <= f.end:
        day = _period_start(f.start, grain)
        while day <= f.end:
            counts.setdefault(day, {"visit": 0, "call": 0, "other": 0})
            if grain == "month":
                day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
            else:
                day += timedelta(days=7 if grain == "week" else 1)
    rows = [
        {"period": period, **values, "total": sum(values.values())}
        for period, values in sorted(counts.items())
    ]
    return pd.DataFrame(rows, columns=["period", "visit", "call", "other", "total"])


def consultant_ranking(session: Session, viewer: User, f: FunnelFilter) -> pd.DataFrame:
    """Per consultant: new customers of the period and how many reached each stage, ranked by
    subscriptions, then contracts, then opportunities."""
    counts = stage_counts(session, viewer, f, split="consultant")
    names = {
        i: n
        for i, n in session.execute(
            select(User.id, User.display_name).where(User.id.in_(list(counts)))
        )
    }
    rows = []
    for consultant_id, c in counts.items():
        rows.append(
            {
                "consultant_id": consultant_id,
                "consultant": names.get(consultant_id, str(consultant_id)),
                **c,
                "conversion": _rate(c["subscribed"], c["new"]),
            }
        )
    rows.sort(key=lambda r: (-r["subscribed"], -r["contracted"], -r["opportunity"], -r["new"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return pd.DataFrame(
        rows,
        columns=["rank", "consultant_id", "consultant", *STAGES, "conversion"],
    )


def lost_reasons(session: Session, viewer: User, f: FunnelFilter) -> pd.DataFrame:
    """Customers lost within the period, by reason (code of the lost_reason dictionary)."""
    authz.require(viewer, "crm.view")
    query = (
        select(Customer.lost_reason, func.count())
        .select_from(Customer)
        # lost_on is set when a customer is lost and cleared when they come back.
        .where(Customer.lost_on.is_not(None))
        .group_by(Customer.lost_reason)
    )
    query = _filters(query, viewer, f, Customer.lost_on)
    rows = [{"reason": reason, "customers": n} for reason, n in session.execute(query, _values(f))]
    rows.sort(key=lambda r: -r["customers"])
    total = sum(r["customers"] for r in rows)
    for row in rows:
        row["share"] = _rate(row["customers"], total)
    return pd.DataFrame(rows, columns=["reason", "customers", "share"])
