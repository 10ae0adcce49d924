"""A filed contract (已备案) is not cancelled (退房), forfeited (挞定), renamed (更名) or swapped
(换房) until its filing is withdrawn (撤销备案): the request is refused, and so is its approval
when the contract was filed after the request (which then stays pending). Data layer on SQLite
and MariaDB; the screens through Flask."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data_layer.commands import deals as deal_cmd
from data_layer.commands import finance as fin_cmd
from data_layer.errors import DomainError
from data_layer.models import (
    ApprovalStatus,
    AuditEntry,
    ContractStatus,
    Deal,
    DealApproval,
    DealEvent,
    DealState,
    Receivable,
    Unit,
    UnitStatus,
)
from tests.conftest import login
from tests.test_deals_support import make_market
from tests.test_finance_callbacks import post
from tests.test_void_and_filing import new_filed_contract, p1_setting

TODAY = date(2026, 12, 4)

REFUSAL = {
    "cancel": "该合同已备案，请先撤销备案再退房。",
    "forfeit": "该合同已备案，请先撤销备案再挞定。",
    "rename": "该合同已备案，请先撤销备案再更名。",
    "swap": "该合同已备案，请先撤销备案再换房。",
}
REFUSAL_EN = {
    "cancel": "cancelling the purchase.",
    "forfeit": "forfeiting the deal.",
    "rename": "changing the buyer.",
    "swap": "swapping units.",
}
EN_START = (
    "The contract is filed with the housing authority: withdraw the filing (撤销备案) before "
)


@pytest.fixture
def market(session):
    return make_market(session)


def filed(session, market, unit=0, customer=0, number="HT-FC-1") -> Deal:
    """A signed, audited and filed contract with 50,000 deposit and 100,000 more received."""
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
    receipt = fin_cmd.record_receipt(
        session,
        actor=market.user("finance"),
        deal_id=deal.id,
        amount=Decimal("150000"),
        method="transfer",
        received_on=TODAY,
    )
    fin_cmd.audit_receipts(session, actor=market.user("finance"), receipt_ids=[receipt.id])
    deal_cmd.audit_contract(session, actor=market.user("manager"), deal_id=deal.id)
    deal_cmd.file_contract(session, actor=market.user("manager"), deal_id=deal.id, filing_no="BA-1")
    assert deal.contract_status == ContractStatus.FILED
    return deal


def request(session, market, deal, kind: str) -> DealApproval:
    extra = {
        "cancel": {"reason_code": "", "developer_fault": False},
        "forfeit": {"reason_code": "loan"},
        "rename": {"new_customer_id": market.customers[2].id},
        "swap": {"new_unit_id": market.units[1].id, "contract_no": "HT-FC-2"},
    }[kind]
    return deal_cmd.request_change(
        session,
        actor=market.user("consultant"),
        deal_id=deal.id,
        kind=kind,
        reason=f"客户申请{kind}",
        **extra,
    )


def approve(session, market, approval: DealApproval) -> DealApproval:
    return deal_cmd.decide(
        session, actor=market.user("manager"), approval_id=approval.id, approve=True, today=TODAY
    )


def state_of(session, deal: Deal) -> dict:
    """All a change would alter: the deal, its unit, its approvals, receivables, history."""
    session.flush()
    session.expire_all()
    deal = session.get(Deal, deal.id)
    unit = session.get(Unit, deal.unit_id)
    return {
        "deal": (
            deal.state,
            deal.stage,
            deal.contract_status,
            deal.customer_id,
            deal.live_unit_id,
            deal.deal_total,
            deal.close_reason,
        ),
        "unit": unit.status,
        "approvals": session.execute(
            select(DealApproval.id, DealApproval.kind, DealApproval.status)
            .where(DealApproval.deal_id == deal.id)
            .order_by(DealApproval.id)
        ).all(),
        "receivables": session.execute(
            select(
                Receivable.id,
                Receivable.kind,
                Receivable.amount,
                Receivable.paid,
                Receivable.cancelled,
            )
            .where(Receivable.deal_id == deal.id)
            .order_by(Receivable.id)
        ).all(),
        "events": session.scalar(
            select(func.count()).select_from(DealEvent).where(DealEvent.deal_id == deal.id)
        ),
        "audit": session.scalar(select(func.count()).select_from(AuditEntry)),
        "deals": session.scalar(select(func.count()).select_from(Deal)),
    }


def assert_refused(err, kind: str) -> None:
    assert err.value.message == REFUSAL[kind]
    assert err.value.message_en == EN_START + REFUSAL_EN[kind]


def assert_carried_out(session, market, deal: Deal, kind: str) -> None:
    session.flush()
    session.expire_all()
    deal = session.get(Deal, deal.id)
    if kind == "rename":
        assert (deal.state, deal.customer_id) == (DealState.LIVE, market.customers[2].id)
        return
    expected = {
        "cancel": DealState.CANCELLED,
        "forfeit": DealState.FORFEITED,
        "swap": DealState.SWAPPED,
    }[kind]
    assert deal.state == expected and deal.live_unit_id is None
    assert session.get(Unit, market.units[0].id).status == UnitStatus.AVAILABLE


@pytest.mark.parametrize("kind", ["cancel", "forfeit", "rename", "swap"])
def test_a_change_of_a_filed_contract_is_refused_until_the_filing_is_withdrawn(
    session, market, kind
):
    deal = filed(session, market)
    before = state_of(session, deal)
    assert before["approvals"] == [] and before["unit"] == UnitStatus.CONTRACTED
    with pytest.raises(DomainError) as err:
        request(session, market, deal, kind)
    assert_refused(err, kind)
    assert state_of(session, deal) == before  # no approval, event or audit entry

    deal_cmd.unfile_contract(session, actor=market.user("manager"), deal_id=deal.id, reason="变更")
    req = request(session, market, deal, kind)
    assert req.status == ApprovalStatus.PENDING
    approve(session, market, req)
    assert req.status == ApprovalStatus.APPROVED
    assert_carried_out(session, market, deal, kind)


@pytest.mark.parametrize("kind", ["cancel", "forfeit", "rename", "swap"])
def test_a_contract_filed_after_the_request_blocks_its_approval(session, market, kind):
    deal = filed(session, market)
    deal_cmd.unfile_contract(session, actor=market.user("manager"), deal_id=deal.id, reason="变更")
    req = request(session, market, deal, kind)
    deal_cmd.file_contract(session, actor=market.user("manager"), deal_id=deal.id, filing_no="BA-2")
    before = state_of(session, deal)
    with pytest.raises(DomainError) as err, session.begin_nested():
        approve(session, market, session.get(DealApproval, req.id))
    assert_refused(err, kind)
    after = state_of(session, deal)
    assert after == before
    assert session.get(DealApproval, req.id).status == ApprovalStatus.PENDING
    assert session.get(Deal, deal.id).contract_status == ContractStatus.FILED
    assert deal_cmd.live_deal(session, market.units[1].id) is None  # no swap target taken

    # the request is still pending: approved once the filing is withdrawn again ...
    deal_cmd.unfile_contract(session, actor=market.user("manager"), deal_id=deal.id, reason="变更")
    approve(session, market, session.get(DealApproval, req.id))
    assert session.get(DealApproval, req.id).status == ApprovalStatus.APPROVED
    assert_carried_out(session, market, deal, kind)


def test_a_pending_request_on_a_filed_contract_can_still_be_rejected(session, market):
    deal = filed(session, market)
    deal_cmd.unfile_contract(session, actor=market.user("manager"), deal_id=deal.id, reason="退房")
    req = request(session, market, deal, "cancel")
    deal_cmd.file_contract(session, actor=market.user("manager"), deal_id=deal.id)
    deal_cmd.decide(
        session, actor=market.user("manager"), approval_id=req.id, approve=False, note="已备案"
    )
    assert req.status == ApprovalStatus.REJECTED
    assert (deal.state, deal.contract_status) == (DealState.LIVE, ContractStatus.FILED)


def test_an_audited_contract_and_a_discount_are_not_held_by_the_filing_rule(session, market):
    """Only a filed contract waits: an audited one is cancelled at once; a discount request
    (subscription only) keeps its own refusal."""
    deal = filed(session, market)
    with pytest.raises(DomainError) as err:
        deal_cmd.request_change(
            session,
            actor=market.user("consultant"),
            deal_id=deal.id,
            kind="discount",
            extra_discount="1000",
        )
    assert err.value.message == "只有认购阶段可以申请额外优惠。"
    other = filed(session, market, unit=2, customer=0, number="HT-FC-3")
    deal_cmd.unfile_contract(session, actor=market.user("manager"), deal_id=other.id, reason="x")
    assert other.contract_status == ContractStatus.AUDITED
    approve(session, market, request(session, market, other, "cancel"))
    assert other.state == DealState.CANCELLED


# --- the screens ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_contracts(app_env):
    """Two filed contracts: one as it is, one whose cancellation (退房) was requested between a
    withdrawal of its filing and a new filing."""
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        plan, user, customers, free = p1_setting(s)
        contracts = []
        for i in range(2):
            contracts.append(
                new_filed_contract(
                    s,
                    user,
                    plan,
                    free[i],
                    customers[0],
                    contract_no=f"HT-FCUI-{i}",
                    filing_no=f"BA-{i}",
                )
            )
        later = contracts[1]
        deal_cmd.unfile_contract(s, actor=user["manager"], deal_id=later.id, reason="退房")
        req = deal_cmd.request_change(s, actor=user["consultant"], deal_id=later.id, kind="cancel")
        deal_cmd.file_contract(s, actor=user["manager"], deal_id=later.id, filing_no="BA-9")
        return {"filed": contracts[0].id, "later": later.id, "approval": req.id}


def test_change_form_and_approval_screen_name_the_withdrawal(app_env, app_contracts):
    db = app_env.server.extensions["loupan_db"]
    consultant = app_env.server.test_client()
    login(consultant, "consultant")
    for kind, token in (("cancel", "fc-1"), ("forfeit", "fc-2")):
        values = {
            "deals-ch-submit.n_clicks": 1,
            "deals-ch-deal.value": app_contracts["filed"],
            "deals-ch-kind.value": kind,
            "deals-ch-reason-code.value": "loan" if kind == "forfeit" else "",
            "deals-ch-token.data": token,
        }
        out = post(app_env, consultant, "deals-ch-feedback.children", values)
        assert REFUSAL[kind] in json.dumps(out, ensure_ascii=False)
    with db.factory() as s:
        count = select(func.count()).select_from(DealApproval)
        assert s.scalar(count.where(DealApproval.deal_id == app_contracts["filed"])) == 0

    manager = app_env.server.test_client()
    login(manager, "manager")
    pending = post(app_env, manager, "deals-ap-grid.rowData", {"deals-ap-status.value": "pending"})
    row = next(
        r for r in pending["deals-ap-grid"]["rowData"] if r["id"] == app_contracts["approval"]
    )
    out = post(
        app_env,
        manager,
        "deals-ap-grid.rowData",
        {
            "deals-ap-approve.n_clicks": 1,
            "deals-ap-status.value": "pending",
            "deals-ap-grid.selectedRows": [row],
        },
        changed="deals-ap-approve.n_clicks",
    )
    assert REFUSAL["cancel"] in json.dumps(out, ensure_ascii=False)
    assert app_contracts["approval"] in [r["id"] for r in out["deals-ap-grid"]["rowData"]]
    with db.factory() as s:
        assert s.get(DealApproval, app_contracts["approval"]).status == ApprovalStatus.PENDING
        deal = s.get(Deal, app_contracts["later"])
        assert (deal.state, deal.contract_status) == (DealState.LIVE, ContractStatus.FILED)


def test_the_demo_withdraws_a_filing_before_a_cancellation(demo_app):
    """The demo follows the rule too: no cancelled deal is still filed, and a cancelled deal
    that had been filed shows its 撤销备案 between the filing and the cancellation."""
    db = demo_app.server.extensions["loupan_db"]
    with db.factory() as s:
        closed = s.scalars(select(Deal).where(Deal.state != DealState.LIVE)).all()
        assert closed and not [d for d in closed if d.contract_status == ContractStatus.FILED]
        unfiled = 0
        for deal in closed:
            kinds = [
                e.kind
                for e in s.scalars(
                    select(DealEvent).where(DealEvent.deal_id == deal.id).order_by(DealEvent.at)
                )
            ]
            if "contract_file" in kinds:
                assert "contract_unfile" in kinds
                assert kinds.index("contract_file") < kinds.index("contract_unfile")
                unfiled += 1
        assert unfiled >= 1
