"""面积补差 list: the live contracted deals of measured units, what the rule settles for each
and whether its settlement receivable was generated (and paid)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .. import authz
from ..commands.settlement import EVENT, area_text, compute, measured_area, settled_area
from ..models import (
    Customer,
    Deal,
    DealEvent,
    DealStage,
    DealState,
    PricingBasis,
    Project,
    Receivable,
    ReceivableKind,
    Unit,
    User,
)
from ..rules.money import money

BASIS_LABELS = {
    PricingBasis.GROSS: "按建筑面积",
    PricingBasis.INTERNAL: "按套内面积",
    PricingBasis.UNIT: "按套",
}
NOT_SETTLED = "未补差"
GENERATED = "已生成"
CHANGED = "实测面积已变更"
NO_SETTLEMENT = "无需补差"
YES = "是"

COLUMNS = [
    "id",
    "project",
    "unit",
    "owner",
    "basis",
    "contract_area",
    "measured_area",
    "error_pct",
    "unit_price",
    "within_amount",
    "beyond_amount",
    "amount",
    "developer_borne",
    "may_cancel",
    "may_cancel_internal",
    "state",
    "receivable_amount",
    "receivable_paid",
    "due_on",
]


def _project(viewer: User, project_id: int | None) -> int | None:
    if project_id is not None and not authz.scope(viewer).allows_project(int(project_id)):
        return -1  # a project outside the viewer's scope: nothing
    return int(project_id) if project_id is not None else None


def settlement_frame(session: Session, viewer: User, project_id: int | None) -> pd.DataFrame:
    """One row per live contracted deal whose unit has a measured area, in the viewer's
    projects (`project_id` None: all of them). Amounts are exact Decimals: positive the buyer
    pays, negative the developer refunds."""
    authz.require(viewer, "finance.view")
    project_id = _project(viewer, project_id)
    query = (
        select(Deal, Unit, Customer.name, Project.name)
        .join(Unit, Unit.id == Deal.unit_id)
        .join(Customer, Customer.id == Deal.customer_id)
        .join(Project, Project.id == Deal.project_id)
        .where(
            Deal.state == DealState.LIVE,
            Deal.stage == DealStage.CONTRACTED,
            or_(Unit.measured_gross_area.is_not(None), Unit.measured_internal_area.is_not(None)),
        )
        .order_by(Project.name, Unit.code)
    )
    query = authz.restrict(query, viewer, Deal.project_id)
    if project_id is not None:
        query = query.where(Deal.project_id == project_id)
    found = session.execute(query).all()
    deal_ids = [deal.id for deal, *_ in found]
    lines, events = _settlements(session, deal_ids)
    rows = []
    for deal, unit, owner, project in found:
        result = compute(deal, unit)
        line = lines.get(deal.id)
        row = dict.fromkeys(COLUMNS)
        row.update(
            id=deal.id,
            project=project,
            unit=unit.code,
            owner=owner,
            basis=BASIS_LABELS.get(unit.pricing_basis, ""),
            contract_area=deal.area,
            unit_price=deal.deal_unit_price,
            may_cancel="",
            may_cancel_internal="",
        )
        if unit.pricing_basis == PricingBasis.UNIT or result is None:
            # 按套: nothing to settle; otherwise the basis's measured area is still missing.
            per_unit = unit.pricing_basis == PricingBasis.UNIT
            row["measured_area"] = measured_area(unit) or unit.measured_gross_area
            row["state"] = NO_SETTLEMENT if per_unit else NOT_SETTLED
            rows.append(row)
            continue
        row.update(
            measured_area=result.measured_area,
            error_pct=money(result.error_ratio * 100, 2),
            within_amount=result.within_amount,
            beyond_amount=result.beyond_amount,
            amount=result.amount,
            developer_borne=result.developer_borne_amount,
            may_cancel=YES if result.beyond_area != 0 else "",
            may_cancel_internal=YES if result.internal_area_beyond_tolerance else "",
        )
        if line is None:
            row["state"] = NOT_SETTLED
        else:
            same = settled_area(events.get(deal.id)) == area_text(result.measured_area)
            row.update(
                state=GENERATED if same else CHANGED,
                receivable_amount=line.amount,
                receivable_paid=line.paid,
                due_on=line.due_on,
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def _settlements(
    session: Session, deal_ids: list[int]
) -> tuple[dict[int, Receivable], dict[int, dict]]:
    """Each deal's live settlement receivable and the details of its latest settlement event."""
    lines: dict[int, Receivable] = {}
    events: dict[int, dict] = {}
    for start in range(0, len(deal_ids), 1000):
        chunk = deal_ids[start : start + 1000]
        for row in session.scalars(
            select(Receivable)
            .where(
                Receivable.deal_id.in_(chunk),
                Receivable.kind == ReceivableKind.SETTLEMENT,
                Receivable.cancelled.is_(False),
            )
            .order_by(Receivable.seq)
        ):
            lines[row.deal_id] = row
        for deal_id, details in session.execute(
            select(DealEvent.deal_id, DealEvent.details)
            .where(DealEvent.deal_id.in_(chunk), DealEvent.kind == EVENT)
            .order_by(DealEvent.id)
        ):
            events[deal_id] = dict(details or {})
    return lines, events


def summary(frame: pd.DataFrame) -> dict:
    """The cards: units measured, what the buyers pay, what is refunded (a positive total),
    deals whose buyer may cancel (gross or 套内 beyond ±3%)."""
    amounts = [a for a in frame["amount"] if a is not None and not pd.isna(a)] if len(frame) else []
    cancel = (
        int(((frame["may_cancel"] == YES) | (frame["may_cancel_internal"] == YES)).sum())
        if len(frame)
        else 0
    )
    return {
        "measured": len(frame),
        "buyers_pay": sum((a for a in amounts if a > 0), Decimal("0.00")),
        "refunds": -sum((a for a in amounts if a < 0), Decimal("0.00")),
        "may_cancel": cancel,
    }
