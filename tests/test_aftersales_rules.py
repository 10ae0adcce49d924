"""After-sales rules (no database): each kind's order, one step forward and back, which plans
need mortgage processing."""

from __future__ import annotations

from data_layer.models import CaseKind, CaseStatus, PlanKind
from data_layer.rules import aftersales as rules

M, C = CaseKind.MORTGAGE, CaseKind.CERTIFICATE
S = CaseStatus


def test_mortgage_goes_pending_submitted_done():
    assert rules.next_status(M, S.PENDING) == S.SUBMITTED
    assert rules.next_status(M, S.SUBMITTED) == S.DONE
    assert rules.next_status(M, S.DONE) is None
    assert [rules.STATUS_LABELS[s] for s in rules.ORDER[M]] == ["待办", "送办", "已办"]


def test_certificate_goes_pending_applied_submitted_issued():
    walk, status = [], S.PENDING
    while status is not None:
        walk.append(rules.STATUS_LABELS[status])
        status = rules.next_status(C, status)
    assert walk == ["待办", "已申请", "送办", "出证"]


def test_one_step_back_and_none_from_the_first():
    assert rules.previous_status(C, S.ISSUED) == S.SUBMITTED
    assert rules.previous_status(C, S.SUBMITTED) == S.APPLIED
    assert rules.previous_status(M, S.SUBMITTED) == S.PENDING
    assert rules.previous_status(M, S.PENDING) is None
    assert rules.previous_status(C, S.PENDING) is None


def test_only_the_last_status_is_finished():
    assert rules.is_finished(M, S.DONE) and rules.is_finished(C, S.ISSUED)
    assert not any(rules.is_finished(M, s) for s in (S.PENDING, S.SUBMITTED))
    assert not any(rules.is_finished(C, s) for s in (S.PENDING, S.APPLIED, S.SUBMITTED))


def test_mortgage_plans_are_the_loan_plans():
    assert all(
        rules.needs_mortgage(k)
        for k in (PlanKind.COMMERCIAL, PlanKind.PROVIDENT, PlanKind.COMBINED)
    )
    assert not rules.needs_mortgage(PlanKind.LUMP_SUM)
    assert not rules.needs_mortgage(PlanKind.INSTALLMENT)
    assert not rules.needs_mortgage(None)


def test_every_kind_has_a_document_category_and_label():
    assert rules.DOCUMENT_CATEGORY == {M: "mortgage_document", C: "certificate_document"}
    assert rules.KIND_LABELS == {M: "按揭办理", C: "产权办理"}
