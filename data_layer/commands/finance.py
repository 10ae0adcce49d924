"""Money (财务): receipts numbered per company, allocated to receivables, audited in batches,
voided before audit or reversed (红冲) after it by a new entry. Refunds (退款单) are the same
kind of voucher with a negative amount, allocated to a closed deal's refund receivable; a swap
(换房) moves the money paid by a pair of audited transfer vouchers (换房转款). Receivable.paid
always equals the sum of the audited allocations to it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, authz, localtime
from ..errors import DomainError, NotFound, ValidationError
from ..models import (
    CodeItem,
    Customer,
    Deal,
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
from ..models.deals import splits_kinds
from ..rules.money import DecimalLike, format_amount, money
from .deals import _lock_deal, _receivables, readjust_refund, use_token

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
REFUND_PREFIX = "TK"  # 退款单
TRANSFER_PREFIX = "ZK"  # 换房转款
TRANSFER_METHOD = "swap"  # the method of the system's transfer vouchers (not a payment method)


def next_receipt_number(
    session: Session, company_id: int, year: int, kind: str = RECEIPT_PREFIX
) -> str:
    """Take the next number of the company's sequence for the voucher kind and year, e.g.
    SJ2026000123 or TK2026000007 (the sequence row stays locked until commit, so two cashiers
    never get the same number)."""
    prefix = f"{kind}{year}"
    query = (
        select(ReceiptSequence)
        .where(
            ReceiptSequence.company_id == company_id,
            ReceiptSequence.prefix == kind,
            ReceiptSequence.year == year,
        )
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
                session.add(
                    ReceiptSequence(company_id=company_id, prefix=kind, year=year, next_no=start)
                )
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


def _payment_method(session: Session, method: str | None) -> str:
    method = (method or "").strip()
    if not session.scalar(
        select(CodeItem.id).where(CodeItem.category == "payment_method", CodeItem.code == method)
    ):
        raise ValidationError("请选择收款方式。", "Choose the payment method.", {"method": "x"})
    return method


def _person(session: Session, deal: Deal, name: str | None) -> str:
    """The payer (or payee of a refund) as typed, by default the deal's customer."""
    customer = session.get(Customer, deal.customer_id)
    return ((name or "").strip() or (customer.name if customer else ""))[:100]


def _manual_number(number: str | None) -> str:
    manual = (number or "").strip()
    if len(manual) > 32:
        raise ValidationError("收据编号过长。", "Receipt number too long.", {"number": "x"})
    return manual


def _insert_voucher(session: Session, receipt: Receipt, refusal: DomainError | None = None) -> None:
    """Insert a receipt or refund voucher; the database refuses a number used before in the
    company (UNIQUE company_id, number), or a second reversal of a receipt (`refusal`)."""
    try:
        with session.begin_nested():
            session.add(receipt)
            session.flush()
    except IntegrityError:
        raise refusal or ValidationError(
            f"编号 {receipt.number} 已存在，请换一个编号。",
            f"Number {receipt.number} already exists.",
            {"number": "duplicate"},
        ) from None


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
    method = _payment_method(session, method)
    payer = _person(session, deal, payer)
    received_on = received_on or localtime.today()
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
    manual = _manual_number(number)
    receipt = Receipt(
        company_id=project.company_id,
        project_id=deal.project_id,
        deal_id=deal.id,
        number=manual or next_receipt_number(session, project.company_id, received_on.year),
        payer=payer,
        method=method,
        kind=max(lines, key=lambda line: line[1])[0].kind,
        amount=total,
        received_on=received_on,
        status=ReceiptStatus.DRAFT,
        created_by=actor.id,
        notes=notes or "",
    )
    receipt.allocations = [ReceiptAllocation(receivable_id=r.id, amount=p) for r, p in lines]
    _mark_split_kinds(session, receipt)
    _insert_voucher(session, receipt)
    audit.record(
        session,
        actor,
        "finance.receipt",
        receipt,
        after={"number": receipt.number, "amount": total, "deal": deal.id},
    )
    return receipt


def _mark_split_kinds(session: Session, receipt: Receipt) -> None:
    """Receipt.split_kinds from its allocations (every command that writes a voucher with
    allocations calls this before inserting it): 回款分析 counts a split receipt by the kinds of
    the receivables it paid and every other one by its own kind."""
    receipt.split_kinds = splits_kinds(
        session.get(Receivable, a.receivable_id).kind for a in receipt.allocations
    )


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
        # A refund line is negative: what is paid out runs from 0 down to its amount.
        refund = row.amount < 0
        if (row.paid < row.amount) if refund else (row.paid > row.amount):
            raise ReceiptRefused(
                f"{receipt.number} 会使退款超付，已拒绝。"
                if refund
                else f"收据 {receipt.number} 会使应收超收，已拒绝。",
                f"{receipt.number} would overpay a receivable.",
            )
        if (row.paid > 0) if refund else (row.paid < 0):
            raise ReceiptRefused(
                f"{receipt.number} 冲销后该款项的已收金额将为负数（款项可能已随换房转出或已退还），"
                "已拒绝。",
                f"{receipt.number} would leave a negative amount paid (the money may have moved "
                "with a swap or been refunded).",
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
    """作废 a draft (not yet audited) receipt or refund voucher; its number stays used. Like a
    reversal it needs a reason, kept in the voucher's notes and the audit entry."""
    receipt = _lock_receipt(session, receipt_id)
    authz.require(actor, "finance.edit", project_id=receipt.project_id)
    if receipt.status == ReceiptStatus.AUDITED:
        raise ReceiptRefused(
            "已审核的收据不能作废，请使用红冲。", "An audited receipt cannot be voided; reverse it."
        )
    if receipt.status == ReceiptStatus.VOIDED:
        raise ReceiptRefused("该收据已作废。", "This receipt is already void.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            "请填写作废原因。", "Give the reason for voiding the receipt.", {"reason": "x"}
        )
    receipt.status = ReceiptStatus.VOIDED
    receipt.notes = (receipt.notes + f"\n作废：{reason}").strip()
    audit.record(
        session,
        actor,
        "finance.receipt_void",
        receipt,
        after={"number": receipt.number, "reason": reason},
    )
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
    if original.reverses_id is not None:
        raise ReceiptRefused("红冲凭证不能再红冲。", "A reversal cannot be reversed.")
    if original.method == TRANSFER_METHOD:
        raise ReceiptRefused(
            "换房转款凭证由系统生成，不能红冲。", "A swap transfer voucher cannot be reversed."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            "请填写红冲原因。", "Give the reason for the reversal.", {"reason": "x"}
        )
    deal = _lock_deal(session, original.deal_id)
    on = on or localtime.today()
    kind = REFUND_PREFIX if original.kind == ReceivableKind.REFUND else RECEIPT_PREFIX
    entry = Receipt(
        company_id=original.company_id,
        project_id=original.project_id,
        deal_id=original.deal_id,
        number=next_receipt_number(session, original.company_id, on.year, kind),
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
        notes=f"红冲 {original.number}：{reason}",
    )
    entry.allocations = [
        ReceiptAllocation(receivable_id=a.receivable_id, amount=-a.amount)
        for a in original.allocations
    ]
    _mark_split_kinds(session, entry)
    _insert_voucher(
        session,
        entry,
        ReceiptRefused(
            f"收据 {original.number} 已经红冲过。",
            f"Receipt {original.number} is already reversed.",
        ),
    )
    _apply_allocations(session, entry)
    if deal.state != DealState.LIVE:
        # The deal was closed with a refund computed from the money paid then: it follows
        # the money actually kept now.
        readjust_refund(session, actor=actor, deal=deal, today=on)
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


def owes_back(kind: ReceivableKind, amount: Decimal, state: DealState) -> bool:
    """Whether a receivable is money the deal owes its buyer, paid out on 退款登记: on a closed
    deal (退房, 挞定, 换房, 过期) its REFUND lines; on a live one a negative 面积补差 line (the
    measured area came out smaller). owed_back() is the same test in SQL."""
    if state == DealState.LIVE:
        return kind == ReceivableKind.SETTLEMENT and amount < 0
    return kind == ReceivableKind.REFUND


def owed_back():
    """owes_back() as an SQL condition over Receivable joined with its Deal."""
    return or_(
        and_(Deal.state != DealState.LIVE, Receivable.kind == ReceivableKind.REFUND),
        and_(
            Deal.state == DealState.LIVE,
            Receivable.kind == ReceivableKind.SETTLEMENT,
            Receivable.amount < 0,
        ),
    )


def record_refund(
    session: Session,
    *,
    actor: User,
    deal_id: int,
    amount: DecimalLike,
    method: str,
    payee: str = "",
    paid_on: date | None = None,
    number: str | None = None,
    notes: str = "",
    token: str | None = None,
) -> Receipt:
    """退款登记: a draft refund voucher (退款单, numbered TK… per company) paying out part or
    all of what a deal owes the buyer (owes_back: a closed deal's refund, a live deal's negative
    面积补差). It is audited, voided and reversed like a receipt; its amount and allocations
    are negative."""
    use_token(session, token, "finance.refund", actor)
    total = _amount(amount)
    deal = _lock_deal(session, deal_id)
    authz.require(actor, "finance.edit", project_id=deal.project_id)
    lines = [
        r
        for r in _receivables(session, deal)
        if not r.cancelled and owes_back(r.kind, r.amount, deal.state)
    ]
    if deal.state == DealState.LIVE and not lines:
        raise ReceiptRefused(
            "该交易仍在进行中，不能退款：退房、挞定或换房审批生效后，或面积补差应退时，才能办理退款。",
            "This deal is still live; a refund is paid only after it is cancelled, forfeited "
            "or swapped, or when an area settlement owes the buyer money.",
        )
    method = _payment_method(session, method)
    payee = _person(session, deal, payee)
    paid_on = paid_on or localtime.today()
    left = outstanding(session, lines)  # negative: what is still to be paid out
    open_total = -sum(left.values(), Decimal(0))
    if open_total <= 0:
        raise ReceiptRefused("该交易没有待退的款项。", "Nothing is owed back on this deal.")
    if total > open_total:
        raise ValidationError(
            f"退款金额 ¥{format_amount(total)} 超过待退金额 ¥{format_amount(open_total)}，"
            "不能多退。",
            f"The refund exceeds what is owed back ({format_amount(open_total)}).",
            {"amount": "overpaid"},
        )
    allocations, rest = [], total
    for row in sorted(lines, key=lambda r: (r.due_on, r.seq)):
        part = min(rest, -left[row.id])
        if part > 0:
            allocations.append(ReceiptAllocation(receivable_id=row.id, amount=-part))
            rest -= part
    project = session.get(Project, deal.project_id)
    voucher = Receipt(
        company_id=project.company_id,
        project_id=deal.project_id,
        deal_id=deal.id,
        number=_manual_number(number)
        or next_receipt_number(session, project.company_id, paid_on.year, REFUND_PREFIX),
        payer=payee,
        method=method,
        kind=ReceivableKind.REFUND,
        amount=-total,
        received_on=paid_on,
        status=ReceiptStatus.DRAFT,
        created_by=actor.id,
        notes=notes or "",
    )
    voucher.allocations = allocations
    _mark_split_kinds(session, voucher)
    _insert_voucher(session, voucher)
    audit.record(
        session,
        actor,
        "finance.refund",
        voucher,
        after={"number": voucher.number, "amount": voucher.amount, "deal": deal.id},
    )
    return voucher


def transfer_vouchers(
    session: Session,
    *,
    actor: User,
    old: Deal,
    new: Deal,
    moves: list[tuple[Receivable, Receivable, Decimal]],
    on: date,
    note: str,
) -> list[Receipt]:
    """换房转款: money paid on `old` moves to `new` as two audited vouchers of one amount, out
    (negative, on the old deal's lines) and in (on the new deal's lines), so that every
    receivable's paid still equals its audited allocations and the day's money nets to zero."""
    if not moves:
        return []
    project = session.get(Project, old.project_id)
    vouchers = []
    for deal, side, sign in ((old, 0, -1), (new, 1, 1)):
        parts: dict[int, Decimal] = {}
        kinds: dict[int, ReceivableKind] = {}
        for move in moves:
            row = move[side]
            parts[row.id] = parts.get(row.id, Decimal(0)) + move[2]
            kinds[row.id] = row.kind
        total = sum(parts.values(), Decimal(0))
        voucher = Receipt(
            company_id=project.company_id,
            project_id=deal.project_id,
            deal_id=deal.id,
            number=next_receipt_number(session, project.company_id, on.year, TRANSFER_PREFIX),
            payer=_person(session, deal, None),
            method=TRANSFER_METHOD,
            kind=kinds[max(parts, key=lambda rid: parts[rid])],
            amount=sign * total,
            received_on=on,
            status=ReceiptStatus.AUDITED,
            created_by=actor.id,
            audited_by=actor.id,
            audited_at=utcnow(),
            notes=note,
        )
        voucher.allocations = [
            ReceiptAllocation(receivable_id=rid, amount=sign * part) for rid, part in parts.items()
        ]
        _mark_split_kinds(session, voucher)
        _insert_voucher(session, voucher)
        _apply_allocations(session, voucher)
        audit.record(
            session,
            actor,
            "finance.transfer",
            voucher,
            after={"number": voucher.number, "amount": voucher.amount, "deal": deal.id},
        )
        vouchers.append(voucher)
    return vouchers
