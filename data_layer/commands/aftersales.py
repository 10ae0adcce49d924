"""After-sales commands (按揭办理 / 产权办理): tick the owner's documents, record the bank, the
loan and the certificate number, and move a case one step forward or back (退回).

Every command names the case by its kind and deal: the case row is created by the first action
on a deal (the deal's row is locked first, so two clerks acting at once make one case; the
UNIQUE (kind, deal_id) is the database's last word). A deal qualifies while it is a live
contracted deal; for 按揭办理 its payment plan must be a mortgage plan, for 产权办理 the price
must be paid in full."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, authz, localtime
from ..errors import DomainError, NotFound, ValidationError
from ..models import (
    AftersalesCase,
    AftersalesDocument,
    AftersalesStep,
    CaseKind,
    CaseStatus,
    CodeItem,
    Deal,
    DealStage,
    DealState,
    PaymentPlan,
    User,
)
from ..queries.aftersales import price_paid
from ..rules import aftersales as rules
from ..rules.money import to_decimal

PERMISSION = "aftersales.edit"
_DETAIL_FIELDS = ["status", "bank", "loan_amount", "certificate_no", "note", "handler_id"]


class AftersalesRefused(DomainError):
    """An after-sales action the case's state does not allow."""


class DealNotEligible(AftersalesRefused):
    """The deal is not (or no longer) one this kind of case is made for."""


class DocumentsMissing(AftersalesRefused):
    """The first step forward needs every checklist document; `missing` lists their codes."""

    def __init__(self, kind: CaseKind, labels: list[tuple[str, str, str]]):
        self.missing = [code for code, _zh, _en in labels]
        zh = "、".join(label for _c, label, _en in labels)
        en = ", ".join(en or label for _c, label, en in labels)
        step = rules.STATUS_LABELS[rules.ORDER[kind][1]]
        step_en = _STATUS_EN[rules.ORDER[kind][1]]
        super().__init__(
            f"资料未收齐，不能{step}。缺少：{zh}。",
            f"Documents are missing, cannot mark as {step_en}. Missing: {en}.",
        )


_STATUS_EN = {
    CaseStatus.PENDING: "Pending",
    CaseStatus.APPLIED: "Applied",
    CaseStatus.SUBMITTED: "Submitted",
    CaseStatus.DONE: "Done",
    CaseStatus.ISSUED: "Issued",
}
_KIND_EN = {CaseKind.MORTGAGE: "mortgage processing", CaseKind.CERTIFICATE: "property certificate"}


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str
    label_en: str


def checklist(session: Session, kind: CaseKind | str) -> list[ChecklistItem]:
    """The kind's required documents: the active items of its code-dictionary category."""
    kind = CaseKind(kind)
    rows = session.execute(
        select(CodeItem.code, CodeItem.label, CodeItem.label_en)
        .where(CodeItem.category == rules.DOCUMENT_CATEGORY[kind], CodeItem.active.is_(True))
        .order_by(CodeItem.sort, CodeItem.id)
    ).all()
    return [ChecklistItem(code, label, en or "") for code, label, en in rows]


def _today(today: date | None) -> date:
    return today or localtime.today()


def _is_paid_in_full(session: Session, deal_id: int) -> bool:
    paid = price_paid()
    row = session.execute(select(paid.c.due, paid.c.paid).where(paid.c.deal_id == deal_id)).first()
    return row is not None and row.due is not None and (row.paid or 0) >= row.due


def _check_deal(session: Session, kind: CaseKind, deal: Deal) -> None:
    if deal.stage != DealStage.CONTRACTED or deal.state != DealState.LIVE:
        raise DealNotEligible(
            "该交易不是有效的签约交易（未签约、已退房或已换房），不能办理售后业务。",
            "This deal is not a live signed contract (not signed, cancelled or swapped); "
            "after-sales work cannot be done on it.",
        )
    if kind == CaseKind.MORTGAGE:
        plan_kind = None
        if deal.plan_id is not None:
            plan_kind = session.scalar(
                select(PaymentPlan.kind).where(PaymentPlan.id == deal.plan_id)
            )
        if not rules.needs_mortgage(plan_kind):
            raise DealNotEligible(
                "该交易的付款方案不是按揭（商业贷款、公积金或组合贷款），无需办理按揭。",
                "This deal's payment plan is not a mortgage (commercial, provident fund or "
                "combined); no mortgage processing is needed.",
            )
    elif not _is_paid_in_full(session, deal.id):
        raise DealNotEligible(
            "该交易的房款尚未付清，付清后才能办理产权。",
            "The price of this deal is not paid in full yet; the property certificate can be "
            "processed once it is.",
        )


def _open_case(
    session: Session, actor: User, kind: CaseKind | str, deal_id: int, today: date
) -> tuple[AftersalesCase, bool]:
    """The deal's case of `kind` after the checks every command shares: the deal exists, the
    actor may edit its project, it qualifies. With no case yet, a new pending case that is not
    in the session: `_keep` adds it when the command writes (a refusal writes nothing)."""
    kind = CaseKind(kind)
    deal = session.execute(
        select(Deal)
        .where(Deal.id == int(deal_id))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if deal is None:
        raise NotFound("交易不存在。", "No such deal.")
    authz.require(actor, PERMISSION, project_id=deal.project_id)
    _check_deal(session, kind, deal)
    case = session.execute(
        select(AftersalesCase)
        .where(AftersalesCase.kind == kind, AftersalesCase.deal_id == deal.id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if case is not None:
        return case, False
    case = AftersalesCase(
        kind=kind,
        deal_id=deal.id,
        project_id=deal.project_id,
        status=CaseStatus.PENDING,
        status_on=today,
        handler_id=actor.id,
        bank="",
        certificate_no="",
        note="",
    )
    return case, True


def _keep(session: Session, case: AftersalesCase) -> None:
    """Put a new case into the database (the deal's row lock makes it the only one)."""
    if case.id is None:
        session.add(case)
        session.flush()


def _refuse_finished(case: AftersalesCase) -> None:
    if rules.is_finished(case.kind, case.status):
        label = rules.STATUS_LABELS[case.status]
        raise AftersalesRefused(
            f"该业务已{label}，已办结，不能再修改。",
            f"This case is already {_STATUS_EN[case.status].lower()} and closed; it cannot be "
            "changed.",
        )


def _received(session: Session, case: AftersalesCase) -> dict[str, AftersalesDocument]:
    if case.id is None:
        return {}
    docs = session.scalars(
        select(AftersalesDocument).where(AftersalesDocument.case_id == case.id)
    ).all()
    return {d.code: d for d in docs}


def _snapshot(case: AftersalesCase, created: bool, **extra) -> dict:
    return {
        "kind": case.kind,
        "deal_id": case.deal_id,
        **audit.snapshot(case, _DETAIL_FIELDS),
        **({"created": True} if created else {}),
        **extra,
    }


# --------------------------------------------------------------------------------- documents


def receive_document(
    session: Session,
    *,
    actor: User,
    kind: CaseKind | str,
    deal_id: int,
    code: str,
    today: date | None = None,
) -> AftersalesCase:
    """Tick a checklist document as received from the owner (today, by the actor)."""
    today = _today(today)
    case, created = _open_case(session, actor, kind, deal_id, today)
    _refuse_finished(case)
    items = {item.code: item for item in checklist(session, case.kind)}
    code = str(code or "").strip()
    if code not in items:
        raise ValidationError(
            f"“{code}”不在{rules.KIND_LABELS[case.kind]}的资料清单中（请在代码设置中维护）。",
            f"“{code}” is not on the {_KIND_EN[case.kind]} checklist (kept in the code "
            "dictionary).",
            errors={"code": code},
        )
    received = _received(session, case)
    if code in received:
        raise AftersalesRefused(
            f"资料“{items[code].label}”已于 {received[code].received_on:%Y-%m-%d} 收到。",
            f"“{items[code].label_en or items[code].label}” was already received on "
            f"{received[code].received_on:%Y-%m-%d}.",
        )
    _keep(session, case)
    document = AftersalesDocument(case_id=case.id, code=code, received_on=today, user_id=actor.id)
    session.add(document)
    session.flush()
    audit.record(
        session,
        actor,
        "aftersales.receive_document",
        case,
        after=_snapshot(case, created, code=code, received_on=today),
    )
    return case


def unreceive_document(
    session: Session,
    *,
    actor: User,
    kind: CaseKind | str,
    deal_id: int,
    code: str,
    today: date | None = None,
) -> AftersalesCase:
    """Untick a document ticked by mistake; only while the case is still 待办."""
    today = _today(today)
    case, created = _open_case(session, actor, kind, deal_id, today)
    _refuse_finished(case)
    code = str(code or "").strip()
    received = _received(session, case)
    document = received.get(code)
    if document is None:
        raise AftersalesRefused(
            "该资料尚未登记收到，无需撤销。",
            "This document has not been recorded as received; nothing to undo.",
        )
    if case.status != CaseStatus.PENDING:
        label = rules.STATUS_LABELS[case.status]
        raise AftersalesRefused(
            f"业务已{label}，资料不能撤销；如需更正，请先退回到待办。",
            f"The case is already {_STATUS_EN[case.status].lower()}; documents cannot be "
            "unticked. Send it back to pending first to correct them.",
        )
    before = {"code": code, "received_on": document.received_on, "user_id": document.user_id}
    session.delete(document)
    session.flush()
    audit.record(
        session,
        actor,
        "aftersales.unreceive_document",
        case,
        before=before,
        after=_snapshot(case, created, code=code),
    )
    return case


# ----------------------------------------------------------------------------------- details


def _loan(value, deal_total: Decimal | None) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError):
        raise ValidationError(
            "贷款金额不是有效的数字。",
            "The loan amount is not a valid number.",
            errors={"loan_amount": str(value)},
        ) from None
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(
            "贷款金额最多两位小数。",
            "The loan amount has at most two decimals.",
            errors={"loan_amount": str(value)},
        )
    if amount < 0:
        raise ValidationError(
            "贷款金额不能为负数。",
            "The loan amount cannot be negative.",
            errors={"loan_amount": str(value)},
        )
    if deal_total is not None and amount > deal_total:
        raise ValidationError(
            f"贷款金额 {amount:,.2f} 超过成交总价 {deal_total:,.2f}。",
            f"The loan amount {amount:,.2f} exceeds the deal total {deal_total:,.2f}.",
            errors={"loan_amount": str(value)},
        )
    return amount.quantize(Decimal("0.01"))


def _text(value, limit: int, field: str, name: str, name_en: str) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise ValidationError(
            f"{name}不能超过 {limit} 个字。",
            f"The {name_en} is at most {limit} characters.",
            errors={field: text},
        )
    return text


def update_details(
    session: Session,
    *,
    actor: User,
    kind: CaseKind | str,
    deal_id: int,
    bank: str | None = None,
    loan_amount=None,
    certificate_no: str | None = None,
    note: str | None = None,
    today: date | None = None,
) -> AftersalesCase:
    """Save the case's details: for 按揭办理 the bank and the loan (0 ≤ loan ≤ deal total,
    blank: the plan's loan receivables), for 产权办理 the certificate number; a note for both.
    An argument left None keeps its value. A closed case only takes a note."""
    today = _today(today)
    case, created = _open_case(session, actor, kind, deal_id, today)
    before = _snapshot(case, created)
    changes: dict = {}
    if note is not None:
        changes["note"] = _text(note, 2000, "note", "备注", "note")
    if case.kind == CaseKind.MORTGAGE:
        if bank is not None:
            changes["bank"] = _text(bank, 100, "bank", "贷款银行", "bank name")
        if loan_amount is not None:
            total = session.scalar(select(Deal.deal_total).where(Deal.id == case.deal_id))
            changes["loan_amount"] = _loan(loan_amount, total)
    elif certificate_no is not None:
        changes["certificate_no"] = _text(
            certificate_no, 50, "certificate_no", "产权证号", "certificate number"
        )
    changed = {k: v for k, v in changes.items() if getattr(case, k) != v}
    if rules.is_finished(case.kind, case.status) and set(changed) - {"note"}:
        _refuse_finished(case)
    for key, value in changed.items():
        setattr(case, key, value)
    if case.handler_id is None:
        case.handler_id = actor.id
    _keep(session, case)
    session.flush()
    audit.record(
        session,
        actor,
        "aftersales.update_details",
        case,
        before=before,
        after=_snapshot(case, created),
    )
    return case


# ------------------------------------------------------------------------------------ moves


def _step(
    session: Session, case: AftersalesCase, actor: User, to: CaseStatus, today: date, note: str
) -> None:
    session.add(
        AftersalesStep(
            case_id=case.id, user_id=actor.id, from_status=case.status, to_status=to, note=note
        )
    )
    case.status = to
    case.status_on = today
    case.handler_id = actor.id
    session.flush()


def advance(
    session: Session,
    *,
    actor: User,
    kind: CaseKind | str,
    deal_id: int,
    today: date | None = None,
) -> AftersalesCase:
    """One step forward: 待办 → 送办 → 已办, or 待办 → 已申请 → 送办 → 出证. Leaving 待办 needs
    every checklist document; 出证 needs the certificate number; the last status is final."""
    today = _today(today)
    case, created = _open_case(session, actor, kind, deal_id, today)
    _refuse_finished(case)
    before = _snapshot(case, created)
    to = rules.next_status(case.kind, case.status)
    if case.status == CaseStatus.PENDING:
        received = _received(session, case)
        missing = [
            (item.code, item.label, item.label_en)
            for item in checklist(session, case.kind)
            if item.code not in received
        ]
        if missing:
            raise DocumentsMissing(case.kind, missing)
    if to == CaseStatus.ISSUED and not (case.certificate_no or "").strip():
        raise AftersalesRefused(
            "请先填写产权证号并保存，再登记出证。",
            "Enter and save the certificate number before marking the certificate as issued.",
        )
    _keep(session, case)
    _step(session, case, actor, to, today, "")
    audit.record(
        session, actor, "aftersales.advance", case, before=before, after=_snapshot(case, created)
    )
    return case


def send_back(
    session: Session,
    *,
    actor: User,
    kind: CaseKind | str,
    deal_id: int,
    reason: str,
    today: date | None = None,
) -> AftersalesCase:
    """退回: one step back with a reason (e.g. the bank returned the file); not from 待办 and
    not once the case is closed."""
    today = _today(today)
    reason = _text(reason, 200, "reason", "退回原因", "reason")
    if not reason:
        raise ValidationError(
            "请填写退回原因。", "Enter the reason for sending the case back.", {"reason": ""}
        )
    case, created = _open_case(session, actor, kind, deal_id, today)
    _refuse_finished(case)
    to = rules.previous_status(case.kind, case.status)
    if to is None:
        raise AftersalesRefused(
            "业务还在待办，无法退回。",
            "The case is still pending; there is nothing to send back.",
        )
    before = _snapshot(case, created)
    _step(session, case, actor, to, today, reason)
    audit.record(
        session,
        actor,
        "aftersales.send_back",
        case,
        before=before,
        after=_snapshot(case, created, reason=reason),
    )
    return case
