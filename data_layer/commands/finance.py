"""Money (财务): receipts numbered per company, allocated to receivables, audited in batches,
voided before audit or reversed (红冲) after it by a new entry. Receivable.paid always equals
the sum of the audited allocations to it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, authz
from ..errors import DomainError, NotFound, ValidationError
from ..models import (
    CodeItem,
    Customer,
    DealState,
    Project,
    Receipt,
    ReceiptAllocation,
    ReceiptSequence,
    ReceiptStatus,
    Receivable,
    ReceivableKind,
    User,
    utcnow,
)
from ..rules.money import DecimalLike, format_amount, money
from .deals import _lock_deal, _receivables, use_token

CLOSED_LABELS = {
    DealState.CANCELLED: ("已退房", "cancelled"),
    DealState.FORFEITED: ("已挞定", "forfeited"),
    DealState.EXPIRED: ("已过期释放", "expired"),
    DealState.SWAPPED: ("已换房", "swapped"),
}
BANK_METHODS = ("bank",)


class ReceiptRefused(DomainError):
    pass


def _amount(value: DecimalLike | None, field: str = "amount") -> Decimal:
    try:
        amount = money(value if value not in (None, "") else "0")
    except (TypeError, ValueError):
        raise ValidationError("请输入正确的金额。", "Enter a valid amount.", {field: "x"}) from None
    if amount <= 0:
        raise ValidationError("金额必须大于0。", "The amount must be above zero.", {field: "x"})
    return amount


RECEIPT_PREFIX = "SJ"  # 收据


def next_receipt_number(session: Session, company_id: int, year: int) -> str:
    """Take the next number of the company's sequence for the year, e.g. SJ2026000123 (the
    sequence row stays locked until commit, so two cashiers never get the same number)."""
    prefix = f"{RECEIPT_PREFIX}{year}"
    query = (
        select(ReceiptSequence)
        .where(ReceiptSequence.company_id == company_id, ReceiptSequence.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    seq = session.scalar(query)
    if seq is None:
        # Start after numbers already issued this year (imported or typed in by hand).
        last = session.scalar(
            select(func.max(Receipt.number)).where(
                Receipt.company_id == company_id,
                Receipt.number.like(f"{prefix}%"),
                func.length(Receipt.number) == len(prefix) + 6,
            )
        )
        start = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
        try:
            with session.begin_nested():
                session.add(ReceiptSequence(company_id=company_id, year=year, next_no=start))
                session.flush()
        except IntegrityError:
            pass  # another transaction created it first
        seq = session.scalar(query)
    while True:
        number = f"{prefix}{seq.next_no:06d}"
        seq.next_no += 1
        # A hand-entered number may already sit on the sequence's path: skip it.
        taken = session.scalar(
            select(Receipt.id).where(Receipt.company_id == company_id, Receipt.number == number)
        )
        if not taken:
            session.flush()
            return number


def _draft_allocated(session: Session, receivable_ids: list[int]) -> dict[int, Decimal]:
    if not receivable_ids:
        return {}
    rows = session.execute(
        select(ReceiptAllocation.receivable_id, func.sum(ReceiptAllocation.amount))
        .join(Receipt, Receipt.id == ReceiptAllocation.receipt_id)
        .where(
            ReceiptAllocation.receivable_id.in_(receivable_ids),
            Receipt.status == ReceiptStatus.DRAFT,
        )
        .group_by(ReceiptAllocation.receivable_id)
    ).all()
    return {rid: Decimal(total) for rid, total in rows}


def outstanding(session: Session, receivables: list[Receivable]) -> dict[int, Decimal]:
    """What may still be allocated to each receivable: amount − paid − draft allocations."""
    drafts = _draft_allocated(session, [r.id for r in receivables])
    return {
        r.id: (r.amount - r.paid - drafts.get(r.id, Decimal("0")))
        if not r.cancelled
        else Decimal(0)
        for r in receivables
    }


def record_receipt(
    session: Session,
    *,
    actor: User,
    deal_id: int,
    amount: DecimalLike,
    method: str,
    payer: str = "",
    received_on: date | None = None,
    allocations: list[dict] | None = None,
    number: str | None = None,
    notes: str = "",
    token: str | None = None,
) -> Receipt:
    """收款登记: a draft receipt allocated to one or more receivables of one deal.
    Without explicit allocations the money goes to the oldest open receivables of that payer
    (the bank's disbursement to the mortgage lines, the buyer's money to the buyer's)."""
    use_token(session, token, "finance.receipt", actor)
    total = _amount(amount)
    deal = _lock_deal(session, deal_id)
    authz.require(actor, "finance.edit", project_id=deal.project_id)
    if deal.state != DealState.LIVE:
        zh, en = CLOSED_LABELS.get(deal.state, ("已关闭", "closed"))
        raise ReceiptRefused(
            f"该交易{zh}，不能再收款。", f"This deal is {en}; no receipt can be recorded."
        )
    method = (method or "").strip()
    if not session.scalar(
        select(CodeItem.id).where(CodeItem.category == "payment_method", CodeItem.code == method)
    ):
        raise ValidationError("请选择收款方式。", "Choose the payment method.", {"method": "x"})
    customer = session.get(Customer, deal.customer_id)
    payer = (payer or "").strip() or (customer.name if customer else "")
    received_on = received_on or date.today()
    receivables = [r for r in _receivables(session, deal) if r.kind != ReceivableKind.REFUND]
    by_id = {r.id: r for r in receivables}
    left = outstanding(session, receivables)
    lines: list[tuple[Receivable, Decimal]] = []
    if allocations:
        seen = set()
        for item in allocations:
            rid = int(item.get("receivable_id") or 0)
            part = _amount(item.get("amount"), "allocations")
            row = by_id.get(rid)
            if row is None or row.cancelled or rid in seen:
                raise ValidationError(
                    "分配的应收款不属于该交易或已取消。",
                    "An allocation names a receivable outside this deal or cancelled.",
                    {"allocations": "x"},
                )
            seen.add(rid)
            if part > left[rid]:
                raise ValidationError(
                    f"第{row.seq}笔应收只剩 ¥{format_amount(max(left[rid], Decimal(0)))} 未收，"
                    f"不能多收 ¥{format_amount(part)}。",
                    f"Receivable {row.seq} has only {format_amount(left[rid])} open.",
                    {"allocations": "overpaid"},
                )
            lines.append((row, part))
        if sum((p for _, p in lines), Decimal("0")) != total:
            raise ValidationError(
                "各项分配金额之和必须等于收款金额。",
                "The allocations must add up to the receipt amount.",
                {"allocations": "sum"},
            )
    else:
        bank = method in BANK_METHODS
        rest = total
        for row in sorted(receivables, key=lambda r: (r.due_on, r.seq)):
            if rest == 0:
                break
            if (row.payer != "buyer") != bank or left[row.id] <= 0:
                continue
            part = min(rest, left[row.id])
            lines.append((row, part))
            rest -= part
        if rest > 0:
            open_total = total - rest
            raise ValidationError(
                f"收款金额超过该交易的未收应收 ¥{format_amount(open_total)}，不能多收。",
                f"The amount exceeds the open receivables ({format_amount(open_total)}).",
                {"amount": "overpaid"},
            )
    project = session.get(Project, deal.project_id)
    manual = (number or "").strip()
    if len(manual) > 32:
        raise ValidationError("收据编号过长。", "Receipt number too long.", {"number": "x"})
    receipt = Receipt(
        company_id=project.company_id,
        project_id=deal.project_id,
        deal_id=deal.id,
        number=manual or next_receipt_number(session, project.company_id, received_on.year),
        payer=payer[:100],
        method=method,
        kind=max(lines, key=lambda line: line[1])[0].kind,
        amount=total,
        received_on=received_on,
        status=ReceiptStatus.DRAFT,
        created_by=actor.id,
        notes=notes or "",
    )
    receipt.allocations = [ReceiptAllocation(receivable_id=r.id, amount=p) for r, p in lines]
    try:
        with session.begin_nested():
            session.add(receipt)
            session.flush()
    except IntegrityError:
        raise ValidationError(
            f"收据编号 {receipt.number} 已存在。",
            f"Receipt number {receipt.number} already exists.",
            {"number": "duplicate"},
        ) from None
    audit.record(
        session,
        actor,
        "finance.receipt",
        receipt,
        after={"number": receipt.number, "amount": total, "deal": deal.id},
    )
    return receipt


def _lock_receipt(session: Session, receipt_id: int) -> Receipt:
    receipt = session.scalar(
        select(Receipt)
        .where(Receipt.id == receipt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if receipt is None:
        raise NotFound("收据不存在。", "No such receipt.")
    return receipt


def _apply_allocations(session: Session, receipt: Receipt) -> None:
    """Add the receipt's allocations (negative for a reversal) to the receivables' paid."""
    for alloc in receipt.allocations:
        row = session.scalar(
            select(Receivable)
            .where(Receivable.id == alloc.receivable_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        row.paid = row.paid + alloc.amount
        if row.paid > row.amount or row.paid < 0:
            raise ReceiptRefused(
                f"收据 {receipt.number} 会使应收超收，已拒绝。",
                f"Receipt {receipt.number} would overpay a receivable.",
            )


def audit_receipts(session: Session, *, actor: User, receipt_ids: list[int]) -> int:
    """收据审核 (batch): each draft becomes audited and its money counts as paid. Receipts
    already audited or voided (e.g. by a colleague a moment ago) are skipped."""
    if not receipt_ids:
        raise ValidationError("请先选择要审核的收据。", "Select receipts to audit.")
    authz.require(actor, "finance.audit")
    count = 0
    for receipt_id in sorted({int(i) for i in receipt_ids}):
        receipt = _lock_receipt(session, receipt_id)
        authz.require(actor, "finance.audit", project_id=receipt.project_id)
        if receipt.status != ReceiptStatus.DRAFT:
            continue
        _apply_allocations(session, receipt)
        receipt.status = ReceiptStatus.AUDITED
        receipt.audited_by = actor.id
        receipt.audited_at = utcnow()
        audit.record(
            session, actor, "finance.receipt_audit", receipt, after={"number": receipt.number}
        )
        count += 1
    session.flush()
    return count


def void_receipt(session: Session, *, actor: User, receipt_id: int, reason: str = "") -> Receipt:
    """作废 a draft (not yet audited) receipt; its number stays used."""
    receipt = _lock_receipt(session, receipt_id)
    authz.require(actor, "finance.edit", project_id=receipt.project_id)
    if receipt.status == ReceiptStatus.AUDITED:
        raise ReceiptRefused(
            "已审核的收据不能作废，请使用红冲。", "An audited receipt cannot be voided; reverse it."
        )
    if receipt.status == ReceiptStatus.VOIDED:
        raise ReceiptRefused("该收据已作废。", "This receipt is already void.")
    receipt.status = ReceiptStatus.VOIDED
    receipt.notes = (receipt.notes + f"\n作废：{reason}").strip()
    audit.record(session, actor, "finance.receipt_void", receipt, after={"reason": reason})
    return receipt


def reverse_receipt(
    session: Session,
    *,
    actor: User,
    receipt_id: int,
    reason: str = "",
    on: date | None = None,
    token: str | None = None,
) -> Receipt:
    """红冲: an audited receipt is cancelled by a new, audited entry of the opposite amount;
    the original is never changed. The database allows one reversal per receipt."""
    use_token(session, token, "finance.reverse", actor)
    original = _lock_receipt(session, receipt_id)
    authz.require(actor, "finance.audit", project_id=original.project_id)
    if original.status != ReceiptStatus.AUDITED:
        raise ReceiptRefused(
            "只有已审核的收据可以红冲（未审核的请作废）。", "Only audited receipts."
        )
    if original.reverses_id is not None or original.amount < 0:
        raise ReceiptRefused("红冲凭证不能再红冲。", "A reversal cannot be reversed.")
    if not (reason or "").strip():
        raise ValidationError("请填写红冲原因。", "Give the reason.", {"reason": "x"})
    _lock_deal(session, original.deal_id)
    on = on or date.today()
    entry = Receipt(
        company_id=original.company_id,
        project_id=original.project_id,
        deal_id=original.deal_id,
        number=next_receipt_number(session, original.company_id, on.year),
        payer=original.payer,
        method=original.method,
        kind=original.kind,
        amount=-original.amount,
        received_on=on,
        status=ReceiptStatus.AUDITED,
        reverses_id=original.id,
        created_by=actor.id,
        audited_by=actor.id,
        audited_at=utcnow(),
        notes=f"红冲 {original.number}：{reason.strip()}",
    )
    entry.allocations = [
        ReceiptAllocation(receivable_id=a.receivable_id, amount=-a.amount)
        for a in original.allocations
    ]
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        raise ReceiptRefused(
            f"收据 {original.number} 已经红冲过。",
            f"Receipt {original.number} is already reversed.",
        ) from None
    _apply_allocations(session, entry)
    audit.record(
        session,
        actor,
        "finance.receipt_reverse",
        entry,
        after={"reverses": original.number, "amount": entry.amount, "reason": reason},
    )
    return entry


def reversed_ids(session: Session, receipt_ids: list[int]) -> set[int]:
    if not receipt_ids:
        return set()
    return set(
        session.scalars(select(Receipt.reverses_id).where(Receipt.reverses_id.in_(receipt_ids)))
    )
