"""试算统计: how often units were priced (试算 and saved quotes), for pricing and price changes.

Statistics, not customer records: a viewer holding quote.view sees the counts of every
consultant in their projects (authz.restrict on the project, not on the consultant) and no
customer's name. Each figure is one aggregate statement over quote_trial joined to unit, using
the (project_id, at) index; a period is local days [start, end] turned into UTC bounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from sqlalchemy import Integer, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from .. import authz
from ..localtime import day_start_utc
from ..models import (
    Building,
    Deal,
    DealStage,
    DealState,
    Layout,
    Project,
    QuoteTrial,
    Unit,
    UnitStatus,
    User,
)

PERMISSION = "quote.view"
DEFAULT_BAND = 5
TOP_UNITS = 20
SOLD = (UnitStatus.SUBSCRIBED, UnitStatus.CONTRACTED)
BASEMENT = -1  # the floor band (and parity) of floors below 1 (车位, 地下室)


@dataclass(frozen=True)
class Period:
    """What the screen filters on: local days, a project (None: all the viewer's), a building."""

    start: date
    end: date
    project_id: int | None = None
    building_id: int | None = None
    band: int = DEFAULT_BAND


def band_bounds(index: int, size: int) -> tuple[int, int] | None:
    """The floors of band `index` (0 → 1..size); None for the basement band."""
    if index == BASEMENT:
        return None
    return index * size + 1, (index + 1) * size


def _check(viewer: User, period: Period) -> None:
    authz.require(viewer, PERMISSION, project_id=period.project_id)
    if period.band < 1:
        raise ValueError("floor band must be at least 1")


def _where(query, viewer: User, period: Period):
    """The trials of the period in the viewer's projects (and the building chosen)."""
    query = authz.restrict(query, viewer, QuoteTrial.project_id).where(
        QuoteTrial.at >= day_start_utc(period.start),
        QuoteTrial.at < day_start_utc(period.end + timedelta(days=1)),
    )
    if period.project_id:
        query = query.where(QuoteTrial.project_id == period.project_id)
    if period.building_id:
        query = query.where(Unit.building_id == period.building_id)
    return query


def _counts(session: Session, viewer: User, period: Period, key, name: str) -> pd.DataFrame:
    """trials and saved per value of `key` (an expression over unit), most tried first."""
    _check(viewer, period)
    saved = func.sum(case((QuoteTrial.saved.is_(True), 1), else_=0))
    query = _where(
        select(key.label(name), func.count().label("trials"), saved.label("saved"))
        .select_from(QuoteTrial)
        .join(Unit, Unit.id == QuoteTrial.unit_id),
        viewer,
        period,
    ).group_by(key)
    rows = [(value, int(n), int(s or 0)) for value, n, s in session.execute(query)]
    return pd.DataFrame(rows, columns=[name, "trials", "saved"])


def _band(size: int):
    return case((Unit.floor < 1, literal(BASEMENT)), else_=(Unit.floor - 1) // size)


def by_orientation(session: Session, viewer: User, period: Period) -> pd.DataFrame:
    """orientation (code; "" when the unit has none), trials, saved — most tried first."""
    frame = _counts(session, viewer, period, Unit.orientation, "orientation")
    return frame.sort_values(["trials", "orientation"], ascending=[False, True], ignore_index=True)


def by_floor_band(session: Session, viewer: User, period: Period) -> pd.DataFrame:
    """band (0 = floors 1..size, …, -1 below ground), low, high, trials, saved — by floor."""
    frame = _counts(session, viewer, period, _band(period.band), "band")
    frame["band"] = frame["band"].astype(int)
    bounds = [band_bounds(b, period.band) or (None, None) for b in frame["band"]]
    frame["low"] = [b[0] for b in bounds]
    frame["high"] = [b[1] for b in bounds]
    return frame.sort_values("band", ignore_index=True)[["band", "low", "high", "trials", "saved"]]


def by_parity(session: Session, viewer: User, period: Period) -> pd.DataFrame:
    """parity ("odd", "even", "basement"), trials, saved — odd, even, basement."""
    key = case(
        (Unit.floor < 1, literal("basement")),
        ((Unit.floor % 2) == 1, literal("odd")),
        else_=literal("even"),
    )
    frame = _counts(session, viewer, period, key, "parity")
    order = {"odd": 0, "even": 1, "basement": 2}
    return frame.sort_values("parity", key=lambda s: s.map(order), ignore_index=True)


def by_building(session: Session, viewer: User, period: Period) -> pd.DataFrame:
    """building_id, project (name), building (name), trials, saved — most tried first."""
    _check(viewer, period)
    saved = func.sum(case((QuoteTrial.saved.is_(True), 1), else_=0))
    query = _where(
        select(Building.id, Project.name, Building.name, func.count(), saved)
        .select_from(QuoteTrial)
        .join(Unit, Unit.id == QuoteTrial.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Project, Project.id == Building.project_id),
        viewer,
        period,
    ).group_by(Building.id, Project.name, Building.name)
    rows = [(i, p, b, int(n), int(s or 0)) for i, p, b, n, s in session.execute(query)]
    frame = pd.DataFrame(rows, columns=["building_id", "project", "building", "trials", "saved"])
    return frame.sort_values(["trials", "building"], ascending=[False, True], ignore_index=True)


def by_layout(session: Session, viewer: User, period: Period) -> pd.DataFrame:
    """Interest and conversion per layout: layout_id (None: units without one), project (name;
    a project's units without a layout are a row of their own), layout, trials,
    saved, subscriptions (live 认购/签约 of the period, as the overview counts sales) and
    conversion = subscriptions ÷ trials (Decimal to 0.0001, None without trials) — one statement."""
    _check(viewer, period)
    tried = _where(
        select(
            QuoteTrial.project_id.label("project_id"),
            Unit.layout_id.label("layout_id"),
            literal(1).label("trial"),
            case((QuoteTrial.saved.is_(True), 1), else_=0).label("saved"),
            literal(0).label("sold"),
        )
        .select_from(QuoteTrial)
        .join(Unit, Unit.id == QuoteTrial.unit_id),
        viewer,
        period,
    )
    sale_day = func.coalesce(Deal.subscribed_on, Deal.contracted_on)
    sold = authz.restrict(
        select(
            Deal.project_id.label("project_id"),
            Unit.layout_id.label("layout_id"),
            literal(0).label("trial"),
            literal(0).label("saved"),
            literal(1).label("sold"),
        )
        .select_from(Deal)
        .join(Unit, Unit.id == Deal.unit_id)
        .where(
            Deal.state == DealState.LIVE,
            Deal.stage.in_([DealStage.SUBSCRIBED, DealStage.CONTRACTED]),
            sale_day >= period.start,
            sale_day <= period.end,
        ),
        viewer,
        Deal.project_id,
    )
    if period.project_id:
        sold = sold.where(Deal.project_id == period.project_id)
    if period.building_id:
        sold = sold.where(Unit.building_id == period.building_id)
    both = union_all(tried, sold).subquery()
    trials = func.sum(both.c.trial).cast(Integer)
    query = (
        select(
            both.c.layout_id,
            Project.name,
            Layout.name,
            trials,
            func.sum(both.c.saved).cast(Integer),
            func.sum(both.c.sold).cast(Integer),
        )
        .select_from(both)
        .join(Project, Project.id == both.c.project_id)
        .outerjoin(Layout, Layout.id == both.c.layout_id)
        .group_by(both.c.project_id, both.c.layout_id, Project.name, Layout.name)
    )
    rows = []
    for layout_id, project, name, n, s, subs in session.execute(query):
        n, s, subs = int(n or 0), int(s or 0), int(subs or 0)
        rate = (
            (Decimal(subs) / Decimal(n)).quantize(Decimal("0.0001"), ROUND_HALF_UP) if n else None
        )
        rows.append((layout_id, project, name or "", n, s, subs, rate))
    frame = pd.DataFrame(
        rows,
        columns=[
            "layout_id",
            "project",
            "layout",
            "trials",
            "saved",
            "subscriptions",
            "conversion",
        ],
    )
    return frame.sort_values(
        ["trials", "subscriptions", "layout"], ascending=[False, False, True], ignore_index=True
    )


TOP_COLUMNS = [
    "unit_id",
    "project",
    "unit",
    "building",
    "floor",
    "layout",
    "orientation",
    "gross_area",
    "list_unit_price",
    "list_total",
    "status",
    "sold",
    "trials",
    "saved",
    "customers",
]


def top_units(
    session: Session, viewer: User, period: Period, limit: int = TOP_UNITS
) -> pd.DataFrame:
    """The most tried units of the period with their state now (status, sold, list price):
    TOP_COLUMNS, most tried first; `customers` counts distinct customers named (no names)."""
    _check(viewer, period)
    trials = func.count()
    top = (
        _where(
            select(
                QuoteTrial.unit_id.label("unit_id"),
                trials.label("trials"),
                func.sum(case((QuoteTrial.saved.is_(True), 1), else_=0)).label("saved"),
                func.count(QuoteTrial.customer_id.distinct()).label("customers"),
            )
            .select_from(QuoteTrial)
            .join(Unit, Unit.id == QuoteTrial.unit_id),
            viewer,
            period,
        )
        .group_by(QuoteTrial.unit_id)
        .order_by(trials.desc(), QuoteTrial.unit_id)
        .limit(limit)
        .subquery()
    )
    query = (
        select(
            top.c.unit_id,
            Project.name,
            Unit.code,
            Building.name,
            Unit.floor,
            Layout.name,
            Unit.orientation,
            Unit.gross_area,
            Unit.list_unit_price,
            Unit.list_total,
            Unit.status,
            top.c.trials,
            top.c.saved,
            top.c.customers,
        )
        .select_from(top)
        .join(Unit, Unit.id == top.c.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Project, Project.id == Unit.project_id)
        .outerjoin(Layout, Layout.id == Unit.layout_id)
        .order_by(top.c.trials.desc(), top.c.unit_id)
    )
    rows = []
    for row in session.execute(query):
        status = UnitStatus(row[10])
        rows.append(
            (
                *row[:5],
                row[5] or "",
                row[6] or "",
                *row[7:10],
                status.value,
                status in SOLD,
                int(row[11]),
                int(row[12] or 0),
                int(row[13] or 0),
            )
        )
    return pd.DataFrame(rows, columns=TOP_COLUMNS)


def total(session: Session, viewer: User, period: Period) -> tuple[int, int]:
    """(trials, saved) of the period: the screen's headline and its empty state."""
    _check(viewer, period)
    saved = func.sum(case((QuoteTrial.saved.is_(True), 1), else_=0))
    query = _where(
        select(func.count(), saved)
        .select_from(QuoteTrial)
        .join(Unit, Unit.id == QuoteTrial.unit_id),
        viewer,
        period,
    )
    n, s = session.execute(query).one()
    return int(n or 0), int(s or 0)
