"""Reads shared by the after-sales screens: what a contracted deal owes and has paid."""

from __future__ import annotations

from sqlalchemy import Subquery, func, select

from ..models import Receivable, ReceivableKind

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
