"""Receipts: numbering, allocation, audit, void and reversal; the ledger always adds up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data_layer.commands import deals as deal_cmd
from data_layer.commands import finance as cmd
from data_layer.errors import DomainError, PermissionDenied, ValidationError
from data_layer.models import (
    Receipt,
    ReceiptAllocation,
    ReceiptStatus,
    Receivable,
    ReceivableKind,
)
from tests.test_deals_support import make_market

TODAY = date(2026, 12, 4)


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


def receive(session, market, deal, amount, **kw):
    values = dict(method="transfer", received_on=TODAY)
    values.update(kw)
    return cmd.record_receipt(
        session, actor=market.user("finance"), deal_id=deal.id, amount=Decimal(amount), **values
    )


def lines(session, deal):
    return session.scalars(
        select(Receivable).where(Receivable.deal_id == deal.id).order_by(Receivable.seq)
    ).all()


def assert_ledger_adds_up(session):
    """Every receipt (and refund voucher) equals its allocations; every receivable's paid
    equals its audited allocations and stays within 0..amount."""
    for receipt in session.scalars(select(Receipt)):
        assert sum(a.amount for a in receipt.allocations) == receipt.amount, receipt.number
    total_receipts = session.scalar(select(func.coalesce(func.sum(Receipt.amount), 0)))
    total_allocs = session.scalar(select(func.coalesce(func.sum(ReceiptAllocation.amount), 0)))
    assert Decimal(total_receipts) == Decimal(total_allocs)
    for row in session.scalars(select(Receivable)):
        audited = session.scalar(
            select(func.coalesce(func.sum(ReceiptAllocation.amount), 0))
            .join(Receipt, Receipt.id == ReceiptAllocation.receipt_id)
            .where(
                ReceiptAllocation.receivable_id == row.id,
                Receipt.status == ReceiptStatus.AUDITED,
            )
        )
        assert row.paid == Decimal(audited)
        if row.kind != ReceivableKind.REFUND:
            assert Decimal(0) <= row.paid <= row.amount
        else:  # a refund line is negative; what was paid out runs from 0 down to it
            assert row.amount <= row.paid <= Decimal(0)


def test_receipt_allocates_to_oldest_buyer_lines_and_counts_after_audit(session, market, deal):
    receipt = receive(session, market, deal, "100000")
    assert receipt.status == ReceiptStatus.DRAFT
    assert receipt.number == "SJ2026000001"
    assert [a.amount for a in receipt.allocations] == [Decimal("50000.00"), Decimal("50000.00")]
    assert all(r.paid == 0 for r in lines(session, deal))
    assert cmd.audit_receipts(session, actor=market.user("finance"), receipt_ids=[receipt.id]) == 1
    deposit, down, bank = lines(session, deal)
    assert (deposit.paid, down.paid, bank.paid) == (
        Decimal("50000.00"),
        Decimal("50000.00"),
        Decimal("0.00"),
    )
    assert_ledger_adds_up(session)


def test_receipt_numbers_follow_the_company_sequence(session, market, deal):
    numbers = [receive(session, market, deal, "1000").number for _ in range(3)]
    assert numbers == ["SJ2026000001", "SJ2026000002", "SJ2026000003"]


def test_bank_disbursement_goes_to_the_mortgage_line(session, market, deal):
    receipt = receive(session, market, deal, "1351000", method="bank", payer="建设银行")
    assert receipt.kind == ReceivableKind.MORTGAGE
    assert receipt.allocations[0].receivable_id == lines(session, deal)[2].id


def test_explicit_allocation_to_several_receivables(session, market, deal):
    deposit, down, _bank = lines(session, deal)
    receipt = receive(
        session,
        market,
        deal,
        "60000",
        allocations=[
            {"receivable_id": deposit.id, "amount": "50000"},
            {"receivable_id": down.id, "amount": "10000"},
        ],
    )
    assert receipt.kind == ReceivableKind.DEPOSIT
    with pytest.raises(ValidationError) as err:
        receive(
            session,
            market,
            deal,
            "10",
            allocations=[{"receivable_id": deposit.id, "amount": "10"}],
        )
    assert "不能多收" in err.value.message  # the draft already covers the deposit
    with pytest.raises(ValidationError):
        receive(
            session, market, deal, "100", allocations=[{"receivable_id": down.id, "amount": "99"}]
        )


def test_overpaying_the_deal_is_refused(session, market, deal):
    with pytest.raises(ValidationError) as err:
        receive(session, market, deal, "629000.01")  # deposit + down payment = 629,000.00
    assert "不能多收" in err.value.message
    assert session.scalar(select(func.count()).select_from(Receipt)) == 0


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_zero_or_negative_amount_is_refused(session, market, deal, amount):
    with pytest.raises(ValidationError):
        receive(session, market, deal, amount)


def test_duplicate_manual_number_is_refused(session, market, deal):
    receive(session, market, deal, "100", number="SJ-001")
    with pytest.raises(ValidationError) as err:
        receive(session, market, deal, "100", number="SJ-001")
    assert "已存在" in err.value.message
    assert session.scalar(select(func.count()).select_from(Receipt)) == 1


def test_receipt_for_a_cancelled_deal_is_refused(session, market, deal):
    req = deal_cmd.request_change(
        session, actor=market.user("consultant"), deal_id=deal.id, kind="cancel"
    )
    deal_cmd.decide(session, actor=market.user("manager"), approval_id=req.id, approve=True)
    with pytest.raises(DomainError) as err:
        receive(session, market, deal, "100")
    assert "已退房" in err.value.message


def test_consultant_cannot_record_receipts(session, market, deal):
    with pytest.raises(PermissionDenied):
        cmd.record_receipt(
            session,
            actor=market.user("consultant"),
            deal_id=deal.id,
            amount=Decimal("10"),
            method="cash",
        )


def test_void_draft_but_never_an_audited_receipt(session, market, deal):
    draft = receive(session, market, deal, "100")
    cmd.void_receipt(session, actor=market.user("finance"), receipt_id=draft.id, reason="录错")
    assert draft.status == ReceiptStatus.VOIDED
    assert cmd.audit_receipts(session, actor=market.user("finance"), receipt_ids=[draft.id]) == 0
    audited = receive(session, market, deal, "200")
    cmd.audit_receipts(session, actor=market.user("finance"), receipt_ids=[audited.id])
    with pytest.raises(DomainError) as err:
        cmd.void_receipt(session, actor=market.user("finance"), receipt_id=audited.id)
    assert "红冲" in err.value.message
    assert_ledger_adds_up(session)


def test_reversal_is_a_new_entry_and_happens_once(session, market, deal):
    receipt = receive(session, market, deal, "80000")
    cmd.audit_receipts(session, actor=market.user("finance"), receipt_ids=[receipt.id])
    entry = cmd.reverse_receipt(
        session, actor=market.user("finance"), receipt_id=receipt.id, reason="客户退款", on=TODAY
    )
    assert entry.amount == Decimal("-80000.00") and entry.reverses_id == receipt.id
    assert receipt.status == ReceiptStatus.AUDITED and receipt.amount == Decimal("80000.00")
    assert all(r.paid == 0 for r in lines(session, deal))
    with pytest.raises(DomainError) as err:
        cmd.reverse_receipt(
            session, actor=market.user("finance"), receipt_id=receipt.id, reason="再来", on=TODAY
        )
    assert "已经红冲" in err.value.message
    assert_ledger_adds_up(session)


def test_ledger_adds_up_after_a_mixed_day(session, market, deal):
    ids = [receive(session, market, deal, amount).id for amount in ("50000", "0.01", "99999.99")]
    cmd.audit_receipts(session, actor=market.user("finance"), receipt_ids=ids[:2])
    cmd.void_receipt(session, actor=market.user("finance"), receipt_id=ids[2], reason="录错")
    cmd.reverse_receipt(session, actor=market.user("finance"), receipt_id=ids[1], reason="错")
    receive(session, market, deal, "1351000", method="bank")
    assert_ledger_adds_up(session)
    deposit = lines(session, deal)[0]
    assert deposit.paid == Decimal("50000.00")
