"""The sales control chart (销控表) of a building, its live fingerprint, a unit's panel, and the
unit lists of the base-data and pricing screens. Every read is scoped to the viewer."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from .. import authz
from ..errors import NotFound, PermissionDenied
from ..localtime import DEFAULT_ZONE, local
from ..models import (
    Building,
    Layout,
    PriceChange,
    Project,
    ReleaseBatch,
    Unit,
    UnitStatus,
    UnitStatusChange,
    User,
)
from ..rules.money import money
from .base import PRECISION_KEYS, Precision, precision_columns, precision_of

STATUS_ORDER = [
    UnitStatus.UNRELEASED,
    UnitStatus.AVAILABLE,
    UnitStatus.RESERVED,
    UnitStatus.HELD,
    UnitStatus.SUBSCRIBED,
    UnitStatus.CONTRACTED,
    UnitStatus.NOT_FOR_SALE,
]
STATUS_LABELS = {
    UnitStatus.UNRELEASED: "未放盘",
    UnitStatus.AVAILABLE: "待售",
    UnitStatus.RESERVED: "预留",
    UnitStatus.HELD: "临定",
    UnitStatus.SUBSCRIBED: "认购",
    UnitStatus.CONTRACTED: "签约",
    UnitStatus.NOT_FOR_SALE: "不可售",
}
SOLD = frozenset({UnitStatus.SUBSCRIBED, UnitStatus.CONTRACTED})
NOT_RELEASED = frozenset({UnitStatus.UNRELEASED, UnitStatus.NOT_FOR_SALE})
# The customer-facing (virtual) chart shows three states only.
VIRTUAL_ORDER = ["available", "sold", "closed"]
VIRTUAL_LABELS = {"available": "可售", "sold": "已售", "closed": "未开放"}


@dataclass(frozen=True)
class ChartFilters:
    layout_ids: tuple[int, ...] = ()
    orientations: tuple[str, ...] = ()
    area_min: Decimal | None = None
    area_max: Decimal | None = None
    # Band of the list total in yuan.
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    statuses: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(
            self.layout_ids
            or self.orientations
            or self.statuses
            or self.area_min is not None
            or self.area_max is not None
            or self.price_min is not None
            or self.price_max is not None
        )

    def matches(self, layout_id, orientation, gross, total, status) -> bool:
        if self.layout_ids and layout_id not in self.layout_ids:
            return False
        if self.orientations and orientation not in self.orientations:
            return False
        if self.statuses and status not in self.statuses:
            return False
        if self.area_min is not None and gross < self.area_min:
            return False
        if self.area_max is not None and gross > self.area_max:
            return False
        if self.price_min is not None and (total is None or total < self.price_min):
            return False
        return not (self.price_max is not None and (total is None or total > self.price_max))


@dataclass
class LegendRow:
    status: str
    label: str
    count: int = 0
    area: Decimal = Decimal("0.00")
    amount: Decimal = Decimal("0.00")


@dataclass
class Chart:
    building_id: int
    building_name: str
    project_id: int
    floors: list[int]  # top floor first
    columns: list[tuple[int, int]]  # (section, position) left to right
    # One tuple per unit: (id, code, floor, section, position, status, gross_area,
    # list_unit_price, list_total, layout_id, orientation, match)
    units: list[tuple]
    legend: list[LegendRow]
    sell_through: dict[str, Decimal] = field(default_factory=dict)
    matched: int = 0
    total: int = 0
    fingerprint: str = ""


UNIT_FIELDS = (
    Unit.id,
    Unit.code,
    Unit.floor,
    Unit.section,
    Unit.position,
    Unit.status,
    Unit.gross_area,
    Unit.list_unit_price,
    Unit.list_total,
    Unit.layout_id,
    Unit.orientation,
    Unit.virtual_sold,
)


def _building(session: Session, viewer: User, building_id: int) -> Building:
    authz.require(viewer, "inventory.view")
    building = session.get(Building, building_id)
    if building is None:
        raise NotFound("楼栋不存在。", "No such building.")
    if not authz.scope(viewer).allows_project(building.project_id):
        raise PermissionDenied("inventory.view")
    return building


@dataclass(frozen=True)
class BuildingVersion:
    building_id: int
    name: str
    project_id: int
    fingerprint: str
    precision: Precision


@authz.PerScope
def _version_statement(_viewer: User, allowed) -> Select:
    return (
        select(
            Building.name,
            Building.project_id,
            allowed(Building.project_id),
            func.count(Unit.id),
            func.max(Unit.id),
            func.sum(Unit.revision),
            *precision_columns(),
        )
        .select_from(Building)
        .outerjoin(Unit, Unit.building_id == Building.id)
        .where(Building.id == bindparam("building_id"))
        .group_by(Building.id, Building.name, Building.project_id)
    )


def version(session: Session, viewer: User, building_id: int) -> BuildingVersion:
    """The building, the viewer's right to it and its units' fingerprint in one statement (the
    live chart polls this every second per open chart).

    The fingerprint is count · max(id) · Σ revision of the building's units, aggregated by the
    database from the (building_id, revision) index. Every UPDATE of a unit adds 1 to its
    revision (onupdate), which moves the sum whatever the order in which concurrent
    transactions commit (a max(updated_at) would miss a change committed after a later-stamped
    one); an insert raises count or max(id) and adds its starting revision, a delete lowers
    count. The building's name is
    part of it because the chart's caption shows it. The precision settings come along: the
    chart is drawn with them."""
    authz.require(viewer, "inventory.view")
    row = _version_statement.one_row(session.connection(), viewer, building_id=building_id)
    if row is None:
        raise NotFound("楼栋不存在。", "No such building.")
    name, project_id, allowed, count, top, total, *places = row
    if not allowed:
        raise PermissionDenied("inventory.view")
    return BuildingVersion(
        building_id,
        name,
        project_id,
        f"{count}:{top or 0}:{int(total or 0)}:{name}",
        precision_of(dict(zip(PRECISION_KEYS, places, strict=True))),
    )


def fingerprint(session: Session, viewer: User, building_id: int) -> str:
    """Changes whenever any unit of the building changes (status, price, flags), is added or
    removed, in any process: the state is the database's."""
    return version(session, viewer, building_id).fingerprint


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    return money(part / whole, 4) if whole else Decimal("0")


def chart(
    session: Session,
    viewer: User,
    building_id: int,
    filters: ChartFilters | None = None,
    *,
    virtual: bool = False,
    known: BuildingVersion | None = None,
) -> Chart:
    """The building's units with the legend (count, area, amount per status) and sell-through
    (sold ÷ released by count, area and amount); `match` marks units passing the filters.
    `virtual`: the customer-facing view (可售 / 已售 / 未开放, virtual-sold flags applied).
    `known`: version() of this building for this viewer, when the caller has just read it."""
    # Read before the units: a change landing in between makes the next poll redraw, never
    # leaves a chart showing older units under a newer fingerprint.
    building = known or version(session, viewer, building_id)
    filters = filters or ChartFilters()
    # Core execution (no ORM row loading): this runs for every redraw of every open chart.
    rows = (
        session.connection()
        .execute(
            select(*UNIT_FIELDS)
            .where(Unit.building_id == building_id)
            .order_by(Unit.floor.desc(), Unit.section, Unit.position)
        )
        .all()
    )
    order = VIRTUAL_ORDER if virtual else [s.value for s in STATUS_ORDER]
    labels = VIRTUAL_LABELS if virtual else {s.value: v for s, v in STATUS_LABELS.items()}
    legend = {s: LegendRow(s, labels[s]) for s in order}
    units = []
    floors: list[int] = []
    columns: set[tuple[int, int]] = set()
    matched = 0
    released = [0, Decimal("0.00"), Decimal("0.00")]
    sold = [0, Decimal("0.00"), Decimal("0.00")]
    zero = Decimal("0.00")
    for (
        uid,
        code,
        floor,
        section,
        position,
        status,
        gross,
        unit_price,
        total,
        layout_id,
        orientation,
        virtual_sold,
    ) in rows:
        amount = total if total is not None else zero
        if virtual:
            if status in SOLD or virtual_sold or status in (UnitStatus.RESERVED, UnitStatus.HELD):
                shown = "sold"
            elif status == UnitStatus.AVAILABLE:
                shown = "available"
            else:
                shown = "closed"
        else:
            shown = status.value
        row = legend[shown]
        row.count += 1
        row.area += gross
        row.amount += amount
        if status not in NOT_RELEASED:
            released[0] += 1
            released[1] += gross
            released[2] += amount
            if status in SOLD:
                sold[0] += 1
                sold[1] += gross
                sold[2] += amount
        match = filters.matches(layout_id, orientation, gross, total, shown)
        matched += match
        if not floors or floors[-1] != floor:
            floors.append(floor)
        columns.add((section, position))
        units.append(
            (
                uid,
                code,
                floor,
                section,
                position,
                shown,
                gross,
                None if virtual and shown == "sold" else unit_price,
                None if virtual and shown == "sold" else total,
                layout_id,
                orientation,
                match,
            )
        )
    return Chart(
        building_id=building.building_id,
        building_name=building.name,
        project_id=building.project_id,
        floors=floors,
        columns=sorted(columns),
        units=units,
        legend=[legend[s] for s in order],
        sell_through={
            "count": _ratio(Decimal(sold[0]), Decimal(released[0])),
            "area": _ratio(sold[1], released[1]),
            "amount": _ratio(sold[2], released[2]),
            "sold": Decimal(sold[0]),
            "released": Decimal(released[0]),
        },
        matched=matched,
        total=len(units),
        fingerprint=building.fingerprint,
    )


def unit_detail(session: Session, viewer: User, unit_id: int, zone: str = DEFAULT_ZONE) -> dict:
    """A unit's panel: areas, layout with its plan, prices, status and both histories (times
    in `zone`)."""
    authz.require(viewer, "inventory.view")
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("房间不存在。", "No such unit.")
    if not authz.scope(viewer).allows_project(unit.project_id):
        raise PermissionDenied("inventory.view")
    layout = session.get(Layout, unit.layout_id) if unit.layout_id else None
    building = session.get(Building, unit.building_id)
    project = session.get(Project, unit.project_id)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    statuses = [
        {
            "at": local(c.at, zone),
            "from": STATUS_LABELS.get(c.from_status, c.from_status),
            "to": STATUS_LABELS.get(c.to_status, c.to_status),
            "user": names.get(c.user_id, ""),
            "note": c.note,
        }
        for c in session.scalars(
            select(UnitStatusChange)
            .where(UnitStatusChange.unit_id == unit.id)
            .order_by(UnitStatusChange.at.desc(), UnitStatusChange.id.desc())
            .limit(50)
        )
    ]
    prices = [
        {
            "at": local(p.at, zone),
            "old_unit_price": p.old_list_unit_price,
            "new_unit_price": p.new_list_unit_price,
            "old_total": p.old_list_total,
            "new_total": p.new_list_total,
            "old_floor_price": p.old_floor_unit_price,
            "new_floor_price": p.new_floor_unit_price,
            "user": names.get(p.user_id, ""),
            "reason": p.reason,
            "batch": p.batch,
        }
        for p in session.scalars(
            select(PriceChange)
            .where(PriceChange.unit_id == unit.id)
            .order_by(PriceChange.at.desc(), PriceChange.id.desc())
            .limit(50)
        )
    ]
    batch = session.get(ReleaseBatch, unit.release_batch_id) if unit.release_batch_id else None
    return {
        "id": unit.id,
        "code": unit.code,
        "project": project.name if project else "",
        "project_id": unit.project_id,
        "building": building.name if building else "",
        "building_id": unit.building_id,
        "section": unit.section,
        "floor": unit.floor,
        "position": unit.position,
        "status": unit.status.value,
        "status_label": STATUS_LABELS[unit.status],
        "virtual_sold": unit.virtual_sold,
        "release_batch": batch.name if batch else "",
        "gross_area": unit.gross_area,
        "internal_area": unit.internal_area,
        "shared_area": unit.shared_area,
        "measured_gross_area": unit.measured_gross_area,
        "orientation": unit.orientation,
        "use": unit.use,
        "decoration": unit.decoration,
        "pricing_basis": unit.pricing_basis.value,
        "list_unit_price": unit.list_unit_price,
        "list_total": unit.list_total,
        "floor_unit_price": unit.floor_unit_price,
        "floor_total": unit.floor_total,
        "layout": layout.name if layout else "",
        "layout_rooms": f"{layout.rooms}室{layout.halls}厅{layout.baths}卫" if layout else "",
        "layout_id": layout.id if layout else None,
        "plan_image": layout.plan_image if layout else None,
        "status_history": statuses,
        "price_history": prices,
        "updated_at": unit.updated_at,
    }


def units_frame(
    session: Session, viewer: User, building_id: int, *, orientation_labels=None, use_labels=None
) -> pd.DataFrame:
    """Every unit of a building, one row each, for the unit editor and the pricing screens."""
    building = _building(session, viewer, building_id)
    layouts = dict(
        session.execute(
            select(Layout.id, Layout.name).where(Layout.project_id == building.project_id)
        ).all()
    )
    orientation_labels = orientation_labels or {}
    use_labels = use_labels or {}
    rows = []
    for u in session.scalars(
        select(Unit)
        .where(Unit.building_id == building_id)
        .order_by(Unit.floor, Unit.section, Unit.position)
    ):
        rows.append(
            {
                "id": u.id,
                "code": u.code,
                "section": u.section,
                "floor": u.floor,
                "position": u.position,
                "layout_id": u.layout_id,
                "layout": layouts.get(u.layout_id, ""),
                "orientation": u.orientation,
                "orientation_label": orientation_labels.get(u.orientation, u.orientation),
                "use": u.use,
                "use_label": use_labels.get(u.use, u.use),
                "decoration": u.decoration,
                "gross_area": u.gross_area,
                "internal_area": u.internal_area,
                "shared_area": u.shared_area,
                "list_unit_price": u.list_unit_price,
                "list_total": u.list_total,
                "floor_unit_price": u.floor_unit_price,
                "floor_total": u.floor_total,
                "status": u.status.value,
                "status_label": STATUS_LABELS[u.status],
                "virtual_sold": "是" if u.virtual_sold else "",
            }
        )
    columns = [
        "id",
        "code",
        "section",
        "floor",
        "position",
        "layout_id",
        "layout",
        "orientation",
        "orientation_label",
        "use",
        "use_label",
        "decoration",
        "gross_area",
        "internal_area",
        "shared_area",
        "list_unit_price",
        "list_total",
        "floor_unit_price",
        "floor_total",
        "status",
        "status_label",
        "virtual_sold",
    ]
    return pd.DataFrame(rows, columns=columns)
