"""Reads shared by the after-sales screens: what a contracted deal owes and has paid."""

from __future__ import annotations

from sqlalchemy import Select, Subquery, func, or_, select

from ..models import (
    CaseKind,
    Deal,
    DealStage,
    DealState,
    PaymentPlan,
    Receivable,
    ReceivableKind,
)
from ..rules import aftersales as rules

# The price of the home: everything the buyer, the bank or the fund owes for it, area-difference
# settlement included; taxes and fees (FEE) and refunds owed to the buyer (REFUND) are not.
PRICE_KINDS = tuple(
    k for k in ReceivableKind if k not in (ReceivableKind.FEE, ReceivableKind.REFUND)
)


def price_paid() -> Subquery:
    """Per deal: `due` (the price, non-cancelled receivables) and `paid`. A deal is paid in
    full (产权办理 may start) when paid ≥ due."""
    return (
        select(
            Receivable.deal_id.label("deal_id"),
            func.sum(Receivable.amount).label("due"),
            func.sum(Receivable.paid).label("paid"),
        )
        .where(Receivable.cancelled.is_(False), Receivable.kind.in_(PRICE_KINDS))
        .group_by(Receivable.deal_id)
        .subquery("price_paid")
    )


def in_work_list(query: Select, kind: CaseKind, case) -> Select:
    """Limit a select over Deal, outer-joined with `case` (an alias of AftersalesCase: the
    deal's case of `kind`), to the kind's work list: live contracts on a mortgage plan
    (按揭办理) or paid in full (产权办理), and those that already have a case."""
    query = query.where(Deal.stage == DealStage.CONTRACTED, Deal.state == DealState.LIVE)
    if CaseKind(kind) == CaseKind.MORTGAGE:
        return query.outerjoin(PaymentPlan, PaymentPlan.id == Deal.plan_id).where(
            or_(PaymentPlan.kind.in_(rules.MORTGAGE_PLANS), case.id.is_not(None))
        )
    paid = price_paid()
    return query.outerjoin(paid, paid.c.deal_id == Deal.id).where(
        or_(paid.c.paid >= paid.c.due, case.id.is_not(None))
    )
