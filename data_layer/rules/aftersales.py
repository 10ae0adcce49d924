"""After-sales rules (no database): which contracted deals need mortgage processing, the order
of each kind's statuses and the moves a case may make.

按揭办理: 待办 → 送办 → 已办. 产权办理: 待办 → 已申请 → 送办 → 出证. A case moves one step
forward, or one step back (退回) with a reason; the first step forward needs every checklist
document received."""

from __future__ import annotations

from ..models.aftersales import CaseKind, CaseStatus
from ..models.deals import PlanKind

# Payment plans whose buyers borrow (the bank or the housing fund pays part of the price).
MORTGAGE_PLANS = frozenset({PlanKind.COMMERCIAL, PlanKind.PROVIDENT, PlanKind.COMBINED})

ORDER: dict[CaseKind, tuple[CaseStatus, ...]] = {
    CaseKind.MORTGAGE: (CaseStatus.PENDING, CaseStatus.SUBMITTED, CaseStatus.DONE),
    CaseKind.CERTIFICATE: (
        CaseStatus.PENDING,
        CaseStatus.APPLIED,
        CaseStatus.SUBMITTED,
        CaseStatus.ISSUED,
    ),
}

STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.PENDING: "待办",
    CaseStatus.APPLIED: "已申请",
    CaseStatus.SUBMITTED: "送办",
    CaseStatus.DONE: "已办",
    CaseStatus.ISSUED: "出证",
}

KIND_LABELS: dict[CaseKind, str] = {
    CaseKind.MORTGAGE: "按揭办理",
    CaseKind.CERTIFICATE: "产权办理",
}

# The code dictionary category holding each kind's document checklist.
DOCUMENT_CATEGORY: dict[CaseKind, str] = {
    CaseKind.MORTGAGE: "mortgage_document",
    CaseKind.CERTIFICATE: "certificate_document",
}


def next_status(kind: CaseKind, status: CaseStatus) -> CaseStatus | None:
    """The status one step forward, or None at the last."""
    order = ORDER[kind]
    i = order.index(status)
    return order[i + 1] if i + 1 < len(order) else None


def previous_status(kind: CaseKind, status: CaseStatus) -> CaseStatus | None:
    """The status one step back, or None at the first."""
    order = ORDER[kind]
    i = order.index(status)
    return order[i - 1] if i > 0 else None


def is_finished(kind: CaseKind, status: CaseStatus) -> bool:
    return status == ORDER[kind][-1]


def needs_mortgage(plan_kind: PlanKind | None) -> bool:
    return plan_kind in MORTGAGE_PLANS
