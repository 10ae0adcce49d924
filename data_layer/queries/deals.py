"""Reads for the deal screens: units to sell, a unit's deal panel, deal lists, a deal's history
and the approval queue, each scoped to the viewer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from .. import authz
from ..commands.deals import STAGE_LABELS, is_stale, pending_approval
from ..localtime import DEFAULT_ZONE, local_text
from ..models import (
    ApprovalStatus,
    Building,
    Customer,
    Deal,
    DealApproval,
    DealEvent,
    DealState,
    PaymentPlan,
    Project,
    Receipt,
    Receivable,
    Unit,
    UnitStatus,
    User,
)
from ..rules import mobile as mobile_rules
from .base import code_options  # noqa: F401 - deals screens read it from here

UNIT_STATUS_LABELS = {
    UnitStatus.UNRELEASED: "未放盘",
    UnitStatus.AVAILABLE: "待售",
    UnitStatus.RESERVED: "预留",
    UnitStatus.HELD: "临定",
    UnitStatus.SUBSCRIBED: "认购",
    UnitStatus.CONTRACTED: "签约",
    UnitStatus.NOT_FOR_SALE: "不可售",
}
STATE_LABELS = {
    DealState.LIVE: "在途",
    DealState.EXPIRED: "已过期",
    DealState.CANCELLED: "已退房",
    DealState.FORFEITED: "已挞定",
    DealState.SWAPPED: "已换房",
}
CONTRACT_LABELS = {"none": "未签约", "signed": "已签约", "audited": "已审核", "filed": "已备案"}
APPROVAL_LABELS = {
    "discount": "额外优惠",
    "forfeit": "挞定",
    "cancel": "退房",
    "swap": "换房",
    "rename": "更名",
    "settlement": "面积补差",  # data_layer/commands/settlement.py
}
APPROVAL_STATUS_LABELS = {
    "pending": "待审批",
    "approved": "已批准",
    "rejected": "已驳回",
    "withdrawn": "已撤回",
}
EVENT_LABELS = {
    "reserve": "预留",
    "hold": "临定",
    "subscribe": "认购",
    "discount_approved": "额外优惠",
    "sign": "签约",
    "contract_audit": "合同审核",
    "contract_file": "合同备案",
    "contract_unfile": "撤销合同备案",
    "expire": "到期释放",
    "fee": "税费应收",
    "swap": "换房",
    "swap_out": "换房（换出）",
    "swap_in": "换房（换入）",
    "refund_adjust": "退款调整",
    "rename": "更名",
}


def _project_filter(viewer: User, project_id: int | None) -> int | None:
    if project_id is not None and not authz.scope(viewer).allows_project(project_id):
        return None
    return project_id


def projects(session: Session, viewer: User) -> list[dict]:
    query = select(Project).where(Project.active.is_(True)).order_by(Project.code)
    scope = authz.scope(viewer)
    if scope.project_ids is not None:
        query = query.where(Project.id.in_(scope.project_ids))
    return [{"label": p.name, "value": p.id} for p in session.scalars(query)]


def building_options(session: Session, viewer: User, project_id: int | None) -> list[dict]:
    query = select(Building, Project.name).join(Project, Project.id == Building.project_id)
    query = authz.restrict(query, viewer, Building.project_id)
    if project_id:
        query = query.where(Building.project_id == project_id)
    return [
        {"label": f"{pname} {b.name}", "value": b.id}
        for b, pname in session.execute(query.order_by(Project.code, Building.code))
    ]


def customer_options(session: Session, viewer: User, project_id: int | None) -> list[dict]:
    if not project_id:
        return []
    query = select(Customer).where(Customer.project_id == project_id)
    query = authz.restrict(query, viewer, Customer.project_id, Customer.consultant_id)
    show = authz.sees_personal_data(viewer)
    return [
        {
            "label": f"{c.name} {c.mobile if show else mobile_rules.mask(c.mobile)}",
            "value": c.id,
        }
        for c in session.scalars(query.order_by(Customer.name).limit(2000))
    ]


def plan_options(session: Session, project_id: int | None) -> list[dict]:
    if not project_id:
        return []
    plans = session.scalars(
        select(PaymentPlan)
        .where(PaymentPlan.project_id == project_id, PaymentPlan.active.is_(True))
        .order_by(PaymentPlan.name)
    )
    return [{"label": p.name, "value": p.id} for p in plans]


def deal_project(session: Session, viewer: User, deal_id) -> int | None:
    """The project of a deal the viewer may see, else None."""
    try:
        deal = session.get(Deal, int(deal_id)) if deal_id else None
    except (TypeError, ValueError):
        return None
    if deal is None or not authz.scope(viewer).allows_project(deal.project_id):
        return None
    return deal.project_id


def available_unit_options(session: Session, viewer: User, project_id: int | None) -> list[dict]:
    """Units for sale in a project (targets of a 换房)."""
    if not project_id or not authz.scope(viewer).allows_project(project_id):
        return []
    units = session.scalars(
        select(Unit)
        .where(Unit.project_id == project_id, Unit.status == UnitStatus.AVAILABLE)
        .order_by(Unit.code)
        .limit(3000)
    )
    return [{"label": u.code, "value": u.id} for u in units]


def units_frame(
    session: Session, viewer: User, building_id: int | None, today: date
) -> pd.DataFrame:
    """A building's units with their effective status: a reservation or hold past its date
    shows as 待售 (it is released before any new deal)."""
    authz.require(viewer, "deal.view")
    columns = [
        "id",
        "code",
        "floor",
        "position",
        "area",
        "list_total",
        "status",
        "status_label",
        "holder",
    ]
    if not building_id:
        return pd.DataFrame(columns=columns)
    building = session.get(Building, building_id)
    if building is None or not authz.scope(viewer).allows_project(building.project_id):
        return pd.DataFrame(columns=columns)
    live = aliased(Deal)
    rows = session.execute(
        select(Unit, live, Customer.name)
        .outerjoin(live, live.live_unit_id == Unit.id)
        .outerjoin(Customer, Customer.id == live.customer_id)
        .where(Unit.building_id == building_id)
        .order_by(Unit.floor.desc(), Unit.position)
    ).all()
    out = []
    for unit, deal, customer in rows:
        status = unit.status
        holder = customer or ""
        if deal is not None and is_stale(deal, today):
            status, holder = UnitStatus.AVAILABLE, ""
        out.append(
            {
                "id": unit.id,
                "code": unit.code,
                "floor": unit.floor,
                "position": unit.position,
                "area": unit.gross_area,
                "list_total": unit.list_total,
                "status": status.value,
                "status_label": UNIT_STATUS_LABELS[status],
                "holder": holder,
            }
        )
    return pd.DataFrame(out, columns=columns)


@dataclass
class UnitPanel:
    unit_id: int
    project_id: int
    code: str
    status: UnitStatus
    status_label: str
    area: Decimal
    list_total: Decimal | None
    floor_total: Decimal | None
    deal_id: int | None = None
    stage_label: str = ""
    customer: str = ""
    customer_id: int | None = None
    consultant: str = ""
    stale: bool = False
    until: date | None = None
    actions: list[str] = field(default_factory=list)


def unit_panel(session: Session, viewer: User, unit_id: int, today: date) -> UnitPanel | None:
    """What the deal panel of a unit shows and which actions the viewer may take there."""
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None or not authz.scope(viewer).allows_project(unit.project_id):
        return None
    deal = session.scalar(select(Deal).where(Deal.live_unit_id == unit.id))
    panel = UnitPanel(
        unit_id=unit.id,
        project_id=unit.project_id,
        code=unit.code,
        status=unit.status,
        status_label=UNIT_STATUS_LABELS[unit.status],
        area=unit.gross_area,
        list_total=unit.list_total,
        floor_total=unit.floor_total if authz.has(viewer, "deal.approve") else None,
    )
    if deal is not None:
        stale = is_stale(deal, today)
        customer = session.get(Customer, deal.customer_id)
        consultant = session.get(User, deal.consultant_id)
        panel.deal_id = deal.id
        panel.stage_label = STAGE_LABELS[deal.stage][0]
        panel.customer = customer.name if customer else ""
        panel.customer_id = deal.customer_id
        panel.consultant = consultant.display_name if consultant else ""
        panel.stale = stale
        panel.until = deal.reserved_until or deal.held_until
        if stale:
            panel.status, panel.status_label = (
                UnitStatus.AVAILABLE,
                UNIT_STATUS_LABELS[UnitStatus.AVAILABLE],
            )
    can_create = authz.has(viewer, "deal.create")
    if can_create and panel.status == UnitStatus.AVAILABLE:
        panel.actions = ["reserve", "hold", "subscribe", "sign"]
    elif can_create and deal is not None and not panel.stale:
        own = authz.scope(viewer).consultant_ids
        if own is None or deal.consultant_id in own:
            if deal.stage.value == "reserved":
                panel.actions = ["hold", "subscribe", "sign", "release"]
            elif deal.stage.value == "held":
                panel.actions = ["subscribe", "sign", "release"]
            elif deal.stage.value == "subscribed":
                panel.actions = ["sign_deal"]
    return panel


def deals_frame(
    session: Session,
    viewer: User,
    project_id: int | None,
    *,
    state: str | None = None,
    contracted_only: bool = False,
    limit: int = 5000,
) -> pd.DataFrame:
    authz.require(viewer, "deal.view")
    project_id = _project_filter(viewer, project_id)
    query = (
        select(Deal, Unit.code, Customer.name, Customer.mobile, User.display_name, Project.name)
        .join(Unit, Unit.id == Deal.unit_id)
        .join(Customer, Customer.id == Deal.customer_id)
        .join(User, User.id == Deal.consultant_id)
        .join(Project, Project.id == Deal.project_id)
    )
    query = authz.restrict(query, viewer, Deal.project_id, Deal.consultant_id)
    if project_id:
        query = query.where(Deal.project_id == project_id)
    if state:
        query = query.where(Deal.state == DealState(state))
    if contracted_only:
        query = query.where(Deal.contract_no.is_not(None))
    show = authz.sees_personal_data(viewer)
    rows = []
    for deal, code, name, mobile, consultant, project in session.execute(
        query.order_by(Deal.id.desc()).limit(limit)
    ):
        rows.append(
            {
                "id": deal.id,
                "project": project,
                "unit": code,
                "customer": name,
                "mobile": mobile if show else mobile_rules.mask(mobile),
                "consultant": consultant,
                "stage": STAGE_LABELS[deal.stage][0],
                "state": STATE_LABELS[deal.state],
                "list_total": deal.list_total,
                "discount_rate": deal.discount_rate,
                "extra_discount": deal.extra_discount,
                "deal_total": deal.deal_total,
                "deposit": deal.deposit,
                "subscribed_on": deal.subscribed_on,
                "contract_no": deal.contract_no or "",
                "contracted_on": deal.contracted_on,
                "contract_status": CONTRACT_LABELS[deal.contract_status.value],
                "until": deal.reserved_until or deal.held_until,
            }
        )
    columns = [
        "id",
        "project",
        "unit",
        "customer",
        "mobile",
        "consultant",
        "stage",
        "state",
        "list_total",
        "discount_rate",
        "extra_discount",
        "deal_total",
        "deposit",
        "subscribed_on",
        "contract_no",
        "contracted_on",
        "contract_status",
        "until",
    ]
    return pd.DataFrame(rows, columns=columns)


@dataclass
class DealDetail:
    deal: Deal
    unit_code: str
    customer: str
    consultant: str
    events: list[dict]
    receivables: list[dict]
    receipts: list[dict]
    pending: DealApproval | None


def deal_detail(
    session: Session, viewer: User, deal_id: int, zone: str = DEFAULT_ZONE
) -> DealDetail | None:
    """One deal with its history (times in `zone`), receivables, receipts and pending change."""
    deal = session.get(Deal, deal_id) if deal_id else None
    if deal is None or (
        not authz.has(viewer, "deal.view") and not authz.has(viewer, "finance.view")
    ):
        return None
    scope = authz.scope(viewer)
    if not scope.allows_project(deal.project_id):
        return None
    if scope.consultant_ids is not None and deal.consultant_id not in scope.consultant_ids:
        return None
    users = {u.id: u.display_name for u in session.scalars(select(User))}
    events = [
        {
            "at": local_text(e.at, zone),
            "kind": event_label(e.kind),
            "user": users.get(e.user_id, "系统"),
            "details": _details(e.details),
        }
        for e in session.scalars(
            select(DealEvent).where(DealEvent.deal_id == deal.id).order_by(DealEvent.id)
        )
    ]
    receivables = [
        {
            "id": r.id,
            "seq": r.seq,
            "kind": r.kind.value,
            "payer": r.payer,
            "due_on": r.due_on,
            "amount": r.amount,
            "paid": r.paid,
            "open": (r.amount - r.paid) if not r.cancelled else Decimal("0"),
            "cancelled": r.cancelled,
        }
        for r in session.scalars(
            select(Receivable).where(Receivable.deal_id == deal.id).order_by(Receivable.seq)
        )
    ]
    receipts = []
    if authz.has(viewer, "finance.view") or authz.has(viewer, "deal.view"):
        receipts = [
            {
                "id": r.id,
                "number": r.number,
                "received_on": r.received_on,
                "amount": r.amount,
                "method": r.method,
                "status": r.status.value,
            }
            for r in session.scalars(
                select(Receipt).where(Receipt.deal_id == deal.id).order_by(Receipt.id)
            )
        ]
    customer = session.get(Customer, deal.customer_id)
    return DealDetail(
        deal=deal,
        unit_code=session.get(Unit, deal.unit_id).code,
        customer=customer.name if customer else "",
        consultant=users.get(deal.consultant_id, ""),
        events=events,
        receivables=receivables,
        receipts=receipts,
        pending=pending_approval(session, deal.id),
    )


def event_label(kind: str) -> str:
    """A deal event's kind as shown in a deal's history (Chinese; English via the locale)."""
    return EVENT_LABELS.get(kind) or _event_label(kind)


def _event_label(kind: str) -> str:
    verb, _, what = kind.partition("_")
    label = APPROVAL_LABELS.get(what, what)
    return {"request": f"申请{label}", "approve": f"批准{label}", "reject": f"驳回{label}"}.get(
        verb, kind
    )


def _details(details: dict | None) -> str:
    if not details:
        return ""
    parts = []
    for key, value in details.items():
        if isinstance(value, dict):
            continue
        parts.append(f"{key}={value}")
    return "；".join(parts)


def approvals_frame(
    session: Session,
    viewer: User,
    project_id: int | None,
    status: str | None = "pending",
    zone: str = DEFAULT_ZONE,
) -> pd.DataFrame:
    authz.require(viewer, "deal.view")
    project_id = _project_filter(viewer, project_id)
    requester = aliased(User)
    query = (
        select(DealApproval, Unit.code, Customer.name, requester.display_name, Deal.consultant_id)
        .join(Deal, Deal.id == DealApproval.deal_id)
        .join(Unit, Unit.id == Deal.unit_id)
        .join(Customer, Customer.id == Deal.customer_id)
        .outerjoin(requester, requester.id == DealApproval.requested_by)
    )
    query = authz.restrict(query, viewer, DealApproval.project_id, Deal.consultant_id)
    if project_id:
        query = query.where(DealApproval.project_id == project_id)
    if status:
        query = query.where(DealApproval.status == ApprovalStatus(status))
    rows = []
    for a, code, customer, who, _consultant in session.execute(
        query.order_by(DealApproval.id.desc()).limit(2000)
    ):
        payload = a.payload or {}
        what = {
            "discount": f"额外优惠 ¥{payload.get('extra_discount', '')}",
            "forfeit": payload.get("reason_label", ""),
            "cancel": "开发商原因（双倍返还定金）" if payload.get("developer_fault") else "",
            "swap": f"换至 {payload.get('new_unit_code', '')}"
            + (f"，新合同 {payload['contract_no']}" if payload.get("contract_no") else ""),
            "rename": f"更名为 {payload.get('new_customer_name', '')}",
        }[a.kind.value]
        rows.append(
            {
                "id": a.id,
                "deal_id": a.deal_id,
                "unit": code,
                "customer": customer,
                "kind": APPROVAL_LABELS[a.kind.value],
                "what": what,
                "reason": a.reason,
                "requested_by": who or "",
                "created_at": local_text(a.created_at, zone),
                "status": APPROVAL_STATUS_LABELS[a.status.value],
                "decision_note": a.decision_note,
            }
        )
    columns = [
        "id",
        "deal_id",
        "unit",
        "customer",
        "kind",
        "what",
        "reason",
        "requested_by",
        "created_at",
        "status",
        "decision_note",
    ]
    return pd.DataFrame(rows, columns=columns)
