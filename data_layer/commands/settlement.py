"""面积补差: turn the measured area of a contracted unit into what the buyer owes or is owed.

`settle_areas` settles live contracted deals at the contract's after-discount unit price under
rules.settlement (商品房销售管理办法 article 20): one receivable of kind SETTLEMENT per deal,
positive when the buyer pays, negative when the developer refunds. The area settled is the one
the contract prices by (建筑面积, or 套内面积 for units priced by internal area); a unit priced
per unit (按套) has none. Each settlement is a deal event holding the measured areas it used,
so that a later import of a different area can be told apart from a repeated click."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, authz
from ..errors import DomainError, NotFound, PermissionDenied, ValidationError
from ..models import (
    Deal,
    DealEvent,
    DealStage,
    DealState,
    PricingBasis,
    Receivable,
    ReceivableKind,
    Unit,
    User,
)
from ..rules.money import format_amount
from ..rules.settlement import AreaSettlement, settle_area_difference
from .deals import _add_receivable, _event, _lock_deal, _receivables
from .finance import _draft_allocated

EVENT = "settlement"


class SettlementRefused(DomainError):
    pass


def measured_area(unit: Unit) -> Decimal | None:
    """The measured area the contract's price applies to (None: not measured, or 按套)."""
    if unit.pricing_basis == PricingBasis.INTERNAL:
        return unit.measured_internal_area
    if unit.pricing_basis == PricingBasis.UNIT:
        return None
    return unit.measured_gross_area


def compute(deal: Deal, unit: Unit) -> AreaSettlement | None:
    """The rule's settlement of a deal from its unit's measured areas (None when the unit has
    no measured area for its basis, or is priced per unit). For a contract priced by gross area
    the 套内 check uses the unit's design internal area against the measured one."""
    if unit.pricing_basis == PricingBasis.UNIT:
        return None
    measured = measured_area(unit)
    if measured is None or not deal.area or deal.deal_unit_price is None:
        return None
    internal = {}
    if (
        unit.pricing_basis == PricingBasis.GROSS
        and unit.measured_internal_area is not None
        and unit.internal_area
    ):
        internal = {
            "contract_internal_area": unit.internal_area,
            "measured_internal_area": unit.measured_internal_area,
        }
    return settle_area_difference(deal.area, measured, deal.deal_unit_price, **internal)


def area_text(value) -> str | None:
    """An area as kept in a settlement event (two places, text)."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def settled_area(details: dict | None) -> str | None:
    """The measured area (of the contract's basis) a settlement event was computed from."""
    return (details or {}).get("measured_area")


@dataclass(frozen=True)
class _Plan:
    deal: Deal
    unit: Unit
    result: AreaSettlement
    replaces: Receivable | None


def _last_events(session: Session, deal_ids: list[int]) -> dict[int, dict]:
    """The details of each deal's latest settlement event."""
    latest: dict[int, dict] = {}
    if not deal_ids:
        return latest
    for deal_id, details in session.execute(
        select(DealEvent.deal_id, DealEvent.details)
        .where(DealEvent.deal_id.in_(deal_ids), DealEvent.kind == EVENT)
        .order_by(DealEvent.id)
    ):
        latest[deal_id] = dict(details or {})
    return latest


def settle_areas(
    session: Session, *, actor: User, deal_ids: list[int], due_on: date
) -> list[Receivable]:
    """生成补差: for each deal one SETTLEMENT receivable due on `due_on`. Refuses the whole
    batch, listing every refused deal and why, when any deal is not a live contract, is priced
    per unit, has no measured area, is already settled with the same measured area, or has a
    settlement that was (partly) paid or is in a draft receipt. An unpaid settlement computed
    from another measured area is replaced (cancelled, and a new line added)."""
    authz.require(actor, "finance.edit")
    ids = sorted({int(i) for i in deal_ids or []})
    if not ids:
        raise ValidationError("请先选择要补差的交易。", "Select the deals to settle first.")
    if not isinstance(due_on, date):
        raise ValidationError(
            "请填写补差款的应收日期。", "Enter the due date of the settlement.", {"due_on": "x"}
        )
    plans: list[_Plan] = []
    refusals: list[tuple[str, str]] = []
    locked: list[tuple[Deal, Unit]] = []
    for deal_id in ids:  # in id order: two clerks settling overlapping batches never deadlock
        try:
            deal = _lock_deal(session, deal_id)
        except NotFound:
            refusals.append((f"交易 {deal_id} 不存在", f"deal {deal_id} does not exist"))
            continue
        if not authz.scope(actor).allows_project(deal.project_id):
            raise PermissionDenied("finance.edit")
        locked.append((deal, session.get(Unit, deal.unit_id)))
    events = _last_events(session, [d.id for d, _ in locked])
    for deal, unit in locked:
        code = unit.code
        if deal.state != DealState.LIVE or deal.stage != DealStage.CONTRACTED:
            refusals.append((f"{code}：不是已签约的有效交易", f"{code}: not a live contract"))
            continue
        if unit.pricing_basis == PricingBasis.UNIT:
            refusals.append(
                (f"{code}：按套计价，无需补差", f"{code}: priced per unit, no settlement")
            )
            continue
        result = compute(deal, unit)
        if result is None:
            refusals.append((f"{code}：尚无实测面积", f"{code}: no measured area yet"))
            continue
        lines = [
            r
            for r in _receivables(session, deal)
            if r.kind == ReceivableKind.SETTLEMENT and not r.cancelled
        ]
        old = lines[-1] if lines else None
        if old is not None:
            if settled_area(events.get(deal.id)) == area_text(result.measured_area):
                refusals.append(
                    (
                        f"{code}：已按该实测面积生成补差（¥{format_amount(old.amount)}）",
                        f"{code}: already settled at this measured area "
                        f"({format_amount(old.amount)})",
                    )
                )
                continue
            drafts = _draft_allocated(session, [old.id])
            if old.paid != 0 or drafts.get(old.id):
                refusals.append(
                    (
                        f"{code}：原补差款已收（退）款或在未审核收据中，不能按新实测面积重算，"
                        "请先红冲或作废相关收据",
                        f"{code}: the earlier settlement is (partly) paid or in a draft receipt; "
                        "reverse or void that receipt before settling again",
                    )
                )
                continue
        plans.append(_Plan(deal, unit, result, old))
    if refusals:
        raise SettlementRefused(
            "以下交易不能生成补差，本次未作任何处理：" + "；".join(zh for zh, _ in refusals) + "。",
            "Nothing was settled; these deals are refused: "
            + "; ".join(en for _, en in refusals)
            + ".",
        )
    created = []
    for plan in plans:
        created.append(_settle(session, actor, plan, due_on))
    return created


def _settle(session: Session, actor: User, plan: _Plan, due_on: date) -> Receivable:
    deal, unit, result, old = plan.deal, plan.unit, plan.result, plan.replaces
    if old is not None:
        old.cancelled = True
        session.flush()
    row = _add_receivable(session, deal, ReceivableKind.SETTLEMENT, result.amount, due_on)
    details = {
        "receivable_id": row.id,
        "amount": result.amount,
        "contract_area": result.contract_area,
        "measured_area": area_text(result.measured_area),
        "measured_gross_area": area_text(unit.measured_gross_area),
        "measured_internal_area": area_text(unit.measured_internal_area),
        "unit_price": result.unit_price,
        "error_ratio": result.error_ratio,
        "within_amount": result.within_amount,
        "beyond_amount": result.beyond_amount,
        "developer_borne_amount": result.developer_borne_amount,
        "buyer_may_cancel": result.buyer_may_cancel,
    }
    if old is not None:
        details["replaces"] = old.id
        details["replaced_amount"] = old.amount
    _event(session, deal, actor, EVENT, **details)
    audit.record(
        session,
        actor,
        "settlement.settle",
        deal,
        before={"receivable_id": old.id, "amount": old.amount} if old is not None else None,
        after={"unit": unit.code, **details},
    )
    return row
