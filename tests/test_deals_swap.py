"""Swap unit (换房) with a manager's approval, before or after the contract: the old deal ends
SWAPPED, the new unit gets a live deal at its own price, the money paid moves with it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from data_layer.commands import deals as cmd
from data_layer.commands import finance as fin
from data_layer.errors import DomainError, PermissionDenied, ValidationError
from data_layer.models import (
    ContractStatus,
    Deal,
    DealEvent,
    DealStage,
    DealState,
    Receipt,
    Receivable,
    ReceivableKind,
    UnitStatus,
)
from tests.test_deals_support import make_market
from tests.test_finance_receipts import assert_ledger_adds_up

TODAY = date(2026, 12, 4)


@pytest.fixture
def market(session):
    return make_market(session)


def subscribe(session, market, unit=0, customer=0, **kw):
    values = dict(plan_id=market.lump.id, deposit=Decimal("50000"), today=TODAY)
    values.update(kw)
    return cmd.subscribe(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[unit].id,
        customer_id=market.customers[customer].id,
        **values,
    )


def pay(session, market, deal, amount, method="transfer"):
    receipt = fin.record_receipt(
        session,
        actor=market.user("finance"),
        deal_id=deal.id,
        amount=Decimal(amount),
        method=method,
        received_on=TODAY,
    )
    fin.audit_receipts(session, actor=market.user("finance"), receipt_ids=[receipt.id])
    return receipt


def swap(session, market, deal, unit, approve=True, **kw):
    req = cmd.request_change(
        session,
        actor=market.user("consultant"),
        deal_id=deal.id,
        kind="swap",
        new_unit_id=market.units[unit].id,
        **kw,
    )
    cmd.decide(
        session, actor=market.user("manager"), approval_id=req.id, approve=approve, today=TODAY
    )
    return req


def live_deal(session, market, unit):
    return cmd.live_deal(session, market.units[unit].id)


def lines(session, deal, kinds=None):
    query = select(Receivable).where(Receivable.deal_id == deal.id, Receivable.cancelled.is_(False))
    if kinds:
        query = query.where(Receivable.kind.in_(kinds))
    return session.scalars(query.order_by(Receivable.seq)).all()


def status(session, unit):
    session.refresh(unit)
    return unit.status


def test_swap_before_contract_moves_the_money_and_carries_the_price_difference(session, market):
    market.units[1].list_total = Decimal("2100000")
    session.flush()
    deal = subscribe(session, market)
    pay(session, market, deal, "50000")
    swap(session, market, deal, 1)
    assert deal.state == DealState.SWAPPED and deal.live_unit_id is None
    assert deal.close_reason == "换房至 3-1-102"
    new = live_deal(session, market, 1)
    assert new.id != deal.id and new.stage == DealStage.SUBSCRIBED
    assert (new.customer_id, new.plan_id, new.deposit) == (
        deal.customer_id,
        deal.plan_id,
        Decimal("50000.00"),
    )
    assert new.deal_total == Decimal("2058000.00")  # 2,100,000 × 98%
    price = lines(session, new, cmd.PRICE_KINDS)
    assert sum(r.amount for r in price) == new.deal_total
    assert [(r.kind, r.amount, r.paid) for r in price] == [
        (ReceivableKind.DEPOSIT, Decimal("50000.00"), Decimal("50000.00")),
        (ReceivableKind.FULL_PAYMENT, Decimal("2008000.00"), Decimal("0.00")),
    ]
    assert lines(session, deal) == []  # nothing owed on the old deal, nothing to refund
    transfers = session.scalars(select(Receipt).where(Receipt.method == "swap")).all()
    assert sorted((t.number, t.deal_id, t.amount) for t in transfers) == [
        ("ZK2026000001", deal.id, Decimal("-50000.00")),
        ("ZK2026000002", new.id, Decimal("50000.00")),
    ]
    swapped_in = session.scalar(select(DealEvent).where(DealEvent.kind == "swap_in"))
    assert swapped_in.deal_id == new.id and swapped_in.details["old_deal"] == deal.id
    assert swapped_in.details["price_difference"] == "98000.00"
    swapped_out = session.scalar(select(DealEvent).where(DealEvent.kind == "swap_out"))
    assert swapped_out.details["new_deal"] == new.id and swapped_out.details["moved"] == "50000.00"
    assert status(session, market.units[0]) == UnitStatus.AVAILABLE
    assert status(session, market.units[1]) == UnitStatus.SUBSCRIBED
    assert_ledger_adds_up(session)


def test_swap_of_a_signed_deal_needs_a_new_contract_number(session, market):
    market.units[1].list_total = Decimal("1900000")
    session.flush()
    deal = subscribe(session, market)
    cmd.sign_contract(
        session,
        actor=market.user("consultant"),
        deal_id=deal.id,
        contract_no="HT-001",
        home_count=2,
        today=TODAY,
    )
    pay(session, market, deal, "350000")
    with pytest.raises(ValidationError) as err:
        swap(session, market, deal, 1)
    assert "合同编号" in err.value.message
    with pytest.raises(ValidationError):
        swap(session, market, deal, 1, contract_no="HT-001")  # already the old contract's
    swap(session, market, deal, 1, contract_no="HT-002")
    new = live_deal(session, market, 1)
    assert (new.stage, new.contract_no, new.contract_status) == (
        DealStage.CONTRACTED,
        "HT-002",
        ContractStatus.SIGNED,
    )
    assert (deal.state, deal.contract_no) == (DealState.SWAPPED, "HT-001")
    assert new.deal_total == Decimal("1862000.00")
    fees = lines(session, new, [ReceivableKind.FEE])
    assert [f.amount for f in fees] == [Decimal("18620.00")]  # deed tax, second home ≤140 m²: 1%
    paid_new = sum(r.paid for r in lines(session, new))
    assert paid_new == Decimal("350000.00")
    assert status(session, market.units[1]) == UnitStatus.CONTRACTED
    assert_ledger_adds_up(session)


def test_swap_to_a_cheaper_unit_refunds_what_the_new_deal_cannot_take(session, market):
    market.units[1].list_total = Decimal("1000000")
    session.flush()
    deal = subscribe(session, market)
    pay(session, market, deal, "1960000")  # everything
    swap(session, market, deal, 1)
    new = live_deal(session, market, 1)
    assert new.deal_total == Decimal("980000.00")
    assert all(r.paid == r.amount for r in lines(session, new))
    refund = lines(session, deal, [ReceivableKind.REFUND])
    assert [r.amount for r in refund] == [Decimal("-980000.00")]
    voucher = fin.record_refund(
        session, actor=market.user("finance"), deal_id=deal.id, amount="980000", method="transfer"
    )
    fin.audit_receipts(session, actor=market.user("finance"), receipt_ids=[voucher.id])
    with pytest.raises(DomainError):
        fin.record_refund(
            session, actor=market.user("finance"), deal_id=new.id, amount="1", method="cash"
        )
    assert_ledger_adds_up(session)


def test_bank_money_moves_to_the_new_mortgage_line(session, market):
    deal = subscribe(session, market, plan_id=market.mortgage.id)
    pay(session, market, deal, "629000")  # deposit + down payment
    pay(session, market, deal, "1351000", method="bank")
    swap(session, market, deal, 1)
    new = live_deal(session, market, 1)
    bank = [r for r in lines(session, new) if r.payer == "bank"]
    assert [(r.amount, r.paid) for r in bank] == [(Decimal("1351000.00"), Decimal("1351000.00"))]
    assert_ledger_adds_up(session)


def test_swap_waits_for_a_managers_approval(session, market):
    deal = subscribe(session, market)
    req = cmd.request_change(
        session,
        actor=market.user("consultant"),
        deal_id=deal.id,
        kind="swap",
        new_unit_id=market.units[1].id,
    )
    assert deal.state == DealState.LIVE and live_deal(session, market, 0).id == deal.id
    assert status(session, market.units[1]) == UnitStatus.AVAILABLE
    with pytest.raises(PermissionDenied):
        cmd.decide(session, actor=market.user("consultant"), approval_id=req.id, approve=True)
    cmd.decide(session, actor=market.user("manager"), approval_id=req.id, approve=False)
    assert deal.state == DealState.LIVE and live_deal(session, market, 1) is None


def test_swap_to_a_sold_or_unreleased_unit_is_refused(session, market):
    deal = subscribe(session, market)
    subscribe(session, market, unit=1, customer=2)
    market.units[2].status = UnitStatus.UNRELEASED
    session.flush()
    with pytest.raises(DomainError) as err:
        swap(session, market, deal, 1)
    assert "已售出或已被占用" in err.value.message
    with pytest.raises(DomainError) as err:
        swap(session, market, deal, 2)
    assert "未放盘" in err.value.message
    with pytest.raises(ValidationError):
        swap(session, market, deal, 0)  # its own unit


def test_unit_taken_between_request_and_approval_refuses_the_swap(session, market):
    deal = subscribe(session, market)
    pay(session, market, deal, "50000")
    req = cmd.request_change(
        session,
        actor=market.user("consultant"),
        deal_id=deal.id,
        kind="swap",
        new_unit_id=market.units[1].id,
    )
    subscribe(session, market, unit=1, customer=2)
    with pytest.raises(DomainError) as err, session.begin_nested():
        cmd.decide(session, actor=market.user("manager"), approval_id=req.id, approve=True)
    assert "张伟" in err.value.message  # who holds the unit
    session.refresh(deal)
    assert deal.state == DealState.LIVE and deal.live_unit_id == market.units[0].id
    assert_ledger_adds_up(session)


def test_database_keeps_one_live_deal_per_unit_after_a_swap(session, market):
    deal = subscribe(session, market)
    swap(session, market, deal, 1)
    new = live_deal(session, market, 1)
    with pytest.raises(DomainError) as err:
        subscribe(session, market, unit=1, customer=2)
    assert "王芳" in err.value.message
    twin = Deal(
        project_id=new.project_id,
        unit_id=new.unit_id,
        live_unit_id=new.unit_id,
        customer_id=market.customers[2].id,
        consultant_id=new.consultant_id,
        stage=DealStage.SUBSCRIBED,
        state=DealState.LIVE,
    )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(twin)
        session.flush()
    again = subscribe(session, market, unit=0, customer=2)  # the old unit is for sale again
    assert again.live_unit_id == market.units[0].id


def test_money_moved_by_a_swap_cannot_be_reversed_on_the_old_deal(session, market):
    deal = subscribe(session, market)
    receipt = pay(session, market, deal, "50000")
    swap(session, market, deal, 1)
    with pytest.raises(DomainError) as err, session.begin_nested():
        fin.reverse_receipt(
            session, actor=market.user("finance"), receipt_id=receipt.id, reason="退票"
        )
    assert "换房转出" in err.value.message
    transfer = session.scalar(select(Receipt).where(Receipt.method == "swap"))
    with pytest.raises(DomainError) as err:
        fin.reverse_receipt(
            session, actor=market.user("finance"), receipt_id=transfer.id, reason="x"
        )
    assert "系统生成" in err.value.message
    assert_ledger_adds_up(session)


def test_a_swapped_deal_can_swap_again(session, market):
    deal = subscribe(session, market)
    pay(session, market, deal, "50000")
    swap(session, market, deal, 1)
    second = live_deal(session, market, 1)
    swap(session, market, second, 2)
    third = live_deal(session, market, 2)
    assert second.state == DealState.SWAPPED and third.state == DealState.LIVE
    assert lines(session, third, [ReceivableKind.DEPOSIT])[0].paid == Decimal("50000.00")
    assert_ledger_adds_up(session)
