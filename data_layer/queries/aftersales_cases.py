"""The work lists of 按揭办理 and 产权办理, their status counts and one case's detail.

按揭办理 lists the live contracted deals on a mortgage plan, 产权办理 the live contracted deals
paid in full; a deal that already has a case stays listed (its history is the record). A deal
without a case is 待办 (pending) since its contract date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from .. import authz, localtime
from ..commands.aftersales import checklist
from ..localtime import DEFAULT_ZONE
from ..models import (
    AftersalesCase,
    AftersalesDocument,
    AftersalesStep,
    CaseKind,
    CaseStatus,
    CodeItem,
    Customer,
    Deal,
    Project,
    Receivable,
    ReceivableKind,
    Unit,
    User,
)
from ..rules import aftersales as rules
from ..rules import mobile as mobile_rules
from .aftersales import in_work_list

COLUMNS = [
    "case_id",
    "deal_id",
    "project",
    "unit",
    "owner",
    "mobile",
    "contract_no",
    "contracted_on",
    "deal_total",
    "loan_amount",
    "bank",
    "certificate_no",
    "status",
    "status_label",
    "status_on",
    "documents",
    "documents_received",
    "documents_required",
    "handler",
    "days",
]


def _project_filter(viewer: User, project_id: int | None) -> int | None:
    if project_id is not None and not authz.scope(viewer).allows_project(int(project_id)):
        return None
    return int(project_id) if project_id is not None else None


def _loan_receivables():
    """Per deal, the loan the plan scheduled: its MORTGAGE and PROVIDENT receivables."""
    return (
        select(Receivable.deal_id.label("deal_id"), func.sum(Receivable.amount).label("loan"))
        .where(
            Receivable.cancelled.is_(False),
            Receivable.kind.in_((ReceivableKind.MORTGAGE, ReceivableKind.PROVIDENT)),
        )
        .group_by(Receivable.deal_id)
        .subquery("loan")
    )


def work_list(
    session: Session,
    viewer: User,
    kind: CaseKind | str,
    project_id: int | None = None,
    *,
    status: str | None = None,
    search: str | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """One row per deal of the kind's list (see the module), newest contract first; `status`
    a CaseStatus value, `search` part of the owner's name, the unit code or the contract no."""
    authz.require(viewer, "aftersales.view")
    kind = CaseKind(kind)
    today = today or localtime.today()
    project_id = _project_filter(viewer, project_id)
    case = aliased(AftersalesCase)
    handler = aliased(User)
    loan = _loan_receivables()
    query = (
        select(
            Deal.id,
            Project.name,
            Unit.code,
            Customer.name,
            Customer.mobile,
            Deal.contract_no,
            Deal.contracted_on,
            Deal.deal_total,
            loan.c.loan,
            case.id,
            case.status,
            case.status_on,
            case.bank,
            case.loan_amount,
            case.certificate_no,
            handler.display_name,
        )
        .join(Unit, Unit.id == Deal.unit_id)
        .join(Customer, Customer.id == Deal.customer_id)
        .join(Project, Project.id == Deal.project_id)
        .outerjoin(case, and_(case.deal_id == Deal.id, case.kind == kind))
        .outerjoin(handler, handler.id == case.handler_id)
        .outerjoin(loan, loan.c.deal_id == Deal.id)
    )
    query = in_work_list(query, kind, case)
    query = authz.restrict(query, viewer, Deal.project_id)
    if project_id:
        query = query.where(Deal.project_id == project_id)
    if status:
        wanted = CaseStatus(status)
        query = query.where(
            or_(case.id.is_(None), case.status == wanted)
            if wanted == CaseStatus.PENDING
            else case.status == wanted
        )
    text = (search or "").strip()
    if text:
        pattern = f"%{text}%"
        query = query.where(
            or_(
                Customer.name.like(pattern),
                Unit.code.like(pattern),
                Deal.contract_no.like(pattern),
            )
        )
    rows = session.execute(query.order_by(Deal.contracted_on.desc(), Deal.id.desc())).all()
    required = {item.code for item in checklist(session, kind)}
    received = _received_counts(session, [r[9] for r in rows if r[9] is not None], required)
    show = authz.sees_personal_data(viewer)
    records = []
    for (
        deal_id,
        project,
        unit,
        owner,
        mobile,
        contract_no,
        contracted_on,
        deal_total,
        planned_loan,
        case_id,
        case_status,
        status_on,
        bank,
        loan_amount,
        certificate_no,
        handler_name,
    ) in rows:
        current = case_status or CaseStatus.PENDING
        since = status_on if case_id is not None else contracted_on
        got = received.get(case_id, 0)
        records.append(
            {
                "case_id": case_id,
                "deal_id": deal_id,
                "project": project,
                "unit": unit,
                "owner": owner,
                "mobile": mobile if show else mobile_rules.mask(mobile or ""),
                "contract_no": contract_no or "",
                "contracted_on": contracted_on,
                "deal_total": deal_total,
                "loan_amount": loan_amount if loan_amount is not None else planned_loan,
                "bank": bank or "",
                "certificate_no": certificate_no or "",
                "status": current.value,
                "status_label": rules.STATUS_LABELS[current],
                "status_on": since,
                "documents": f"{got}/{len(required)}",
                "documents_received": got,
                "documents_required": len(required),
                "handler": handler_name or "",
                "days": (today - since).days if since is not None else None,
            }
        )
    return pd.DataFrame(records, columns=COLUMNS)


def _received_counts(session: Session, case_ids: list[int], required: set[str]) -> dict:
    """Per case, how many of the required documents are received."""
    counts: dict[int, int] = {}
    if not case_ids or not required:
        return counts
    for start in range(0, len(case_ids), 500):
        part = case_ids[start : start + 500]
        for case_id, code in session.execute(
            select(AftersalesDocument.case_id, AftersalesDocument.code).where(
                AftersalesDocument.case_id.in_(part)
            )
        ):
            if code in required:
                counts[case_id] = counts.get(case_id, 0) + 1
    return counts


def status_counts(frame: pd.DataFrame, kind: CaseKind | str) -> list[tuple[str, str, int]]:
    """(status, Chinese label, count) of a work list, in the kind's order (zeros included)."""
    kind = CaseKind(kind)
    counts = frame["status"].value_counts().to_dict() if len(frame) else {}
    return [
        (s.value, rules.STATUS_LABELS[s], int(counts.get(s.value, 0))) for s in rules.ORDER[kind]
    ]


@dataclass
class CaseDetail:
    kind: CaseKind
    deal_id: int
    case_id: int | None
    project_id: int
    status: CaseStatus
    status_on: date | None
    unit: str
    owner: str
    mobile: str
    contract_no: str
    contracted_on: date | None
    deal_total: Decimal | None
    planned_loan: Decimal | None
    bank: str
    loan_amount: Decimal | None
    certificate_no: str
    note: str
    handler: str
    documents: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)

    @property
    def next_status(self) -> CaseStatus | None:
        return rules.next_status(self.kind, self.status)

    @property
    def previous_status(self) -> CaseStatus | None:
        return rules.previous_status(self.kind, self.status)

    @property
    def finished(self) -> bool:
        return rules.is_finished(self.kind, self.status)


def case_detail(
    session: Session,
    viewer: User,
    kind: CaseKind | str,
    deal_id: int,
    zone: str = DEFAULT_ZONE,
) -> CaseDetail | None:
    """A deal's case of `kind` (pending with nothing received when there is no case yet), with
    its checklist (received dates and who ticked them) and its status history (times in
    `zone`); None when the deal does not exist or is outside the viewer's projects."""
    authz.require(viewer, "aftersales.view")
    kind = CaseKind(kind)
    handler = aliased(User)
    row = session.execute(
        select(Deal, Unit.code, Customer.name, Customer.mobile)
        .join(Unit, Unit.id == Deal.unit_id)
        .join(Customer, Customer.id == Deal.customer_id)
        .where(Deal.id == int(deal_id))
    ).first()
    if row is None or not authz.scope(viewer).allows_project(row[0].project_id):
        return None
    deal, unit, owner, mobile = row
    found = session.execute(
        select(AftersalesCase, handler.display_name)
        .outerjoin(handler, handler.id == AftersalesCase.handler_id)
        .where(AftersalesCase.kind == kind, AftersalesCase.deal_id == deal.id)
    ).first()
    case, handler_name = found if found is not None else (None, "")
    loan = _loan_receivables()
    planned = session.scalar(select(loan.c.loan).where(loan.c.deal_id == deal.id))
    show = authz.sees_personal_data(viewer)
    detail = CaseDetail(
        kind=kind,
        deal_id=deal.id,
        case_id=case.id if case else None,
        project_id=deal.project_id,
        status=case.status if case else CaseStatus.PENDING,
        status_on=case.status_on if case else deal.contracted_on,
        unit=unit,
        owner=owner,
        mobile=mobile if show else mobile_rules.mask(mobile or ""),
        contract_no=deal.contract_no or "",
        contracted_on=deal.contracted_on,
        deal_total=deal.deal_total,
        planned_loan=planned,
        bank=case.bank if case else "",
        loan_amount=case.loan_amount if case else None,
        certificate_no=case.certificate_no if case else "",
        note=case.note if case else "",
        handler=handler_name or "",
    )
    received: dict[str, tuple[date, str]] = {}
    if case is not None:
        who = aliased(User)
        for code, on, name in session.execute(
            select(AftersalesDocument.code, AftersalesDocument.received_on, who.display_name)
            .outerjoin(who, who.id == AftersalesDocument.user_id)
            .where(AftersalesDocument.case_id == case.id)
        ):
            received[code] = (on, name or "")
        for at, from_status, to_status, note, name in session.execute(
            select(
                AftersalesStep.at,
                AftersalesStep.from_status,
                AftersalesStep.to_status,
                AftersalesStep.note,
                who.display_name,
            )
            .outerjoin(who, who.id == AftersalesStep.user_id)
            .where(AftersalesStep.case_id == case.id)
            .order_by(AftersalesStep.at.desc(), AftersalesStep.id.desc())
        ):
            detail.steps.append(
                {
                    "at": localtime.local_text(at, zone),
                    "from": rules.STATUS_LABELS[from_status],
                    "to": rules.STATUS_LABELS[to_status],
                    "back": rules.ORDER[kind].index(to_status)
                    < rules.ORDER[kind].index(from_status),
                    "user": name or "",
                    "note": note or "",
                }
            )
    items = checklist(session, kind)
    active = {item.code for item in items}
    for item in items:
        on, name = received.get(item.code, (None, ""))
        detail.documents.append(
            {
                "code": item.code,
                "label": item.label,
                "label_en": item.label_en,
                "received_on": on,
                "user": name,
                "active": True,
            }
        )
    extra = [code for code in received if code not in active]
    if extra:  # ticked before the administrator retired the item: shown, not required
        labels = dict(
            session.execute(
                select(CodeItem.code, CodeItem.label).where(
                    CodeItem.category == rules.DOCUMENT_CATEGORY[kind], CodeItem.code.in_(extra)
                )
            ).all()
        )
        for code in extra:
            on, name = received[code]
            detail.documents.append(
                {
                    "code": code,
                    "label": labels.get(code, code),
                    "label_en": "",
                    "received_on": on,
                    "user": name,
                    "active": False,
                }
            )
    return detail
