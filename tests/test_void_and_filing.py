"""Two audit gaps closed: every void (作废) of a receipt or refund voucher needs a reason, like a
reversal (红冲); a filed contract (已备案) is swapped (换房) only after its filing is withdrawn
(撤销备案, by who may file). Data layer on SQLite and MariaDB; the screens through Flask."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data_layer.commands import deals as deal_cmd
from data_layer.commands import finance as cmd
from data_layer.errors import DomainError, PermissionDenied, ValidationError
from data_layer.models import (
    ApprovalStatus,
    AuditEntry,
    ContractStatus,
    Customer,
    Deal,
    DealApproval,
    DealEvent,
    DealState,
    Project,
    Receipt,
    ReceiptStatus,
    Unit,
    User,
)
from tests import dash_client
from tests.conftest import login
from tests.test_deals_support import make_market
from tests.test_finance_callbacks import lump_plan, post
from tests.test_finance_receipts import assert_ledger_adds_up
from tests.test_finance_refunds import close, pay, refund

TODAY = date(2026, 12, 4)
FILED_REFUSAL = "该合同已备案，请先撤销备案再换房。"


@pytest.fixture
def market(session):
    return make_market(session)


@pytest.fixture
def deal(session, market):
    return deal_cmd.subscribe(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[0].id,
        customer_id=market.customers[0].id,
        plan_id=market.mortgage.id,
        deposit=Decimal("50000"),
        today=TODAY,
    )


def audit_entries(session, action: str, entity_id: int) -> list[AuditEntry]:
    return session.scalars(
        select(AuditEntry).where(AuditEntry.action == action, AuditEntry.entity_id == entity_id)
    ).all()


def open_amount(session, deal) -> Decimal:
    rows = deal_cmd._receivables(session, deal)
    return sum(cmd.outstanding(session, rows).values(), Decimal(0))


# --- 作废 needs a reason -----------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_void_without_a_reason_is_refused_and_changes_nothing(session, market, deal, reason):
    before_open = open_amount(session, deal)
    draft = cmd.record_receipt(
        session,
        actor=market.user("finance"),
        deal_id=deal.id,
        amount=Decimal("100"),
        method="cash",
        received_on=TODAY,
        notes="现金",
    )
    with pytest.raises(ValidationError) as err:
        cmd.void_receipt(session, actor=market.user("finance"), receipt_id=draft.id, reason=reason)
    assert err.value.message == "请填写作废原因。"
    assert err.value.message_en == "Give the reason for voiding the receipt."
    assert err.value.errors == {"reason": "x"}
    session.refresh(draft)
    assert (draft.status, draft.notes) == (ReceiptStatus.DRAFT, "现金")
    assert audit_entries(session, "finance.receipt_void", draft.id) == []
    assert open_amount(session, deal) == before_open - Decimal("100")  # still allocated
    # ... and it can still be audited as it was
    assert cmd.audit_receipts(session, actor=market.user("finance"), receipt_ids=[draft.id]) == 1
    assert_ledger_adds_up(session)


def test_void_with_a_reason_voids_records_it_and_audits(session, market, deal):
    before_open = open_amount(session, deal)
    draft = cmd.record_receipt(
        session,
        actor=market.user("finance"),
        deal_id=deal.id,
        amount=Decimal("100"),
        method="cash",
        received_on=TODAY,
        notes="现金",
    )
    cmd.void_receipt(
        session, actor=market.user("finance"), receipt_id=draft.id, reason="  金额录错  "
    )
    assert draft.status == ReceiptStatus.VOIDED
    assert draft.notes == "现金\n作废：金额录错"
    [entry] = audit_entries(session, "finance.receipt_void", draft.id)
    assert entry.username == "finance"
    assert entry.after == {"number": draft.number, "reason": "金额录错"}
    assert open_amount(session, deal) == before_open  # the allocation is released
    assert cmd.audit_receipts(session, actor=market.user("finance"), receipt_ids=[draft.id]) == 0
    assert_ledger_adds_up(session)


def test_a_draft_refund_voucher_also_needs_a_reason_to_be_voided(session, market, deal):
    pay(session, market, deal, "1000")
    close(session, market, deal)
    draft = refund(session, market, deal, "400", audit=False)
    with pytest.raises(ValidationError) as err:
        cmd.void_receipt(session, actor=market.user("finance"), receipt_id=draft.id)
    assert err.value.message == "请填写作废原因。"
    session.refresh(draft)
    assert draft.status == ReceiptStatus.DRAFT
    cmd.void_receipt(session, actor=market.user("finance"), receipt_id=draft.id, reason="录重")
    assert draft.status == ReceiptStatus.VOIDED and draft.notes.endswith("作废：录重")
    assert len(audit_entries(session, "finance.receipt_void", draft.id)) == 1
    assert_ledger_adds_up(session)


def test_reversal_with_a_blank_reason_is_refused(session, market, deal):
    receipt = pay(session, market, deal, "1000")
    with pytest.raises(ValidationError) as err:
        cmd.reverse_receipt(
            session, actor=market.user("finance"), receipt_id=receipt.id, reason="  ", on=TODAY
        )
    assert err.value.message == "请填写红冲原因。"
    assert err.value.message_en == "Give the reason for the reversal."
    assert session.scalar(select(func.count()).where(Receipt.reverses_id == receipt.id)) == 0


# --- 备案 → 撤销备案 → 换房 ---------------------------------------------------------------------


def filed(session, market, unit=0, customer=0, number="HT-F-1"):
    deal = deal_cmd.subscribe(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[unit].id,
        customer_id=market.customers[customer].id,
        plan_id=market.lump.id,
        deposit=Decimal("50000"),
        today=TODAY,
    )
    deal_cmd.sign_contract(
        session, actor=market.user("consultant"), deal_id=deal.id, contract_no=number, today=TODAY
    )
    deal_cmd.audit_contract(session, actor=market.user("manager"), deal_id=deal.id)
    deal_cmd.file_contract(session, actor=market.user("manager"), deal_id=deal.id, filing_no="BA-1")
    assert deal.contract_status == ContractStatus.FILED
    return deal


def request_swap(session, market, deal, unit=1, contract_no="HT-F-2"):
    return deal_cmd.request_change(
        session,
        actor=market.user("consultant"),
        deal_id=deal.id,
        kind="swap",
        new_unit_id=market.units[unit].id,
        contract_no=contract_no,
    )


def approvals(session, deal) -> int:
    return session.scalar(
        select(func.count()).select_from(DealApproval).where(DealApproval.deal_id == deal.id)
    )


def test_swap_of_a_filed_contract_is_refused_until_the_filing_is_withdrawn(session, market):
    deal = filed(session, market)
    with pytest.raises(DomainError) as err:
        request_swap(session, market, deal)
    assert err.value.message == FILED_REFUSAL
    assert "withdraw the filing" in err.value.message_en
    assert approvals(session, deal) == 0

    deal_cmd.unfile_contract(
        session, actor=market.user("manager"), deal_id=deal.id, reason="客户申请换房"
    )
    assert deal.contract_status == ContractStatus.AUDITED
    event = session.scalar(
        select(DealEvent).where(DealEvent.deal_id == deal.id, DealEvent.kind == "contract_unfile")
    )
    assert event.details == {"reason": "客户申请换房"}
    [entry] = audit_entries(session, "deal.contract_unfile", deal.id)
    assert entry.username == "manager"
    assert entry.before == {"contract_status": "filed"}
    assert entry.after == {"contract_status": "audited", "reason": "客户申请换房"}

    req = request_swap(session, market, deal)
    deal_cmd.decide(
        session, actor=market.user("manager"), approval_id=req.id, approve=True, today=TODAY
    )
    assert deal.state == DealState.SWAPPED
    new = deal_cmd.live_deal(session, market.units[1].id)
    assert (new.contract_no, new.contract_status) == ("HT-F-2", ContractStatus.SIGNED)


def test_a_contract_filed_after_the_swap_request_cannot_be_swapped_on_approval(session, market):
    deal = filed(session, market)
    deal_cmd.unfile_contract(session, actor=market.user("manager"), deal_id=deal.id, reason="换房")
    req = request_swap(session, market, deal)
    deal_cmd.file_contract(session, actor=market.user("manager"), deal_id=deal.id)
    with pytest.raises(DomainError) as err, session.begin_nested():
        deal_cmd.decide(
            session, actor=market.user("manager"), approval_id=req.id, approve=True, today=TODAY
        )
    assert err.value.message == FILED_REFUSAL
    session.expire_all()
    assert session.get(Deal, deal.id).state == DealState.LIVE
    assert session.get(DealApproval, req.id).status == ApprovalStatus.PENDING
    assert deal_cmd.live_deal(session, market.units[1].id) is None


@pytest.mark.parametrize("role", ["consultant", "finance", "aftersales", "executive"])
def test_withdrawing_a_filing_by_a_role_that_may_not_file_is_refused(session, market, role):
    deal = filed(session, market)
    with pytest.raises(PermissionDenied):
        deal_cmd.unfile_contract(session, actor=market.user(role), deal_id=deal.id, reason="x")
    session.refresh(deal)
    assert deal.contract_status == ContractStatus.FILED
    assert audit_entries(session, "deal.contract_unfile", deal.id) == []


def test_withdrawing_a_filing_needs_a_reason_and_a_filed_contract(session, market):
    deal = filed(session, market)
    with pytest.raises(ValidationError) as err:
        deal_cmd.unfile_contract(session, actor=market.user("manager"), deal_id=deal.id)
    assert err.value.message == "请填写撤销备案的原因。"
    assert err.value.message_en == "Give the reason for withdrawing the filing."
    session.refresh(deal)
    assert deal.contract_status == ContractStatus.FILED
    deal_cmd.unfile_contract(session, actor=market.user("manager"), deal_id=deal.id, reason="x")
    with pytest.raises(DomainError) as err:
        deal_cmd.unfile_contract(session, actor=market.user("manager"), deal_id=deal.id, reason="x")
    assert err.value.message == "只有已备案的合同可以撤销备案。"
    assert len(audit_entries(session, "deal.contract_unfile", deal.id)) == 1
    # filed again after the withdrawal
    deal_cmd.file_contract(session, actor=market.user("manager"), deal_id=deal.id)
    assert deal.contract_status == ContractStatus.FILED


# --- the screens ----------------------------------------------------------------------------------


def text(out: dict, component: str) -> str:
    return dash_client.text_of(out[component]["children"])


def p1_setting(s):
    """Project P1 of app_env: its lump-sum plan, the users by name, its customers and its
    units still for sale."""
    project = s.scalar(select(Project).where(Project.code == "P1"))
    plan = lump_plan(s, project)
    if plan is None:
        from tests.test_deals_support import make_plans

        plan, _ = make_plans(s, project)
    user = {u.username: u for u in s.scalars(select(User))}
    customers = s.scalars(select(Customer).where(Customer.project_id == project.id)).all()
    free = s.scalars(
        select(Unit).where(Unit.project_id == project.id, Unit.status == "available")
    ).all()
    return plan, user, customers, free


def new_filed_contract(s, user, plan, unit, customer, *, contract_no: str, filing_no: str):
    """A contract signed directly on `unit`, audited and filed."""
    deal = deal_cmd.sign_contract(
        s,
        actor=user["consultant"],
        unit_id=unit.id,
        customer_id=customer.id,
        plan_id=plan.id,
        deposit=Decimal("50000"),
        contract_no=contract_no,
    )
    deal_cmd.audit_contract(s, actor=user["manager"], deal_id=deal.id)
    deal_cmd.file_contract(s, actor=user["manager"], deal_id=deal.id, filing_no=filing_no)
    return deal


@pytest.fixture(scope="module")
def app_deals(app_env):
    """A draft receipt on a subscribed deal, and a filed contract with a free unit beside it."""
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        plan, user, customers, free = p1_setting(s)
        subscribed = deal_cmd.subscribe(
            s,
            actor=user["consultant"],
            unit_id=free[0].id,
            customer_id=customers[0].id,
            plan_id=plan.id,
            deposit=Decimal("50000"),
        )
        draft = cmd.record_receipt(
            s, actor=user["finance"], deal_id=subscribed.id, amount=Decimal("100"), method="cash"
        )
        contract = new_filed_contract(
            s, user, plan, free[1], customers[0], contract_no="HT-UI-1", filing_no="BA-UI"
        )
        return {"receipt": draft.id, "contract": contract.id, "target": free[2].id}


def receipt_row(app_env, receipt_id) -> Receipt:
    with app_env.server.extensions["loupan_db"].writer() as s:
        row = s.get(Receipt, receipt_id)
        s.expunge(row)
        return row


def contract_status(app_env, deal_id) -> ContractStatus:
    with app_env.server.extensions["loupan_db"].writer() as s:
        return s.get(Deal, deal_id).contract_status


def test_void_button_refuses_without_a_reason_then_voids_with_one(app_env, app_deals):
    client = app_env.server.test_client()
    login(client, "finance")
    values = {
        "fin-au-void.n_clicks": 1,
        "fin-au-status.value": "draft",
        "fin-au-grid.selectedRows": [{"id": app_deals["receipt"]}],
        "fin-au-reason.value": "",
    }
    out = post(app_env, client, "fin-au-feedback.children", values, "fin-au-void.n_clicks")
    assert "请填写作废原因。" in text(out, "fin-au-feedback")
    assert receipt_row(app_env, app_deals["receipt"]).status == ReceiptStatus.DRAFT
    assert app_deals["receipt"] in [r["id"] for r in out["fin-au-grid"]["rowData"]]

    values["fin-au-reason.value"] = "付款方式录错"
    out = post(app_env, client, "fin-au-feedback.children", values, "fin-au-void.n_clicks")
    assert "已作废 1 张收据。" in text(out, "fin-au-feedback")
    row = receipt_row(app_env, app_deals["receipt"])
    assert row.status == ReceiptStatus.VOIDED and row.notes.endswith("作废：付款方式录错")
    assert app_deals["receipt"] not in [r["id"] for r in out["fin-au-grid"]["rowData"]]


def test_swap_form_names_the_withdrawal_and_the_contracts_screen_does_it(app_env, app_deals):
    consultant = app_env.server.test_client()
    login(consultant, "consultant")
    swap = {
        "deals-ch-submit.n_clicks": 1,
        "deals-ch-deal.value": app_deals["contract"],
        "deals-ch-kind.value": "swap",
        "deals-ch-unit.value": app_deals["target"],
        "deals-ch-contract.value": "HT-UI-2",
        "deals-ch-token.data": "unfile-sw-1",
    }
    out = post(app_env, consultant, "deals-ch-feedback.children", swap)
    assert FILED_REFUSAL in json.dumps(out, ensure_ascii=False)

    unfile = {
        "deals-ct-unfile.n_clicks": 1,
        "deals-ct-grid.selectedRows": [{"id": app_deals["contract"]}],
        "deals-ct-unfile-reason.value": "客户换房",
    }
    trigger = "deals-ct-unfile.n_clicks"
    out = post(app_env, consultant, "deals-ct-feedback.children", unfile, trigger)
    assert "没有执行此操作的权限" in text(out, "deals-ct-feedback")
    assert contract_status(app_env, app_deals["contract"]) == ContractStatus.FILED

    manager = app_env.server.test_client()
    login(manager, "manager")
    out = post(
        app_env,
        manager,
        "deals-ct-feedback.children",
        {**unfile, "deals-ct-unfile-reason.value": " "},
        trigger,
    )
    assert "请填写撤销备案的原因。" in text(out, "deals-ct-feedback")
    assert contract_status(app_env, app_deals["contract"]) == ContractStatus.FILED
    out = post(app_env, manager, "deals-ct-feedback.children", unfile, trigger)
    assert "已撤销备案" in text(out, "deals-ct-feedback")
    assert contract_status(app_env, app_deals["contract"]) == ContractStatus.AUDITED
    row = next(r for r in out["deals-ct-grid"]["rowData"] if r["id"] == app_deals["contract"])
    assert row["contract_status"] == "已审核"

    swap["deals-ch-token.data"] = "unfile-sw-2"
    out = post(app_env, consultant, "deals-ch-feedback.children", swap)
    assert "已提交变更申请" in json.dumps(out, ensure_ascii=False)
