"""Price reads: a unit's price history, weekly average list and deal prices per m² of a
building or a project with the adjustment events, and the adjustments awaiting approval."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import authz, localtime
from ..errors import NotFound, PermissionDenied
from ..localtime import DEFAULT_ZONE, local, local_text
from ..models import (
    AdjustmentStatus,
    Building,
    Deal,
    DealState,
    PriceAdjustment,
    PriceAdjustmentItem,
    PriceChange,
    Project,
    Unit,
    User,
)
from ..rules.money import money

METHOD_LABELS = {
    "percent": "按比例",
    "amount": "按每平米金额",
    "rule": "按定价规则",
    "direct": "逐套定价",
}
STATUS_LABELS = {
    "pending": "待审批",
    "approved": "已批准",
    "rejected": "已驳回",
    "applied": "已生效",
}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def unit_history(
    session: Session, viewer: User, unit_id: int, zone: str = DEFAULT_ZONE
) -> pd.DataFrame:
    """Every list/floor price a unit had, oldest first (who, when in `zone`, why, old, new)."""
    authz.require(viewer, "inventory.view")
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("房间不存在。", "No such unit.")
    if not authz.scope(viewer).allows_project(unit.project_id):
        raise PermissionDenied("inventory.view")
    names = dict(session.execute(select(User.id, User.display_name)).all())
    rows = [
        {
            "at": local(p.at, zone),
            "code": unit.code,
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
            .where(PriceChange.unit_id == unit_id)
            .order_by(PriceChange.at, PriceChange.id)
        )
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "at",
            "code",
            "old_unit_price",
            "new_unit_price",
            "old_total",
            "new_total",
            "old_floor_price",
            "new_floor_price",
            "user",
            "reason",
            "batch",
        ],
    )


def weekly_prices(
    session: Session,
    viewer: User,
    *,
    project_id: int | None = None,
    building_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    zone: str = DEFAULT_ZONE,
) -> pd.DataFrame:
    """Per week (Monday, in `zone`): the average list price per m² of the units as they were
    priced at the end of that week (area-weighted: Σ list total ÷ Σ area), and the average deal
    price per m² of the deals subscribed that week (Σ deal total ÷ Σ area). Exact Decimals."""
    authz.require(viewer, "inventory.view")
    scope = authz.scope(viewer)
    if building_id:
        building = session.get(Building, building_id)
        if building is None:
            raise NotFound("楼栋不存在。", "No such building.")
        project_id = building.project_id
    if project_id and not scope.allows_project(project_id):
        raise PermissionDenied("inventory.view")
    unit_query = select(Unit.id, Unit.gross_area)
    if building_id:
        unit_query = unit_query.where(Unit.building_id == building_id)
    elif project_id:
        unit_query = unit_query.where(Unit.project_id == project_id)
    else:
        unit_query = authz.restrict(unit_query, viewer, Unit.project_id)
    areas = dict(session.execute(unit_query).all())
    if not areas:
        return pd.DataFrame(columns=["week", "list_price", "deal_price", "deals"])
    changes = [
        (unit_id, local(at, zone), total)
        for unit_id, at, total in session.execute(
            select(PriceChange.unit_id, PriceChange.at, PriceChange.new_list_total)
            .join(Unit, Unit.id == PriceChange.unit_id)
            .where(Unit.id.in_(select(unit_query.subquery().c.id)))
            .order_by(PriceChange.at, PriceChange.id)
        )
    ]
    deals = session.execute(
        select(Deal.subscribed_on, Deal.deal_total, Deal.area).where(
            Deal.unit_id.in_(select(unit_query.subquery().c.id)),
            Deal.subscribed_on.is_not(None),
            Deal.deal_total.is_not(None),
            Deal.state.not_in([DealState.CANCELLED]),
        )
    ).all()
    days = [localtime.local(at).date() for _unit, at, _total in changes]
    days += [d.subscribed_on for d in deals]
    if not days:
        return pd.DataFrame(columns=["week", "list_price", "deal_price", "deals"])
    first = _monday(start or min(days))
    last = _monday(end or max(max(days), localtime.today()))
    deal_sums: dict[date, list] = defaultdict(lambda: [Decimal("0"), Decimal("0"), 0])
    for day, total, area in deals:
        if area:
            bucket = deal_sums[_monday(day)]
            bucket[0] += total
            bucket[1] += area
            bucket[2] += 1
    rows = []
    current: dict[int, Decimal] = {}
    index = 0
    week = first
    while week <= last:
        week_end = localtime.day_start_utc(week + timedelta(days=7))  # stored moments are UTC
        while index < len(changes) and changes[index][1] < week_end:
            unit_id, _, total = changes[index]
            if total is None:
                current.pop(unit_id, None)
            else:
                current[unit_id] = total
            index += 1
        priced_area = sum((areas[u] for u in current), Decimal("0"))
        list_price = (
            money(sum(current.values(), Decimal("0")) / priced_area) if priced_area else None
        )
        total, area, count = deal_sums.get(week, (Decimal("0"), Decimal("0"), 0))
        rows.append(
            {
                "week": week,
                "list_price": list_price,
                "deal_price": money(total / area) if area else None,
                "deals": count,
            }
        )
        week += timedelta(days=7)
    return pd.DataFrame(rows, columns=["week", "list_price", "deal_price", "deals"])


def adjustment_events(
    session: Session,
    viewer: User,
    *,
    project_id: int | None = None,
    building_id: int | None = None,
    zone: str = DEFAULT_ZONE,
) -> pd.DataFrame:
    """Adjustments that took effect (for marking the price chart)."""
    authz.require(viewer, "inventory.view")
    query = select(PriceAdjustment).where(
        PriceAdjustment.status.in_([AdjustmentStatus.APPLIED, AdjustmentStatus.APPROVED])
    )
    query = authz.restrict(query, viewer, PriceAdjustment.project_id)
    if building_id:
        query = query.where(PriceAdjustment.building_id == building_id)
    elif project_id:
        query = query.where(PriceAdjustment.project_id == project_id)
    rows = [
        {
            "at": local(a.decided_at or a.requested_at, zone),
            "code": a.code,
            "scope": a.scope,
            "method": METHOD_LABELS.get(a.method.value, a.method.value),
            "value": a.value,
            "reason": a.reason,
            "change": money(a.new_total - a.old_total),
        }
        for a in session.scalars(query.order_by(PriceAdjustment.requested_at))
    ]
    return pd.DataFrame(
        rows, columns=["at", "code", "scope", "method", "value", "reason", "change"]
    )


def adjustments_frame(
    session: Session,
    viewer: User,
    *,
    project_id: int | None = None,
    status: str | None = None,
    zone: str = DEFAULT_ZONE,
) -> pd.DataFrame:
    authz.require(viewer, "inventory.view")
    query = authz.restrict(
        select(PriceAdjustment).order_by(PriceAdjustment.requested_at.desc()).limit(500),
        viewer,
        PriceAdjustment.project_id,
    )
    if project_id:
        query = query.where(PriceAdjustment.project_id == project_id)
    if status:
        query = query.where(PriceAdjustment.status == status)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    projects = dict(session.execute(select(Project.id, Project.name)).all())
    rows = [
        {
            "id": a.id,
            "code": a.code,
            "project": projects.get(a.project_id, ""),
            "scope": a.scope,
            "method": METHOD_LABELS.get(a.method.value, a.method.value),
            "value": a.value,
            "units": a.unit_count,
            "old_total": a.old_total,
            "new_total": a.new_total,
            "difference": a.new_total - a.old_total,
            "max_change_pct": money(a.max_change * 100, 2),
            "reason": a.reason,
            "status": a.status.value,
            "status_label": STATUS_LABELS[a.status.value],
            "requested_by": names.get(a.requested_by, ""),
            "requested_by_id": a.requested_by,
            "requested_at": local_text(a.requested_at, zone),
            "decided_by": names.get(a.decided_by, "") if a.decided_by else "",
            "decided_at": local_text(a.decided_at, zone),
            "decision_note": a.decision_note,
        }
        for a in session.scalars(query)
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "code",
            "project",
            "scope",
            "method",
            "value",
            "units",
            "old_total",
            "new_total",
            "difference",
            "max_change_pct",
            "reason",
            "status",
            "status_label",
            "requested_by",
            "requested_by_id",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ],
    )


def adjustment_items(session: Session, viewer: User, adjustment_id: int) -> pd.DataFrame:
    authz.require(viewer, "inventory.view")
    adjustment = session.get(PriceAdjustment, adjustment_id)
    if adjustment is None:
        raise NotFound("调价单不存在。", "No such adjustment.")
    if not authz.scope(viewer).allows_project(adjustment.project_id):
        raise PermissionDenied("inventory.view")
    rows = [
        {
            "code": code,
            "floor": floor,
            "old_unit_price": i.old_list_unit_price,
            "new_unit_price": i.new_list_unit_price,
            "old_total": i.old_list_total,
            "new_total": i.new_list_total,
            "difference": (i.new_list_total or 0) - (i.old_list_total or 0),
            "old_floor_price": i.old_floor_unit_price,
            "new_floor_price": i.new_floor_unit_price,
        }
        for i, code, floor in session.execute(
            select(PriceAdjustmentItem, Unit.code, Unit.floor)
            .join(Unit, Unit.id == PriceAdjustmentItem.unit_id)
            .where(PriceAdjustmentItem.adjustment_id == adjustment_id)
            .order_by(Unit.floor, Unit.code)
        )
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "code",
            "floor",
            "old_unit_price",
            "new_unit_price",
            "old_total",
            "new_total",
            "difference",
            "old_floor_price",
            "new_floor_price",
        ],
    )


def pending_count(session: Session, viewer: User, project_id: int | None = None) -> int:
    if not authz.has(viewer, "pricing.approve"):
        return 0
    frame = adjustments_frame(session, viewer, project_id=project_id, status="pending")
    return len(frame)
