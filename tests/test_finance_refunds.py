"""Refunds (退款单): paying out what a closed deal owes the buyer, audited and reversed like a
receipt; a reversal (红冲) after the close makes the refund follow the money actually kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data_layer.commands import deals as deal_cmd
from data_layer.commands import finance as cmd
from data_layer.errors import DomainError, PermissionDenied, ValidationError
from data_layer.models import (
    AuditEntry,
    DealEvent,
    Receipt,
    ReceiptStatus,
    Receivable,
    ReceivableKind,
)
from data_layer.queries import collections as coll
from data_layer.queries import finance as q
from tests.test_deals_support import make_market
from tests.test_finance_receipts import assert_ledger_adds_up

TODAY = date(2026, 12, 4)


@pytest.fixture
def market(session):
    return make_market(session)


@pytest.fixture
def deal(session, market):
    """按揭 99折: deposit 50,000, down payment 579,000, bank 1,351,000."""
    return deal_cmd.subscribe(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[0].id,
        customer_id=market.customers[0].id,
        plan_id=market.mortgage.id,
        deposit=Decimal("50000"),
        today=TODAY,
    )


def pay(session, market, deal, amount, on=TODAY):
    receipt = cmd.record_receipt(
        session,
        actor=market.user("finance"),
        deal_id=deal.id,
        amount=Decimal(amount),
        method="transfer",
        received_on=on,
    )
    cmd.audit_receipts(session, actor=market.user("finance"), receipt_ids=[receipt.id])
    return receipt


def close(session, market, deal, kind="cancel", **kw):
    req = deal_cmd.request_change(
        session, actor=market.user("consultant"), deal_id=deal.id, kind=kind, **kw
    )
    deal_cmd.decide(
        session, actor=market.user("manager"), approval_id=req.id, approve=True, today=TODAY
    )


def refund(session, market, deal, amount, on=TODAY, audit=True, **kw):
    voucher = cmd.record_refund(
        session,
        actor=market.user("finance"),
        deal_id=deal.id,
        amount=Decimal(amount),
        method="transfer",
        paid_on=on,
        **kw,
    )
    if audit:
        cmd.audit_receipts(session, actor=market.user("finance"), receipt_ids=[voucher.id])
    return voucher


def reverse(session, market, receipt, reason="退票"):
    return cmd.reverse_receipt(
        session, actor=market.user("finance"), receipt_id=receipt.id, reason=reason, on=TODAY
    )


def refund_lines(session, deal):
    return session.scalars(
        select(Receivable).where(
            Receivable.deal_id == deal.id,
            Receivable.kind == ReceivableKind.REFUND,
            Receivable.cancelled.is_(False),
        )
    ).all()


def owed(session, deal) -> Decimal:
    return -sum((r.amount for r in refund_lines(session, deal)), Decimal(0))


def kept(session, deal) -> Decimal:
    """Money the developer holds for the deal: every audited receipt less refunds paid out."""
    total = session.scalar(
        select(func.coalesce(func.sum(Receipt.amount), 0)).where(
            Receipt.deal_id == deal.id, Receipt.status == ReceiptStatus.AUDITED
        )
    )
    return Decimal(total)


# --- paying a refund out ------------------------------------------------------------------------


def test_refund_is_paid_out_in_numbered_vouchers_after_audit(session, market, deal):
    pay(session, market, deal, "100000")
    close(session, market, deal)
    assert owed(session, deal) == Decimal("100000.00")
    first = refund(session, market, deal, "60000", audit=False, payee="王芳（工行尾号1234）")
    assert first.number == "TK2026000001" and first.amount == Decimal("-60000.00")
    assert first.status == ReceiptStatus.DRAFT and first.kind == ReceivableKind.REFUND
    assert refund_lines(session, deal)[0].paid == 0  # a draft pays nothing out yet
    cmd.audit_receipts(session, actor=market.user("finance"), receipt_ids=[first.id])
    assert refund_lines(session, deal)[0].paid == Decimal("-60000.00")
    second = refund(session, market, deal, "40000")
    assert second.number == "TK2026000002"
    assert kept(session, deal) == 0
    assert q.refunds_frame(session, market.user("finance"), None).empty
    audited = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "finance.refund")
    )
    assert audited == 2
    assert_ledger_adds_up(session)


def test_overpaying_a_refund_is_refused(session, market, deal):
    pay(session, market, deal, "100000")
    close(session, market, deal)
    with pytest.raises(ValidationError) as err:
        refund(session, market, deal, "100000.01")
    assert "不能多退" in err.value.message
    refund(session, market, deal, "60000", audit=False)  # a draft holds its part already
    with pytest.raises(ValidationError) as err:
        refund(session, market, deal, "40000.01")
    assert "待退金额 ¥40,000.00" in err.value.message
    assert_ledger_adds_up(session)


@pytest.mark.parametrize("amount", ["0", "-1"])
def test_zero_or_negative_refund_is_refused(session, market, deal, amount):
    pay(session, market, deal, "1000")
    close(session, market, deal)
    with pytest.raises(ValidationError):
        refund(session, market, deal, amount)


def test_refund_of_a_live_deal_is_refused(session, market, deal):
    pay(session, market, deal, "50000")
    with pytest.raises(DomainError) as err:
        refund(session, market, deal, "100")
    assert "仍在进行中" in err.value.message
    assert session.scalar(select(func.count()).select_from(Receipt)) == 1


def test_nothing_to_refund_after_a_forfeit_that_keeps_the_deposit(session, market, deal):
    pay(session, market, deal, "50000")
    close(session, market, deal, kind="forfeit", reason_code="loan")
    with pytest.raises(DomainError) as err:
        refund(session, market, deal, "1")
    assert "没有待退" in err.value.message


def test_refund_number_is_unique_in_the_company(session, market, deal):
    receipt = pay(session, market, deal, "100000")
    close(session, market, deal)
    with pytest.raises(ValidationError) as err:
        refund(session, market, deal, "10", number=receipt.number)
    assert "已存在" in err.value.message


def test_only_finance_records_refunds(session, market, deal):
    pay(session, market, deal, "1000")
    close(session, market, deal)
    for role in ("consultant", "manager"):
        with pytest.raises(PermissionDenied):
            cmd.record_refund(
                session, actor=market.user(role), deal_id=deal.id, amount="10", method="cash"
            )


def test_audited_refund_is_reversed_never_voided(session, market, deal):
    pay(session, market, deal, "100000")
    close(session, market, deal)
    voucher = refund(session, market, deal, "100000")
    with pytest.raises(DomainError) as err:
        cmd.void_receipt(session, actor=market.user("finance"), receipt_id=voucher.id)
    assert "红冲" in err.value.message
    entry = reverse(session, market, voucher, "银行退票")
    assert entry.number == "TK2026000002" and entry.amount == Decimal("100000.00")
    assert voucher.amount == Decimal("-100000.00") and voucher.status == ReceiptStatus.AUDITED
    assert refund_lines(session, deal)[0].paid == 0  # owed again
    assert owed(session, deal) == Decimal("100000.00")
    draft = refund(session, market, deal, "5", audit=False)
    cmd.void_receipt(session, actor=market.user("finance"), receipt_id=draft.id, reason="录错")
    assert_ledger_adds_up(session)


# --- a reversal after the close -----------------------------------------------------------------


def test_reversal_after_cancel_lowers_the_refund_to_the_money_kept(session, market, deal):
    pay(session, market, deal, "50000")
    bounced = pay(session, market, deal, "30000")
    close(session, market, deal)
    assert owed(session, deal) == Decimal("80000.00") == kept(session, deal)
    reverse(session, market, bounced, "支票退票")
    assert owed(session, deal) == Decimal("50000.00") == kept(session, deal)
    event = session.scalar(select(DealEvent).where(DealEvent.kind == "refund_adjust"))
    assert (event.details["before"], event.details["after"]) == ("80000.00", "50000.00")
    refund(session, market, deal, "50000")
    assert kept(session, deal) == 0
    assert_ledger_adds_up(session)


def test_reversal_after_forfeit_keeps_the_deposit_rule(session, market, deal):
    pay(session, market, deal, "50000")  # the deposit
    down = pay(session, market, deal, "100000")  # part of the down payment
    close(session, market, deal, kind="forfeit", reason_code="loan")
    assert owed(session, deal) == Decimal("100000.00")
    reverse(session, market, down)
    assert owed(session, deal) == 0 and refund_lines(session, deal) == []
    assert kept(session, deal) == Decimal("50000.00")  # the forfeited deposit
    assert_ledger_adds_up(session)


def test_reversal_of_the_deposit_after_a_developer_fault_cancel(session, market, deal):
    deposit = pay(session, market, deal, "50000")
    pay(session, market, deal, "30000")
    close(session, market, deal, developer_fault=True)
    assert owed(session, deal) == Decimal("130000.00")  # everything + the deposit again
    reverse(session, market, deposit)
    assert owed(session, deal) == Decimal("30000.00") == kept(session, deal)
    assert_ledger_adds_up(session)


def test_reversal_beyond_what_is_still_owed_waits_for_the_refund_reversal(session, market, deal):
    pay(session, market, deal, "50000")
    bounced = pay(session, market, deal, "30000")
    close(session, market, deal)
    paid_out = refund(session, market, deal, "80000")
    with pytest.raises(DomainError) as err, session.begin_nested():
        reverse(session, market, bounced)
    assert "请先红冲多退的退款单" in err.value.message
    assert bounced.id not in cmd.reversed_ids(session, [bounced.id])
    reverse(session, market, paid_out, "多退")
    reverse(session, market, bounced)
    assert owed(session, deal) == Decimal("50000.00") == kept(session, deal)
    assert_ledger_adds_up(session)


# --- reports count refunds as money going out ---------------------------------------------------


def test_daily_report_and_collections_show_net_money(session, market, deal):
    pay(session, market, deal, "100000", on=date(2026, 11, 3))
    close(session, market, deal)
    refund(session, market, deal, "60000", on=TODAY)
    pay_day = q.daily_report(session, market.user("finance"), None, date(2026, 11, 3))
    refund_day = q.daily_report(session, market.user("finance"), None, TODAY)
    assert pay_day.total == Decimal("100000.00")
    assert refund_day.total == Decimal("-60000.00") == sum(refund_day.rows["amount"])
    assert (refund_day.received, refund_day.refunded) == (Decimal(0), Decimal("60000.00"))
    assert list(refund_day.by_kind["kind"]) == ["退款"]
    data = coll.collections(
        session, market.user("finance"), None, date(2026, 11, 1), date(2026, 12, 31), today=TODAY
    )
    assert data.received["refund"] == [Decimal(0), Decimal("-60000.00")]
    assert data.total_received == Decimal("40000.00")
    assert coll.kinds_of_series("refund") == ["refund"]
    assert "refund" not in coll.kinds_of_series("full_payment")


def test_refund_list_and_printed_voucher(session, market, deal):
    pay(session, market, deal, "100000")
    close(session, market, deal)
    voucher = refund(session, market, deal, "25000", audit=False)
    frame = q.refunds_frame(session, market.user("finance"), None)
    row = frame.iloc[0]
    assert (row["due"], row["paid_out"], row["pending"], row["open"]) == (
        Decimal("100000.00"),
        Decimal("0.00"),
        Decimal("25000.00"),
        Decimal("75000.00"),
    )
    assert row["state"] == "已退房"
    assert q.refund_deals(session, market.user("finance"), None) == [
        {"deal_id": deal.id, "name": "3-1-101 王芳", "open": Decimal("75000.00")}
    ]
    printed = q.receipt_for_print(session, market.user("finance"), voucher.id)
    assert printed.refund and printed.amount == Decimal("25000.00")
    assert printed.capital == "贰万伍仟元整"
    with pytest.raises(PermissionDenied):
        q.refunds_frame(session, market.user("consultant"), None)
