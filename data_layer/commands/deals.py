"""Deals (交易): reserve, hold, subscribe, sign, audit and file a contract, and the approved
changes (挞定, 退房, 换房, 更名, 额外优惠). One live deal per unit is guaranteed by the database
(Deal.live_unit_id is UNIQUE); every command locks the unit row first, so concurrent attempts
queue and the loser gets a Chinese message naming who holds the unit."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Select, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, load_only

from .. import audit, authz, localtime
from ..errors import DomainError, NotFound, PermissionDenied, ValidationError
from ..models import (
    ApprovalKind,
    ApprovalStatus,
    CodeItem,
    CommandToken,
    ContractStatus,
    Customer,
    CustomerStage,
    Deal,
    DealApproval,
    DealEvent,
    DealStage,
    DealState,
    DeedTaxRate,
    FeeRule,
    PaymentPlan,
    PlanKind,
    PricingBasis,
    Project,
    Receipt,
    ReceiptStatus,
    Receivable,
    ReceivableKind,
    Setting,
    Unit,
    UnitStatus,
    UnitStatusChange,
    User,
    utcnow,
)
from ..rules import fees as fee_rules
from ..rules.money import DecimalLike, format_amount, money, to_decimal

STAGE_LABELS = {
    DealStage.RESERVED: ("预留", "reserved"),
    DealStage.HELD: ("临定", "held"),
    DealStage.SUBSCRIBED: ("认购", "subscribed"),
    DealStage.CONTRACTED: ("签约", "contracted"),
}
STAGE_UNIT_STATUS = {
    DealStage.RESERVED: UnitStatus.RESERVED,
    DealStage.HELD: UnitStatus.HELD,
    DealStage.SUBSCRIBED: UnitStatus.SUBSCRIBED,
    DealStage.CONTRACTED: UnitStatus.CONTRACTED,
}
# Receivables that make up the house price (fees and refunds are separate).
PRICE_KINDS = frozenset(
    {
        ReceivableKind.DEPOSIT,
        ReceivableKind.DOWN_PAYMENT,
        ReceivableKind.INSTALLMENT,
        ReceivableKind.FULL_PAYMENT,
        ReceivableKind.MORTGAGE,
        ReceivableKind.PROVIDENT,
    }
)
PAYER = {ReceivableKind.MORTGAGE: "bank", ReceivableKind.PROVIDENT: "fund"}
# Schedules used when a payment plan has no items of its own: (kind, ratio, due days).
DEFAULT_SCHEDULES: dict[PlanKind, tuple[tuple[ReceivableKind, str, int], ...]] = {
    PlanKind.LUMP_SUM: ((ReceivableKind.FULL_PAYMENT, "1", 7),),
    PlanKind.INSTALLMENT: (
        (ReceivableKind.DOWN_PAYMENT, "0.3", 7),
        (ReceivableKind.INSTALLMENT, "0.35", 90),
        (ReceivableKind.INSTALLMENT, "0.35", 180),
    ),
    PlanKind.COMMERCIAL: (
        (ReceivableKind.DOWN_PAYMENT, "0.3", 7),
        (ReceivableKind.MORTGAGE, "0.7", 60),
    ),
    PlanKind.PROVIDENT: (
        (ReceivableKind.DOWN_PAYMENT, "0.3", 7),
        (ReceivableKind.PROVIDENT, "0.7", 90),
    ),
    PlanKind.COMBINED: (
        (ReceivableKind.DOWN_PAYMENT, "0.3", 7),
        (ReceivableKind.MORTGAGE, "0.4", 60),
        (ReceivableKind.PROVIDENT, "0.3", 90),
    ),
}
EXTRA_DISCOUNT_LIMIT_KEY = "deal.extra_discount_limit"
DEFAULT_EXTRA_DISCOUNT_LIMIT = Decimal("0.01")  # 1% of the list price without approval
MAX_RESERVE_DAYS = 30
FEE_DUE_DAYS = 30


class DealRefused(DomainError):
    """A deal action refused for a business reason."""


class UnitTaken(DealRefused):
    """The unit already has a live deal (someone else holds it)."""


# ---------------------------------------------------------------------------------------------
# Pure pricing


@dataclass(frozen=True)
class PriceQuote:
    """A deal price and every factor behind it, as snapshotted on the deal."""

    area: Decimal
    list_unit_price: Decimal
    list_total: Decimal
    discount_rate: Decimal
    plan_total: Decimal
    extra_discount: Decimal
    deal_total: Decimal
    deal_unit_price: Decimal
    floor_total: Decimal | None
    extra_limit: Decimal

    @property
    def beyond_limit(self) -> bool:
        return self.extra_discount > self.extra_limit

    @property
    def below_floor(self) -> bool:
        return self.floor_total is not None and self.deal_total < self.floor_total

    @property
    def needs_approval(self) -> bool:
        return self.beyond_limit or self.below_floor


def quote_price(
    *,
    area: DecimalLike,
    list_unit_price: DecimalLike | None,
    list_total: DecimalLike | None,
    floor_total: DecimalLike | None,
    discount_rate: DecimalLike = Decimal("1"),
    extra_discount: DecimalLike = Decimal("0"),
    extra_limit_ratio: DecimalLike = DEFAULT_EXTRA_DISCOUNT_LIMIT,
) -> PriceQuote:
    """List price × plan discount − extra discount, rounded half-up to the cent."""
    size = to_decimal(area)
    rate = to_decimal(discount_rate)
    extra = money(extra_discount)
    if list_total is None and list_unit_price is None:
        raise ValidationError("该房间尚未定价，不能交易。", "The unit has no price yet.")
    total = (
        money(list_total) if list_total is not None else money(size * to_decimal(list_unit_price))
    )
    unit_price = money(list_unit_price) if list_unit_price is not None else money(total / size)
    if not Decimal("0") < rate <= Decimal("1"):
        raise ValidationError(
            "付款方案折扣必须在 0 到 1 之间。", "The plan discount must be in (0, 1]."
        )
    if extra < 0:
        raise ValidationError("额外优惠不能为负数。", "The extra discount cannot be negative.")
    plan_total = money(total * rate)
    deal_total = plan_total - extra
    if deal_total <= 0:
        raise ValidationError("优惠后成交价必须大于0。", "The deal price must stay above zero.")
    return PriceQuote(
        area=money(size),
        list_unit_price=unit_price,
        list_total=total,
        discount_rate=rate,
        plan_total=plan_total,
        extra_discount=extra,
        deal_total=deal_total,
        deal_unit_price=money(deal_total / size) if size > 0 else deal_total,
        floor_total=money(floor_total) if floor_total is not None else None,
        extra_limit=money(total * to_decimal(extra_limit_ratio)),
    )


def split_schedule(
    total: Decimal, items: list[tuple[ReceivableKind, Decimal, int]]
) -> list[tuple[ReceivableKind, Decimal, int]]:
    """Split `total` over items by ratio (normalised); the last line absorbs the rounding so
    that the lines add up to the total exactly."""
    if not items:
        return []
    weight = sum(ratio for _, ratio, _ in items)
    out, allotted = [], Decimal("0")
    for index, (kind, ratio, days) in enumerate(items):
        amount = total - allotted if index == len(items) - 1 else money(total * ratio / weight)
        allotted += amount
        out.append((kind, amount, days))
    return out


# ---------------------------------------------------------------------------------------------
# Helpers


def use_token(session: Session, token: str | None, action: str, actor: User | None) -> None:
    """Claim a form's one-time token; a second submission of the same form is refused."""
    if not token:
        return
    try:
        with session.begin_nested():
            session.add(
                CommandToken(token=token[:64], action=action, user_id=actor.id if actor else None)
            )
            session.flush()
    except IntegrityError:
        raise DealRefused(
            "该操作已提交，请勿重复点击。", "Already submitted; do not click twice."
        ) from None


# What taking a unit reads of it (its other columns load on first use): few columns make the
# statement every attempt at an opening pays for cheaper to decode.
_UNIT_SALE_COLUMNS = (
    Unit.project_id,
    Unit.code,
    Unit.status,
    Unit.pricing_basis,
    Unit.gross_area,
    Unit.internal_area,
    Unit.list_unit_price,
    Unit.list_total,
    Unit.floor_total,
)
_CUSTOMER_SALE_COLUMNS = (
    Customer.project_id,
    Customer.consultant_id,
    Customer.stage,
    Customer.first_contact_on,
)


def _lock_unit(session: Session, unit_id: int) -> Unit:
    """Lock the unit's row until the transaction ends: whoever changes a unit's deals holds
    it, so two of them queue instead of both selling it."""
    unit = session.execute(
        select(Unit)
        .where(Unit.id == unit_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if unit is None:
        raise NotFound("房间不存在。", "No such unit.")
    return unit


class Holder(NamedTuple):
    """A unit's live deal, as much as deciding on a new one needs."""

    id: int
    customer_id: int
    stage: DealStage
    state: DealState
    reserved_until: date | None
    held_until: date | None
    name: str  # the customer's


# Statements of the hot path (taking a unit), built once (see authz.PerScope).
@authz.PerScope
def _take_unit_statement(_actor: User, allowed) -> Select:
    name = select(Customer.name).where(Customer.id == Deal.customer_id).scalar_subquery()
    return (
        select(
            Unit,
            allowed(Unit.project_id).label("allowed"),
            Deal.id.label("deal_id"),
            Deal.customer_id,
            Deal.stage,
            Deal.state,
            Deal.reserved_until,
            Deal.held_until,
            name.label("name"),
        )
        .outerjoin(Deal, Deal.live_unit_id == Unit.id)
        .where(Unit.id == bindparam("unit_id"))
        .options(load_only(*_UNIT_SALE_COLUMNS))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _take_unit(
    session: Session, unit_id: int, actor: User, permission: str
) -> tuple[Unit, Holder | None]:
    """Lock the unit (see _lock_unit), check that its project is one of the actor's, who
    must hold `permission`, and read its live deal: one statement, which every attempt at an
    opening (开盘) pays for, most of them to learn who got the unit first. The holder's row
    is locked with the unit's (a locking read sees the latest commit, after the wait); its
    customer's name is a plain read."""
    if not authz.has(actor, permission):
        raise PermissionDenied(permission)
    row = session.execute(
        _take_unit_statement(actor), authz.PerScope.params(actor, unit_id=unit_id)
    ).one_or_none()
    if row is None:
        raise NotFound("房间不存在。", "No such unit.")
    if not row.allowed:
        raise PermissionDenied(permission)
    if row.deal_id is None:
        return row[0], None
    holder_name = row.name  # None if the customer came after this statement's snapshot
    if holder_name is None:
        holder_name = session.scalar(select(Customer.name).where(Customer.id == row.customer_id))
    holder = Holder(
        row.deal_id,
        row.customer_id,
        row.stage,
        row.state,
        row.reserved_until,
        row.held_until,
        holder_name or "?",
    )
    return row[0], holder


def _lock_deal(session: Session, deal_id: int) -> Deal:
    deal = session.get(Deal, deal_id)
    if deal is None:
        raise NotFound("交易不存在。", "No such deal.")
    _lock_unit(session, deal.unit_id)
    session.refresh(deal)
    return deal


def history_details(session: Session, deal_id: int) -> list[dict]:
    """The details of a deal's history lines as stored (in the order of the history), for a
    screen that renders them; the caller has checked that the viewer may see the deal."""
    return [
        dict(d or {})
        for d in session.scalars(
            select(DealEvent.details).where(DealEvent.deal_id == deal_id).order_by(DealEvent.id)
        )
    ]


def live_deal(session: Session, unit_id: int) -> Deal | None:
    return session.scalar(
        select(Deal).where(Deal.live_unit_id == unit_id).execution_options(populate_existing=True)
    )


def is_stale(deal: Deal, today: date) -> bool:
    if deal.state != DealState.LIVE:
        return False
    if deal.stage == DealStage.RESERVED and deal.reserved_until is not None:
        return deal.reserved_until < today
    if deal.stage == DealStage.HELD and deal.held_until is not None:
        return deal.held_until < today
    return False


_INSERT_EVENT = insert(DealEvent.__table__)


def _event(session: Session, deal: Deal, actor: User | None, kind: str, **details) -> None:
    """A line of the deal's history (written at once, like the audit: never read back here)."""
    session.connection().execute(
        _INSERT_EVENT,
        {
            "deal_id": deal.id,
            "user_id": actor.id if actor else None,
            "kind": kind,
            "details": audit._plain(details),
        },
    )


_INSERT_STATUS_CHANGE = insert(UnitStatusChange.__table__)


def set_unit_status(
    session: Session,
    unit: Unit,
    status: UnitStatus,
    actor: User | None,
    deal: Deal | None,
    note="",
    flush=True,
) -> None:
    """Change a unit's status, bump updated_at (open sales control charts poll it) and keep
    the history (a line written at once; the unit flushed now, or with the command's last
    writes)."""
    if unit.status != status:
        session.connection().execute(
            _INSERT_STATUS_CHANGE,
            {
                "unit_id": unit.id,
                "user_id": actor.id if actor else None,
                "from_status": unit.status,
                "to_status": status,
                "deal_id": deal.id if deal else None,
                "note": note[:200],
            },
        )
        unit.status = status
    unit.updated_at = utcnow()
    if flush:
        session.flush()


def _holder_refusal(session: Session, unit: Unit, deal: Deal) -> UnitTaken:
    customer = session.get(Customer, deal.customer_id)
    return _taken(unit, deal.stage, customer.name if customer else "?")


def _taken(unit: Unit, stage: DealStage, name: str) -> UnitTaken:
    zh, en = STAGE_LABELS[stage]
    return UnitTaken(f"{unit.code} 已被 {name} {zh}", f"{unit.code} is already {en} by {name}")


def _check_sellable(
    session: Session, unit: Unit, holder: Holder | None, customer_id: int, today: date, actor
) -> Deal | None:
    """Release a stale reservation/hold first; return the same customer's live reservation or
    hold to convert; refuse a unit held by anyone else or not on sale."""
    if holder is not None and is_stale(holder, today):
        _expire(session, session.get(Deal, holder.id, populate_existing=True), unit, actor)
        holder = None
    if holder is not None:
        if holder.customer_id == customer_id and holder.stage in (
            DealStage.RESERVED,
            DealStage.HELD,
        ):
            return session.get(Deal, holder.id, populate_existing=True)
        raise _taken(unit, holder.stage, holder.name)
    if unit.status in (UnitStatus.UNRELEASED, UnitStatus.NOT_FOR_SALE):
        raise DealRefused(
            f"{unit.code} 未放盘或不可售，不能交易。",
            f"{unit.code} is not released for sale.",
        )
    if unit.status != UnitStatus.AVAILABLE:
        raise DealRefused(f"{unit.code} 已售出，不能交易。", f"{unit.code} is already sold.")
    return None


_CUSTOMER_FOR_SALE = (
    select(Customer)
    .options(load_only(*_CUSTOMER_SALE_COLUMNS))
    .where(Customer.id == bindparam("customer_id"))
)
_PLAN_WITH_ITEMS = (
    select(PaymentPlan)
    .options(joinedload(PaymentPlan.items))
    .where(PaymentPlan.id == bindparam("plan_id"))
)
_SETTING = select(Setting.value).where(Setting.key == bindparam("key"))


def _customer(session: Session, actor: User, customer_id: int, project_id: int) -> Customer:
    customer = (
        session.scalar(_CUSTOMER_FOR_SALE, {"customer_id": customer_id}) if customer_id else None
    )
    if customer is None or customer.project_id != project_id:
        raise ValidationError(
            "请选择本项目的客户。", "Choose a customer of this project.", errors={"customer": "x"}
        )
    owners = authz.owners(actor)
    if owners is not None and customer.consultant_id not in owners:
        raise PermissionDenied("deal.create")
    return customer


def _check_own_deal(actor: User, deal: Deal) -> None:
    owners = authz.owners(actor)
    if owners is not None and deal.consultant_id not in owners:
        raise PermissionDenied("deal.view")


def _plan(session: Session, plan_id: int | None, project_id: int) -> PaymentPlan:
    plan = (
        session.execute(_PLAN_WITH_ITEMS, {"plan_id": plan_id}).unique().scalar_one_or_none()
        if plan_id
        else None
    )
    if plan is None or plan.project_id != project_id or not plan.active:
        raise ValidationError(
            "请选择本项目有效的付款方案。",
            "Choose an active payment plan of this project.",
            errors={"plan": "x"},
        )
    return plan


def extra_discount_limit(session: Session) -> Decimal:
    value = session.scalar(_SETTING, {"key": EXTRA_DISCOUNT_LIMIT_KEY})
    return to_decimal(value) if value is not None else DEFAULT_EXTRA_DISCOUNT_LIMIT


def unit_area(unit: Unit) -> Decimal:
    if unit.pricing_basis == PricingBasis.INTERNAL:
        return unit.internal_area
    return unit.gross_area


def quote_unit(
    session: Session, unit: Unit, plan: PaymentPlan | None, extra_discount: DecimalLike = 0
) -> PriceQuote:
    return quote_price(
        area=unit_area(unit),
        list_unit_price=unit.list_unit_price,
        list_total=unit.list_total,
        floor_total=unit.floor_total,
        discount_rate=plan.discount_rate if plan else Decimal("1"),
        extra_discount=extra_discount,
        extra_limit_ratio=extra_discount_limit(session),
    )


def quote_for_deal(
    session: Session,
    unit: Unit,
    deal: Deal | None,
    plan: PaymentPlan | None,
    extra_discount: DecimalLike = 0,
) -> PriceQuote:
    """The price of a sale on `unit`: a live reservation or hold (`deal`) keeps the list price
    it snapshotted, so a later price change never alters it (the plan's discount and the extra
    discount apply to that list price); otherwise the unit's current list price. The floor is
    not snapshotted: the unit's current floor is taken at the snapshot's share of the list
    price (the same floor when the price has not changed)."""
    if deal is None or deal.list_total is None or deal.area is None:
        return quote_unit(session, unit, plan, extra_discount)
    floor = unit.floor_total
    if floor is not None and unit.list_total and unit.list_total != deal.list_total:
        floor = money(floor * deal.list_total / unit.list_total)
    return quote_price(
        area=deal.area,
        list_unit_price=deal.list_unit_price,
        list_total=deal.list_total,
        floor_total=floor,
        discount_rate=plan.discount_rate if plan else Decimal("1"),
        extra_discount=extra_discount,
        extra_limit_ratio=extra_discount_limit(session),
    )


def _snapshot(deal: Deal, q: PriceQuote) -> None:
    deal.area = q.area
    deal.list_unit_price = q.list_unit_price
    deal.list_total = q.list_total
    deal.discount_rate = q.discount_rate
    deal.extra_discount = q.extra_discount
    deal.deal_total = q.deal_total
    deal.deal_unit_price = q.deal_unit_price


def _price_fields(deal: Deal) -> dict:
    return audit.snapshot(
        deal,
        [
            "unit_id",
            "customer_id",
            "stage",
            "state",
            "list_total",
            "discount_rate",
            "extra_discount",
            "deal_total",
            "deposit",
        ],
    )


def _flush_deal(session: Session, unit: Unit, deal: Deal) -> None:
    """Insert/update the deal (and what is pending with it). The commands lock the unit and
    find its holder first, so a twin live deal only reaches the UNIQUE live_unit_id from a
    writer that skipped the lock; the database refuses it and so do we. (No savepoint: the
    whole command's transaction is rolled back by the caller.)"""
    session.add(deal)
    try:
        session.flush()
    except IntegrityError:
        raise DealRefused(
            f"{unit.code} 刚被他人占用，请刷新后重试。",
            f"{unit.code} was just taken; refresh and retry.",
        ) from None


def _receivables(session: Session, deal: Deal) -> list[Receivable]:
    return list(
        session.scalars(
            select(Receivable)
            .where(Receivable.deal_id == deal.id)
            .order_by(Receivable.seq)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _add_receivable(
    session: Session, deal: Deal, kind: ReceivableKind, amount: Decimal, due_on: date, payer=None
) -> Receivable:
    seq = (
        session.scalar(select(func.max(Receivable.seq)).where(Receivable.deal_id == deal.id)) or 0
    ) + 1
    row = _receivable(deal, seq, kind, amount, due_on, payer)
    row.deal_id = deal.id
    session.add(row)
    session.flush()
    return row


def _receivable(
    deal: Deal, seq: int, kind: ReceivableKind, amount: Decimal, due_on: date, payer=None
) -> Receivable:
    return Receivable(
        project_id=deal.project_id,
        seq=seq,
        kind=kind,
        payer=payer or PAYER.get(kind, "buyer"),
        due_on=due_on,
        amount=amount,
        paid=Decimal("0"),
        cancelled=False,
    )


def _plan_items(plan: PaymentPlan | None) -> list[tuple[ReceivableKind, Decimal, int]]:
    if plan is not None and plan.items:
        items = [
            (i.kind, i.ratio, i.due_days) for i in plan.items if i.kind != ReceivableKind.DEPOSIT
        ]
        if items:
            return items
    kind = plan.kind if plan is not None else PlanKind.LUMP_SUM
    return [(k, Decimal(r), d) for k, r, d in DEFAULT_SCHEDULES[kind]]


def _refuse_if_draft_receipts(session: Session, deal: Deal) -> None:
    drafts = session.scalar(
        select(func.count())
        .select_from(Receipt)
        .where(Receipt.deal_id == deal.id, Receipt.status == ReceiptStatus.DRAFT)
    )
    if drafts:
        raise DealRefused(
            "该交易有未审核的收据，请财务先审核或作废后再办理。",
            "This deal has unaudited receipts; finance must audit or void them first.",
        )


def _reschedule(session: Session, deal: Deal, plan: PaymentPlan | None) -> None:
    """Make the house-price receivables add up to deal_total: money already paid and the
    deposit stay; unpaid lines are cancelled and the rest is re-spread over the plan; a
    price below what is already owed becomes a refund line (negative)."""
    rows = [r for r in _receivables(session, deal) if not r.cancelled and r.kind in PRICE_KINDS]
    kept = []
    for r in rows:
        if r.paid > 0 or r.kind == ReceivableKind.DEPOSIT:
            kept.append(r)
        else:
            r.cancelled = True
    remaining = deal.deal_total - sum((r.amount for r in kept), Decimal("0"))
    for kind, amount, due_on, payer in _rest_of_price(deal, plan, remaining):
        _add_receivable(session, deal, kind, amount, due_on, payer)


def _rest_of_price(deal: Deal, plan: PaymentPlan | None, remaining: Decimal) -> list[tuple]:
    """The lines (kind, amount, due_on, payer) that bring a deal's receivables to its price:
    `remaining` spread over the plan from the sale day, or owed back (negative) if below 0."""
    if remaining < 0:
        return [(ReceivableKind.REFUND, remaining, localtime.today(), "developer")]
    base = deal.subscribed_on or deal.contracted_on or localtime.today()
    return [
        (kind, amount, base + timedelta(days=days), None)
        for kind, amount, days in split_schedule(remaining, _plan_items(plan))
        if amount
    ]


def _new_deal_receivables(deal: Deal, plan: PaymentPlan, deposit: Decimal, today: date) -> None:
    """A new deal's receivables, in memory (one flush inserts them with the deal): the
    deposit, then the rest of the price over the plan (what _reschedule makes of it)."""
    lines = [(ReceivableKind.DEPOSIT, deposit, today, None)] if deposit > 0 else []
    lines += _rest_of_price(deal, plan, deal.deal_total - deposit)
    deal.receivables = [
        _receivable(deal, seq, kind, amount, due_on, payer)
        for seq, (kind, amount, due_on, payer) in enumerate(lines, start=1)
    ]


def _close_receivables(session: Session, deal: Deal, refund: Decimal, today: date) -> None:
    """Nothing more is owed on a closed deal: every line is cancelled (what was paid stays as
    paid, for the ledger), so is a refund line of the live deal not paid out (the refund is
    computed afresh from the money paid); owe the buyer `refund` (a negative line) if any."""
    for r in _receivables(session, deal):
        if not r.cancelled and (r.kind != ReceivableKind.REFUND or r.paid == 0):
            r.cancelled = True
    if refund > 0:
        _add_receivable(session, deal, ReceivableKind.REFUND, -refund, today, payer="developer")


def _paid(session: Session, deal: Deal, kinds=None) -> Decimal:
    total = Decimal("0")
    for r in _receivables(session, deal):
        if r.kind == ReceivableKind.REFUND:
            continue
        if kinds is None or r.kind in kinds:
            total += r.paid
    return total


def _developer_fault(session: Session, deal: Deal) -> bool:
    payload = session.scalar(
        select(DealApproval.payload)
        .where(
            DealApproval.deal_id == deal.id,
            DealApproval.kind == ApprovalKind.CANCEL,
            DealApproval.status == ApprovalStatus.APPROVED,
        )
        .order_by(DealApproval.id.desc())
        .limit(1)
    )
    return bool((payload or {}).get("developer_fault"))


def refund_due(session: Session, deal: Deal) -> Decimal:
    """What a closed deal owes the buyer from the money actually kept (audited allocations):
    退房 returns everything (the deposit double when the developer is at fault), 挞定 keeps
    the deposit paid, an expired hold or a swap's remainder returns what is left."""
    paid = _paid(session, deal)
    if deal.state == DealState.FORFEITED:
        paid -= _paid(session, deal, {ReceivableKind.DEPOSIT})
    elif deal.state == DealState.CANCELLED and _developer_fault(session, deal):
        paid += _paid(session, deal, {ReceivableKind.DEPOSIT})
    return max(paid, Decimal(0))


def readjust_refund(session: Session, *, actor: User, deal: Deal, today: date) -> None:
    """Make a closed deal's refund receivable follow refund_due() after its money changed (a
    receipt reversed by 红冲). Money already paid out stays: when more was refunded than is
    now due, the change is refused until the refund voucher is reversed too."""
    lines = [
        r
        for r in _receivables(session, deal)
        if r.kind == ReceivableKind.REFUND and not r.cancelled
    ]
    owed = -sum((r.amount for r in lines), Decimal(0))
    paid_out = -sum((r.paid for r in lines), Decimal(0))
    due = refund_due(session, deal)
    if due == owed:
        return
    if due < paid_out:
        raise DealRefused(
            f"该交易已退款 ¥{format_amount(paid_out)}，冲销后应退仅 ¥{format_amount(due)}；"
            "请先红冲多退的退款单。",
            f"{format_amount(paid_out)} was already refunded but only {format_amount(due)} is "
            "due now; reverse the refund voucher first.",
        )
    if due > owed:
        _add_receivable(session, deal, ReceivableKind.REFUND, owed - due, today, payer="developer")
    else:
        shrink = owed - due
        for row in reversed(lines):  # the newest line first; never below what it paid out
            part = min(shrink, row.paid - row.amount)
            row.amount += part
            shrink -= part
            if row.amount == 0:
                row.cancelled = True
    session.flush()
    _event(session, deal, actor, "refund_adjust", before=owed, after=due)
    audit.record(
        session, actor, "deal.refund_adjust", deal, before={"refund": owed}, after={"refund": due}
    )


def _end(session: Session, deal: Deal, state: DealState, reason: str) -> None:
    """Close a deal; clearing live_unit_id frees its unit for the next live deal."""
    deal.state = state
    deal.live_unit_id = None
    deal.closed_at = utcnow()
    deal.close_reason = reason[:200]
    session.flush()


def _expire(session: Session, deal: Deal, unit: Unit, actor: User | None) -> None:
    _end(session, deal, DealState.EXPIRED, "expired")
    paid = _paid(session, deal)
    _close_receivables(session, deal, paid, localtime.today())
    set_unit_status(session, unit, UnitStatus.AVAILABLE, actor, deal, "到期释放")
    _event(session, deal, actor, "expire", stage=deal.stage)
    audit.record(session, actor, "deal.expire", deal, after={"unit": unit.code})


def _today(today: date | None) -> date:
    return today or localtime.today()


# ---------------------------------------------------------------------------------------------
# Commands: taking a unit


def reserve(
    session: Session,
    *,
    actor: User,
    unit_id: int,
    customer_id: int,
    until: date,
    today: date | None = None,
    token: str | None = None,
) -> Deal:
    """预留: hold a unit for a customer until a date, no money."""
    today = _today(today)
    use_token(session, token, "deal.reserve", actor)
    unit, holder = _take_unit(session, unit_id, actor, "deal.create")
    customer = _customer(session, actor, customer_id, unit.project_id)
    if until is None or until < today or until > today + timedelta(days=MAX_RESERVE_DAYS):
        raise ValidationError(
            f"预留截止日期须在今天到 {MAX_RESERVE_DAYS} 天之内。",
            f"The reservation must end within {MAX_RESERVE_DAYS} days.",
            errors={"until": "x"},
        )
    existing = _check_sellable(session, unit, holder, customer.id, today, actor)
    if existing is not None:
        raise DealRefused(
            f"{unit.code} 已由该客户{STAGE_LABELS[existing.stage][0]}。",
            f"{unit.code} is already {STAGE_LABELS[existing.stage][1]} for this customer.",
        )
    deal = Deal(
        project_id=unit.project_id,
        unit_id=unit.id,
        live_unit_id=unit.id,
        customer_id=customer.id,
        consultant_id=customer.consultant_id,
        stage=DealStage.RESERVED,
        state=DealState.LIVE,
        reserved_until=until,
        deposit=Decimal("0"),
        extra_discount=Decimal("0"),
        contract_status=ContractStatus.NONE,
        close_reason="",
    )
    _snapshot(deal, quote_unit(session, unit, None))
    _flush_deal(session, unit, deal)
    set_unit_status(session, unit, UnitStatus.RESERVED, actor, deal, "预留")
    _event(session, deal, actor, "reserve", until=until)
    audit.record(session, actor, "deal.reserve", deal, after=_price_fields(deal))
    return deal


def hold(
    session: Session,
    *,
    actor: User,
    unit_id: int,
    customer_id: int,
    deposit: DecimalLike,
    today: date | None = None,
    token: str | None = None,
) -> Deal:
    """临定 (小定): a small deposit holds the unit for Project.hold_days days."""
    today = _today(today)
    use_token(session, token, "deal.hold", actor)
    unit, holder = _take_unit(session, unit_id, actor, "deal.create")
    customer = _customer(session, actor, customer_id, unit.project_id)
    project = session.get(Project, unit.project_id)
    existing = _check_sellable(session, unit, holder, customer.id, today, actor)
    if existing is not None and existing.stage != DealStage.RESERVED:
        raise DealRefused(
            f"{unit.code} 已由该客户临定。", f"{unit.code} is already held for this customer."
        )
    q = quote_for_deal(session, unit, existing, None)
    amount = _deposit(deposit, q.list_total)
    deal = existing or Deal(
        project_id=unit.project_id,
        unit_id=unit.id,
        live_unit_id=unit.id,
        customer_id=customer.id,
        consultant_id=customer.consultant_id,
        state=DealState.LIVE,
        extra_discount=Decimal("0"),
        contract_status=ContractStatus.NONE,
        close_reason="",
    )
    deal.stage = DealStage.HELD
    deal.held_until = today + timedelta(days=project.hold_days)
    deal.deposit = amount
    _snapshot(deal, q)
    _flush_deal(session, unit, deal)
    _add_receivable(session, deal, ReceivableKind.DEPOSIT, amount, today)
    set_unit_status(session, unit, UnitStatus.HELD, actor, deal, "临定")
    _event(session, deal, actor, "hold", deposit=amount, until=deal.held_until)
    audit.record(session, actor, "deal.hold", deal, after=_price_fields(deal))
    return deal


def _deposit(deposit: DecimalLike, price: Decimal) -> Decimal:
    """The deposit as money: a number, above 0, at most 20% of `price` (fee_rules), refused
    with its Chinese message and the English twin."""
    try:
        amount = money(deposit if deposit not in (None, "") else "0")
    except (TypeError, ValueError) as err:
        zh = str(err)
        raise ValidationError(
            zh, f"The deposit is not a number: {deposit!r}", errors={"deposit": zh}
        ) from None
    try:
        fee_rules.check_deposit(amount, price)
    except ValueError as err:
        if amount <= 0:
            en = "The deposit must be above zero."
        else:
            limit = format_amount(fee_rules.deposit_limit(price))
            en = f"The deposit may not exceed 20% of the price (at most ¥{limit})."
        raise ValidationError(str(err), en, errors={"deposit": str(err)}) from None
    return amount


def subscribe(
    session: Session,
    *,
    actor: User,
    unit_id: int,
    customer_id: int,
    plan_id: int,
    deposit: DecimalLike,
    extra_discount: DecimalLike = Decimal("0"),
    today: date | None = None,
    token: str | None = None,
) -> Deal:
    """认购: customer, payment plan, price snapshot, deposit ≤ 20%; receivables from the plan.
    An extra discount beyond the limit (or a price below the floor) waits for a manager's
    approval: the deal is made at the plan price and a pending 额外优惠 request is attached."""
    use_token(session, token, "deal.subscribe", actor)
    return _subscribe(
        session,
        actor=actor,
        unit_id=unit_id,
        customer_id=customer_id,
        plan_id=plan_id,
        deposit=deposit,
        extra_discount=extra_discount,
        today=_today(today),
    )


def _subscribe(session, *, actor, unit_id, customer_id, plan_id, deposit, extra_discount, today):
    unit, holder = _take_unit(session, unit_id, actor, "deal.create")
    # Who holds the unit is decided first: at an opening (开盘) most attempts lose the race,
    # and they learn it after the lock without reading the customer, plan or price.
    existing = _check_sellable(session, unit, holder, customer_id, today, actor)
    customer = _customer(session, actor, customer_id, unit.project_id)
    plan = _plan(session, plan_id, unit.project_id)
    requested = quote_for_deal(session, unit, existing, plan, extra_discount or 0)
    needs_approval = requested.needs_approval and not authz.has(actor, "deal.approve")
    applied = quote_for_deal(session, unit, existing, plan, 0) if needs_approval else requested
    amount = _deposit(deposit, applied.deal_total)
    held = Decimal("0")
    if existing is not None and existing.stage == DealStage.HELD:
        held = existing.deposit
        if amount < held:
            raise ValidationError(
                f"认购定金不能少于已交的临定金 ¥{format_amount(held)}。",
                f"The deposit cannot be less than the hold deposit {format_amount(held)}.",
                errors={"deposit": "x"},
            )
    deal = existing or Deal(
        project_id=unit.project_id,
        unit_id=unit.id,
        live_unit_id=unit.id,
        customer_id=customer.id,
        consultant_id=customer.consultant_id,
        state=DealState.LIVE,
        contract_status=ContractStatus.NONE,
        close_reason="",
    )
    deal.stage = DealStage.SUBSCRIBED
    deal.plan_id = plan.id
    deal.subscribed_on = today
    deal.deposit = amount
    _snapshot(deal, applied)
    if customer.stage != CustomerStage.DEAL:
        customer.stage = CustomerStage.DEAL
    if existing is None:  # one flush: the deal, its receivables, the customer, the figures
        _new_deal_receivables(deal, plan, amount, today)
        _flush_deal(session, unit, deal)
    else:
        _flush_deal(session, unit, deal)
        if amount > held:
            _add_receivable(session, deal, ReceivableKind.DEPOSIT, amount - held, today)
        _reschedule(session, deal, plan)
    set_unit_status(session, unit, UnitStatus.SUBSCRIBED, actor, deal, "认购", flush=False)
    _event(
        session,
        deal,
        actor,
        "subscribe",
        plan=plan.name,
        deposit=amount,
        list_total=applied.list_total,
        discount_rate=applied.discount_rate,
        extra_discount=applied.extra_discount,
        deal_total=applied.deal_total,
    )
    if requested.needs_approval and needs_approval:
        _open_approval(
            session,
            actor,
            deal,
            ApprovalKind.DISCOUNT,
            {"extra_discount": str(requested.extra_discount)},
            _discount_reason(requested),
        )
    elif requested.needs_approval:
        _event(session, deal, actor, "discount_approved", by=actor.username, self_approved=True)
    audit.record(session, actor, "deal.subscribe", deal, after=_price_fields(deal))
    return deal


def _discount_reason(q: PriceQuote) -> str:
    parts = []
    if q.beyond_limit:
        parts.append(
            f"额外优惠 ¥{format_amount(q.extra_discount)} 超过限额 ¥{format_amount(q.extra_limit)}"
        )
    if q.below_floor:
        parts.append(
            f"成交价 ¥{format_amount(q.deal_total)} 低于底价 ¥{format_amount(q.floor_total)}"
        )
    return "；".join(parts)


def pending_approval(session: Session, deal_id: int) -> DealApproval | None:
    return session.scalar(select(DealApproval).where(DealApproval.pending_deal_id == deal_id))


def sign_contract(
    session: Session,
    *,
    actor: User,
    contract_no: str,
    deal_id: int | None = None,
    unit_id: int | None = None,
    customer_id: int | None = None,
    plan_id: int | None = None,
    deposit: DecimalLike | None = None,
    extra_discount: DecimalLike = Decimal("0"),
    home_count: int = 1,
    today: date | None = None,
    token: str | None = None,
) -> Deal:
    """签约: a subscribed deal gets its contract number, or a walk-in signs directly (the
    subscription is made in the same transaction). Fees and taxes become receivables."""
    today = _today(today)
    use_token(session, token, "deal.sign", actor)
    number = _contract_number(session, contract_no, deal_id)
    if deal_id is None:
        deal = _subscribe(
            session,
            actor=actor,
            unit_id=unit_id,
            customer_id=customer_id,
            plan_id=plan_id,
            deposit=deposit,
            extra_discount=extra_discount,
            today=today,
        )
    else:
        deal = _lock_deal(session, deal_id)
        authz.require(actor, "deal.create", project_id=deal.project_id)
        _check_own_deal(actor, deal)
    if deal.state != DealState.LIVE or deal.stage != DealStage.SUBSCRIBED:
        raise DealRefused("只有认购中的交易可以签约。", "Only a subscribed deal can be signed.")
    if pending_approval(session, deal.id) is not None:
        raise DealRefused(
            "该交易有待审批的变更（如额外优惠），审批后才能签约。",
            "A change of this deal awaits approval; sign after it is decided.",
        )
    _contract_number(session, number, deal.id)
    unit = session.get(Unit, deal.unit_id)
    deal.stage = DealStage.CONTRACTED
    deal.contract_no = number
    deal.contracted_on = today
    deal.contract_status = ContractStatus.SIGNED
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ValidationError(
            f"合同编号 {number} 已被使用。",
            f"Contract number {number} is already used.",
            errors={"contract_no": "x"},
        ) from None
    _fee_receivables(session, deal, unit, today, home_count)
    set_unit_status(session, unit, UnitStatus.CONTRACTED, actor, deal, "签约")
    _event(session, deal, actor, "sign", contract_no=number, home_count=home_count)
    audit.record(session, actor, "deal.sign", deal, after={"contract_no": number})
    return deal


def _contract_number(session: Session, contract_no: str | None, deal_id: int | None) -> str:
    """A contract number as typed: present, at most 50 characters, used by no other deal."""
    number = (contract_no or "").strip()
    if not number or len(number) > 50:
        raise ValidationError(
            "请填写合同编号（最多50个字符）。",
            "Enter the contract number (at most 50 characters).",
            errors={"contract_no": "x"},
        )
    query = select(Deal.id).where(Deal.contract_no == number)
    if deal_id is not None:
        query = query.where(Deal.id != deal_id)
    if session.scalar(query):
        raise ValidationError(
            f"合同编号 {number} 已被使用。",
            f"Contract number {number} is already used.",
            errors={"contract_no": "x"},
        )
    return number


def deed_tax_rules(session: Session) -> list[fee_rules.DeedTaxRule]:
    """The administrator's dated rates plus the built-in national rates (rules.fees) for
    whatever city and date they do not cover."""
    rows = session.scalars(select(DeedTaxRate)).all()
    stored = {(r.city, r.effective_from) for r in rows}
    defaults = [
        rule
        for rule in fee_rules.DEFAULT_DEED_TAX_RULES
        if (rule.city, rule.effective_from) not in stored
    ]
    return defaults + [
        fee_rules.DeedTaxRule(
            effective_from=r.effective_from,
            city=r.city,
            area_threshold=r.area_threshold,
            first_home_small=r.first_home_small,
            first_home_large=r.first_home_large,
            second_home_small=r.second_home_small,
            second_home_large=r.second_home_large,
            other_home_rate=r.other_home_rate,
        )
        for r in rows
    ]


def fee_rules_in_force(session: Session, project: Project, on: date) -> list[FeeRule]:
    """The latest rule per fee code in force on `on`: the project's own, else the city's, else
    the "*" rule."""
    rows = session.scalars(
        select(FeeRule).where(
            FeeRule.effective_from <= on,
            (FeeRule.project_id == project.id)
            | (FeeRule.project_id.is_(None) & FeeRule.city.in_([project.city, "*"])),
        )
    ).all()
    best: dict[str, FeeRule] = {}

    def rank(rule: FeeRule):
        level = 2 if rule.project_id else (1 if rule.city == project.city else 0)
        return (level, rule.effective_from, rule.id)

    for rule in rows:
        if rule.code not in best or rank(rule) > rank(best[rule.code]):
            best[rule.code] = rule
    return sorted(best.values(), key=lambda r: r.code)


def fee_lines(
    session: Session, deal: Deal, unit: Unit, on: date, home_count: int = 1
) -> list[tuple[str, str, Decimal]]:
    """(code, name, amount) of the taxes and fees of a deal on a date."""
    project = session.get(Project, deal.project_id)
    lines = []
    if unit.use == "residential":
        tax = fee_rules.deed_tax(
            deal.deal_total, unit.gross_area, home_count, deed_tax_rules(session), on, project.city
        )
    else:
        rule = fee_rules.deed_tax_rule(deed_tax_rules(session), on, project.city)
        tax = money(deal.deal_total * rule.other_home_rate)
    lines.append(("deed_tax", "契税", tax))
    variables = {
        "area": unit.gross_area,
        "price": deal.deal_total,
        "unit_price": deal.deal_unit_price or Decimal("0"),
    }
    for rule in fee_rules_in_force(session, project, on):
        if rule.code == "deed_tax":
            continue
        try:
            amount = money(fee_rules.evaluate_formula(rule.formula, variables))
        except fee_rules.FormulaError as err:
            raise DealRefused(
                f"费用规则“{rule.name}”无法计算：{err}", f"Fee rule {rule.name} failed: {err}"
            ) from None
        if amount > 0:
            lines.append((rule.code, rule.name, amount))
    return lines


def _fee_receivables(session, deal: Deal, unit: Unit, today: date, home_count: int) -> None:
    for code, name, amount in fee_lines(session, deal, unit, today, home_count):
        if amount > 0:
            _add_receivable(
                session, deal, ReceivableKind.FEE, amount, today + timedelta(days=FEE_DUE_DAYS)
            )
            _event(session, deal, None, "fee", code=code, name=name, amount=amount)


def audit_contract(session: Session, *, actor: User, deal_id: int) -> Deal:
    """合同审核."""
    deal = _lock_deal(session, deal_id)
    authz.require(actor, "deal.approve", project_id=deal.project_id)
    if deal.state != DealState.LIVE or deal.contract_status != ContractStatus.SIGNED:
        raise DealRefused(
            "只有已签约未审核的合同可以审核。", "Only a signed contract can be audited."
        )
    deal.contract_status = ContractStatus.AUDITED
    _event(session, deal, actor, "contract_audit")
    audit.record(session, actor, "deal.contract_audit", deal, after={"contract_status": "audited"})
    return deal


def file_contract(session: Session, *, actor: User, deal_id: int, filing_no: str = "") -> Deal:
    """合同备案 with the housing authority."""
    deal = _lock_deal(session, deal_id)
    authz.require(actor, "deal.approve", project_id=deal.project_id)
    if deal.state != DealState.LIVE or deal.contract_status != ContractStatus.AUDITED:
        raise DealRefused("合同须先审核再备案。", "Audit the contract before filing it.")
    deal.contract_status = ContractStatus.FILED
    _event(session, deal, actor, "contract_file", filing_no=(filing_no or "").strip()[:50])
    audit.record(session, actor, "deal.contract_file", deal, after={"filing_no": filing_no})
    return deal


def unfile_contract(session: Session, *, actor: User, deal_id: int, reason: str = "") -> Deal:
    """撤销备案: the housing authority has been told to withdraw the contract's filing; the
    contract is back to audited, so that it may be changed (换房) and filed again. Who may file
    may withdraw a filing; the reason is kept in the deal's history and the audit entry."""
    deal = _lock_deal(session, deal_id)
    authz.require(actor, "deal.approve", project_id=deal.project_id)
    if deal.state != DealState.LIVE or deal.contract_status != ContractStatus.FILED:
        raise DealRefused(
            "只有已备案的合同可以撤销备案。", "Only a filed contract can have its filing withdrawn."
        )
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ValidationError(
            "请填写撤销备案的原因。",
            "Give the reason for withdrawing the filing.",
            {"reason": "x"},
        )
    deal.contract_status = ContractStatus.AUDITED
    _event(session, deal, actor, "contract_unfile", reason=reason)
    audit.record(
        session,
        actor,
        "deal.contract_unfile",
        deal,
        before={"contract_status": "filed"},
        after={"contract_status": "audited", "reason": reason},
    )
    return deal


# The changes that would make the housing authority's record of a filed contract (its unit,
# its buyer, that the sale stands) disagree with the office's: each waits for 撤销备案.
FILED_BLOCKS = {
    ApprovalKind.SWAP: ("换房", "swapping units"),
    ApprovalKind.CANCEL: ("退房", "cancelling the purchase"),
    ApprovalKind.FORFEIT: ("挞定", "forfeiting the deal"),
    ApprovalKind.RENAME: ("更名", "changing the buyer"),
}


def _refuse_if_filed(deal: Deal, kind: ApprovalKind) -> None:
    """A filed contract names its unit and buyer at the housing authority: its filing is
    withdrawn (unfile_contract) before the deal is swapped, cancelled, forfeited or renamed."""
    if kind in FILED_BLOCKS and deal.contract_status == ContractStatus.FILED:
        zh, en = FILED_BLOCKS[kind]
        raise DealRefused(
            f"该合同已备案，请先撤销备案再{zh}。",
            "The contract is filed with the housing authority: withdraw the filing (撤销备案) "
            f"before {en}.",
        )


def expire_stale(session: Session, today: date | None = None, actor: User | None = None) -> int:
    """Release every reservation and hold past its date (the scheduled job); returns the count."""
    today = _today(today)
    ids = session.scalars(
        select(Deal.id)
        .where(
            Deal.state == DealState.LIVE,
            (
                (Deal.stage == DealStage.RESERVED) & (Deal.reserved_until < today)
                | ((Deal.stage == DealStage.HELD) & (Deal.held_until < today))
            ),
        )
        .order_by(Deal.unit_id)
    ).all()
    count = 0
    for deal_id in ids:
        deal = _lock_deal(session, deal_id)
        if is_stale(deal, today):
            _expire(session, deal, session.get(Unit, deal.unit_id), actor)
            count += 1
    return count


def release(session: Session, *, actor: User, deal_id: int, today: date | None = None) -> Deal:
    """Give up a reservation or a hold before its date (no approval: no sale was made)."""
    deal = _lock_deal(session, deal_id)
    authz.require(actor, "deal.create", project_id=deal.project_id)
    _check_own_deal(actor, deal)
    if deal.state != DealState.LIVE or deal.stage not in (DealStage.RESERVED, DealStage.HELD):
        raise DealRefused(
            "只有预留或临定可以直接释放。", "Only a reservation or hold can be released."
        )
    _refuse_if_draft_receipts(session, deal)
    _expire(session, deal, session.get(Unit, deal.unit_id), actor)
    deal.close_reason = "released"
    return deal


# ---------------------------------------------------------------------------------------------
# Transaction changes (交易变更), each approved by a manager


def _code_label(session: Session, category: str, code: str) -> str | None:
    item = session.scalar(
        select(CodeItem).where(
            CodeItem.category == category, CodeItem.code == code, CodeItem.active.is_(True)
        )
    )
    return item.label if item else None


def _open_approval(session, actor, deal, kind, payload, reason) -> DealApproval:
    approval = DealApproval(
        project_id=deal.project_id,
        deal_id=deal.id,
        pending_deal_id=deal.id,
        kind=kind,
        status=ApprovalStatus.PENDING,
        payload=payload,
        reason=(reason or "")[:200],
        requested_by=actor.id if actor else None,
        decision_note="",
    )
    try:
        with session.begin_nested():
            session.add(approval)
            session.flush()
    except IntegrityError:
        raise DealRefused(
            "该交易已有待审批的变更，请等待审批结果。",
            "A change of this deal is already awaiting approval.",
        ) from None
    _event(session, deal, actor, f"request_{kind.value}", payload=payload, reason=reason)
    audit.record(session, actor, f"deal.request_{kind.value}", approval, after=payload)
    return approval


def request_change(
    session: Session,
    *,
    actor: User,
    deal_id: int,
    kind: ApprovalKind | str,
    reason: str = "",
    reason_code: str = "",
    new_unit_id: int | None = None,
    new_customer_id: int | None = None,
    extra_discount: DecimalLike | None = None,
    developer_fault: bool = False,
    contract_no: str = "",
    token: str | None = None,
) -> DealApproval:
    """Ask for a transaction change; a manager decides it in 交易变更. A swap of a signed
    deal names the new contract's number (the contract names the unit)."""
    use_token(session, token, "deal.request", actor)
    kind = ApprovalKind(kind)
    deal = _lock_deal(session, deal_id)
    authz.require(actor, "deal.create", project_id=deal.project_id)
    _check_own_deal(actor, deal)
    if deal.state != DealState.LIVE:
        raise DealRefused("该交易已关闭，不能变更。", "This deal is closed.")
    _refuse_if_filed(deal, kind)
    payload: dict = {}
    if kind == ApprovalKind.FORFEIT:
        if deal.stage not in (DealStage.SUBSCRIBED, DealStage.CONTRACTED):
            raise DealRefused("只有认购或签约的交易可以挞定。", "Only a sale can be forfeited.")
        label = _code_label(session, "forfeit_reason", reason_code)
        if label is None:
            raise ValidationError("请选择挞定原因。", "Choose the forfeit reason.", {"reason": "x"})
        payload = {"reason_code": reason_code, "reason_label": label}
    elif kind == ApprovalKind.CANCEL:
        payload = {"developer_fault": bool(developer_fault), "reason_code": reason_code}
    elif kind == ApprovalKind.SWAP:
        if deal.stage not in (DealStage.SUBSCRIBED, DealStage.CONTRACTED):
            raise DealRefused(
                "只有认购或签约的交易可以换房。", "Only a subscribed or signed deal can swap units."
            )
        target = session.get(Unit, new_unit_id) if new_unit_id else None
        if target is None or target.project_id != deal.project_id or target.id == deal.unit_id:
            raise ValidationError(
                "请选择本项目的另一套房间。", "Choose another unit.", {"unit": "x"}
            )
        _check_swap_target(session, target)
        difference = _swap_quote(session, deal, target).deal_total - deal.deal_total
        payload = {
            "new_unit_id": target.id,
            "new_unit_code": target.code,
            "price_difference": str(difference),
        }
        if deal.stage == DealStage.CONTRACTED:
            payload["contract_no"] = _contract_number(session, contract_no, None)
    elif kind == ApprovalKind.RENAME:
        target = session.get(Customer, new_customer_id) if new_customer_id else None
        if target is None or target.project_id != deal.project_id or target.id == deal.customer_id:
            raise ValidationError(
                "请选择本项目的另一位客户。", "Choose another customer.", {"customer": "x"}
            )
        payload = {"new_customer_id": target.id, "new_customer_name": target.name}
    elif kind == ApprovalKind.DISCOUNT:
        if deal.stage != DealStage.SUBSCRIBED:
            raise DealRefused("只有认购阶段可以申请额外优惠。", "Only before the contract.")
        plan = session.get(PaymentPlan, deal.plan_id) if deal.plan_id else None
        q = quote_price(
            area=deal.area,
            list_unit_price=deal.list_unit_price,
            list_total=deal.list_total,
            floor_total=None,
            discount_rate=deal.discount_rate or (plan.discount_rate if plan else 1),
            extra_discount=extra_discount or 0,
        )
        payload = {"extra_discount": str(q.extra_discount)}
    return _open_approval(session, actor, deal, kind, payload, reason)


def decide(
    session: Session,
    *,
    actor: User,
    approval_id: int,
    approve: bool,
    note: str = "",
    today: date | None = None,
) -> DealApproval:
    """A manager approves (the change is carried out now) or rejects a request."""
    today = _today(today)
    approval = session.get(DealApproval, approval_id)
    if approval is None:
        raise NotFound("审批单不存在。", "No such approval request.")
    authz.require(actor, "deal.approve", project_id=approval.project_id)
    deal = _lock_deal(session, approval.deal_id)
    session.refresh(approval)
    if approval.status != ApprovalStatus.PENDING:
        raise DealRefused("该申请已处理。", "This request was already decided.")
    if approve:  # filed after the request was made: the request stays pending
        _refuse_if_filed(deal, approval.kind)
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    approval.pending_deal_id = None
    approval.decided_by = actor.id
    approval.decided_at = utcnow()
    approval.decision_note = (note or "")[:200]
    session.flush()
    if approve:
        if deal.state != DealState.LIVE:
            raise DealRefused("该交易已关闭，不能变更。", "This deal is closed.")
        difference = APPLY[approval.kind](session, actor, deal, approval.payload or {}, today)
        if approval.kind == ApprovalKind.SWAP:  # the difference it was carried out at
            approval.payload = {**(approval.payload or {}), "price_difference": str(difference)}
            session.flush()
    _event(
        session,
        deal,
        actor,
        f"{'approve' if approve else 'reject'}_{approval.kind.value}",
        note=note,
        payload=approval.payload,
    )
    audit.record(
        session,
        actor,
        f"deal.{'approve' if approve else 'reject'}",
        approval,
        after={"kind": approval.kind, "deal": deal.id},
    )
    return approval


def _close(session, actor, deal: Deal, state: DealState, reason: str, today):
    """End a deal (the approval deciding it is already recorded) and owe the buyer
    refund_due()."""
    _refuse_if_draft_receipts(session, deal)
    unit = session.get(Unit, deal.unit_id)
    _end(session, deal, state, reason)
    _close_receivables(session, deal, refund_due(session, deal), today)
    set_unit_status(session, unit, UnitStatus.AVAILABLE, actor, deal, reason)


def _apply_forfeit(session, actor, deal: Deal, payload: dict, today: date) -> None:
    # 挞定: the deposit paid is kept; anything paid beyond it is owed back to the buyer.
    _close(session, actor, deal, DealState.FORFEITED, payload.get("reason_label", "挞定"), today)


def _apply_cancel(session, actor, deal: Deal, payload: dict, today: date) -> None:
    # 退房: everything paid is returned; the developer's fault returns the deposit double.
    _close(session, actor, deal, DealState.CANCELLED, "退房", today)


def _check_swap_target(session: Session, unit: Unit) -> None:
    if unit.status in (UnitStatus.UNRELEASED, UnitStatus.NOT_FOR_SALE):
        raise DealRefused(
            f"{unit.code} 未放盘或不可售，不能换入。", f"{unit.code} is not released for sale."
        )
    if unit.status != UnitStatus.AVAILABLE or live_deal(session, unit.id) is not None:
        raise DealRefused(
            f"{unit.code} 已售出或已被占用，不能换入。", f"{unit.code} is not for sale."
        )


def _home_count(session: Session, deal: Deal) -> int:
    details = session.scalar(
        select(DealEvent.details)
        .where(DealEvent.deal_id == deal.id, DealEvent.kind.in_(["sign", "swap_in"]))
        .order_by(DealEvent.id.desc())
        .limit(1)
    )
    return int((details or {}).get("home_count") or 1)


def _swap_moves(
    session: Session, old: Deal, new: Deal
) -> list[tuple[Receivable, Receivable, Decimal]]:
    """Which paid money of the old deal fills which line of the new one: the deposit first,
    then by due date; each payer's money to the same payer's lines first, then to any."""
    sources = [[r, r.paid] for r in _receivables(session, old) if r.kind != ReceivableKind.REFUND]
    sources = [s for s in sources if s[1] > 0]
    targets = [
        [r, r.amount]
        for r in sorted(
            _receivables(session, new),
            key=lambda r: (r.kind != ReceivableKind.DEPOSIT, r.due_on, r.seq),
        )
        if not r.cancelled and r.kind != ReceivableKind.REFUND
    ]
    moves = []
    for same_payer in (True, False):
        for target in targets:
            for source in sources:
                if target[1] == 0:
                    break
                if source[1] == 0 or (same_payer and source[0].payer != target[0].payer):
                    continue
                part = min(source[1], target[1])
                moves.append((source[0], target[0], part))
                source[1] -= part
                target[1] -= part
    return moves


def _swap_quote(session: Session, deal: Deal, unit: Unit) -> PriceQuote:
    """The new unit's price for a swap: at its price now, with the deal's plan and extra
    discount."""
    plan = session.get(PaymentPlan, deal.plan_id) if deal.plan_id else None
    return quote_unit(session, unit, plan, deal.extra_discount)


def swap_price_differences(session: Session, approval_ids) -> dict[int, Decimal | None]:
    """What each 换房 request changes the price by (new deal price − the deal's): a pending
    request at the new unit's price now (what approving it would do), a decided one as
    recorded when it was asked or carried out; None when it cannot be priced."""
    out: dict[int, Decimal | None] = {}
    ids = [int(i) for i in approval_ids]
    if not ids:
        return out
    rows = session.scalars(
        select(DealApproval).where(DealApproval.id.in_(ids), DealApproval.kind == ApprovalKind.SWAP)
    )
    for approval in rows:
        payload = approval.payload or {}
        recorded = payload.get("price_difference")
        out[approval.id] = to_decimal(recorded) if recorded not in (None, "") else None
        if approval.status != ApprovalStatus.PENDING:
            continue
        deal = session.get(Deal, approval.deal_id)
        unit = session.get(Unit, int(payload.get("new_unit_id") or 0))
        if deal is None or unit is None or deal.deal_total is None:
            continue
        with contextlib.suppress(DomainError):  # e.g. the unit lost its price: as recorded
            out[approval.id] = _swap_quote(session, deal, unit).deal_total - deal.deal_total
    return out


def _apply_swap(session, actor, deal: Deal, payload: dict, today: date) -> Decimal:
    """换房: the deal ends as SWAPPED and the buyer gets a new live deal on the new unit at
    its price (same plan, extra discount, deposit and stage; a signed deal gets the new
    contract number); the money paid moves with it (换房转款), and what the new deal cannot
    take is owed back on the old one."""
    from .finance import transfer_vouchers  # finance builds on this module

    _refuse_if_draft_receipts(session, deal)
    old_unit = session.get(Unit, deal.unit_id)
    new_unit = _lock_unit(session, int(payload["new_unit_id"]))
    holder = live_deal(session, new_unit.id)
    if holder is not None and is_stale(holder, today):
        _expire(session, holder, new_unit, actor)
        holder = None
    if holder is not None:
        raise _holder_refusal(session, new_unit, holder)
    _check_swap_target(session, new_unit)
    plan = session.get(PaymentPlan, deal.plan_id) if deal.plan_id else None
    q = _swap_quote(session, deal, new_unit)
    if q.deal_total < deal.deposit:
        raise DealRefused(
            f"{new_unit.code} 的成交价低于已交定金，不能换入。",
            f"The price of {new_unit.code} is below the deposit.",
        )
    contract_no = None
    if deal.stage == DealStage.CONTRACTED:
        contract_no = _contract_number(session, payload.get("contract_no"), deal.id)
    before = _price_fields(deal)
    _end(session, deal, DealState.SWAPPED, f"换房至 {new_unit.code}")
    new = Deal(
        project_id=deal.project_id,
        unit_id=new_unit.id,
        live_unit_id=new_unit.id,
        customer_id=deal.customer_id,
        consultant_id=deal.consultant_id,
        stage=deal.stage,
        state=DealState.LIVE,
        plan_id=deal.plan_id,
        deposit=deal.deposit,
        subscribed_on=deal.subscribed_on,
        contract_no=contract_no,
        contracted_on=today if contract_no else None,
        contract_status=ContractStatus.SIGNED if contract_no else ContractStatus.NONE,
        close_reason="",
    )
    _snapshot(new, q)
    _flush_deal(session, new_unit, new)
    if deal.deposit > 0:
        _add_receivable(
            session, new, ReceivableKind.DEPOSIT, deal.deposit, deal.subscribed_on or today
        )
    _reschedule(session, new, plan)
    home_count = _home_count(session, deal)
    if contract_no:
        _fee_receivables(session, new, new_unit, today, home_count)
    moves = _swap_moves(session, deal, new)
    transfer_vouchers(
        session,
        actor=actor,
        old=deal,
        new=new,
        moves=moves,
        on=today,
        note=f"换房转款：{old_unit.code} → {new_unit.code}",
    )
    refund = refund_due(session, deal)
    _close_receivables(session, deal, refund, today)
    set_unit_status(session, old_unit, UnitStatus.AVAILABLE, actor, deal, "换出")
    set_unit_status(session, new_unit, STAGE_UNIT_STATUS[new.stage], actor, new, "换入")
    moved = sum((m[2] for m in moves), Decimal(0))
    difference = q.deal_total - to_decimal(before["deal_total"])
    _event(
        session,
        deal,
        actor,
        "swap_out",
        new_deal=new.id,
        new_unit=new_unit.code,
        moved=moved,
        refund=refund,
    )
    _event(
        session,
        new,
        actor,
        "swap_in",
        old_deal=deal.id,
        old_unit=old_unit.code,
        new_unit=new_unit.code,
        before=before,
        price_difference=difference,
        moved=moved,
        contract_no=contract_no,
        home_count=home_count,
    )
    audit.record(session, actor, "deal.swap", new, before=before, after=_price_fields(new))
    return difference


def _apply_rename(session, actor, deal: Deal, payload: dict, today: date) -> None:
    old = deal.customer_id
    customer = session.get(Customer, int(payload["new_customer_id"]))
    deal.customer_id = customer.id
    if customer.stage != CustomerStage.DEAL:
        customer.stage = CustomerStage.DEAL
    _event(session, deal, actor, "rename", old_customer_id=old, new_customer_id=customer.id)


def _apply_discount(session, actor, deal: Deal, payload: dict, today: date) -> None:
    _refuse_if_draft_receipts(session, deal)
    plan = session.get(PaymentPlan, deal.plan_id) if deal.plan_id else None
    q = quote_price(
        area=deal.area,
        list_unit_price=deal.list_unit_price,
        list_total=deal.list_total,
        floor_total=None,
        discount_rate=deal.discount_rate,
        extra_discount=to_decimal(payload.get("extra_discount", "0")),
    )
    if q.deal_total < deal.deposit:
        raise DealRefused("优惠后房价低于定金。", "The price would fall below the deposit.")
    _snapshot(deal, q)
    session.flush()
    _reschedule(session, deal, plan)
    unit = session.get(Unit, deal.unit_id)
    unit.updated_at = utcnow()


APPLY = {
    ApprovalKind.FORFEIT: _apply_forfeit,
    ApprovalKind.CANCEL: _apply_cancel,
    ApprovalKind.SWAP: _apply_swap,
    ApprovalKind.RENAME: _apply_rename,
    ApprovalKind.DISCOUNT: _apply_discount,
}
