"""Receipt.split_kinds (its allocations pay more than one kind of receivable) is set by every
command that writes a voucher, filled in for existing receipts by migration 0013, and lets
回款分析 aggregate the receipts from their covering index and correct only the split ones:
the series equal the money by kind of receivable paid and the total the receipts' sum."""

from __future__ import annotations

import importlib.util
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import String, func, select, text, type_coerce, update
from sqlalchemy.orm import Session

from data_layer.commands import deals as deal_cmd
from data_layer.commands import finance as cmd
from data_layer.db import Database
from data_layer.migrate import downgrade, upgrade
from data_layer.models import (
    Receipt,
    ReceiptAllocation,
    ReceiptStatus,
    Receivable,
    ReceivableKind,
)
from data_layer.queries import collections as coll
from tests.conftest import BACKENDS, own_database, own_database_url
from tests.test_collections_by_kind import split_receipt
from tests.test_deals_support import make_market

NOV_5, DEC_3 = date(2026, 11, 5), date(2026, 12, 3)
TODAY = date(2026, 12, 4)
MIGRATION = Path(__file__).resolve().parent.parent / "migrations" / "versions"
MIGRATION = MIGRATION / "0013_receipt_split_kinds.py"


@pytest.fixture
def market(session):
    return make_market(session)


def subscribe(session, market, unit: int = 0, today: date = date(2026, 11, 1)):
    return deal_cmd.subscribe(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[unit].id,
        customer_id=market.customers[0].id,
        plan_id=market.lump.id,
        deposit=Decimal("50000"),
        today=today,
    )


def pay(session, market, deal, amount: str, on: date = NOV_5) -> Receipt:
    """An audited receipt allocated by the command (oldest open lines first)."""
    fin = market.user("finance")
    receipt = cmd.record_receipt(
        session,
        actor=fin,
        deal_id=deal.id,
        amount=Decimal(amount),
        method="transfer",
        received_on=on,
    )
    cmd.audit_receipts(session, actor=fin, receipt_ids=[receipt.id])
    return receipt


def swap(session, market, deal, unit: int) -> None:
    """换房 of `deal` to market.units[unit], requested and approved."""
    request = deal_cmd.request_change(
        session,
        actor=market.user("consultant"),
        deal_id=deal.id,
        kind="swap",
        new_unit_id=market.units[unit].id,
    )
    deal_cmd.decide(
        session, actor=market.user("manager"), approval_id=request.id, approve=True, today=TODAY
    )


def kinds_paid(session, receipt: Receipt) -> set[ReceivableKind]:
    return set(
        session.scalars(
            select(Receivable.kind)
            .join(ReceiptAllocation, ReceiptAllocation.receivable_id == Receivable.id)
            .where(ReceiptAllocation.receipt_id == receipt.id)
        )
    )


def stored_flag(session, receipt: Receipt) -> bool:
    session.flush()
    return bool(session.scalar(select(Receipt.split_kinds).where(Receipt.id == receipt.id)))


# ---------------------------------------------------------------------------- the commands


def test_record_receipt_marks_a_split_receipt_and_only_it(session, market):
    fin = market.user("finance")
    deal = subscribe(session, market)
    split = split_receipt(session, fin, deal.id, NOV_5)  # 50,000 定金 + 100 房款
    plain = cmd.record_receipt(
        session,
        actor=fin,
        deal_id=deal.id,
        amount=Decimal("1000"),
        method="cash",
        received_on=NOV_5,
    )
    assert kinds_paid(session, split) == {ReceivableKind.DEPOSIT, ReceivableKind.FULL_PAYMENT}
    assert kinds_paid(session, plain) == {ReceivableKind.FULL_PAYMENT}
    assert (stored_flag(session, split), stored_flag(session, plain)) == (True, False)


def test_record_receipt_without_allocations_is_split_when_it_spans_two_lines(session, market):
    deal = subscribe(session, market)
    deposit_only = pay(session, market, deal, "50000")
    spanning = pay(session, market, subscribe(session, market, unit=1), "60000")
    assert kinds_paid(session, deposit_only) == {ReceivableKind.DEPOSIT}
    assert kinds_paid(session, spanning) == {ReceivableKind.DEPOSIT, ReceivableKind.FULL_PAYMENT}
    assert (stored_flag(session, deposit_only), stored_flag(session, spanning)) == (False, True)


def test_a_reversal_is_split_like_its_original(session, market):
    fin = market.user("finance")
    deal = subscribe(session, market)
    split = split_receipt(session, fin, deal.id, NOV_5)
    plain = cmd.record_receipt(
        session,
        actor=fin,
        deal_id=deal.id,
        amount=Decimal("1000"),
        method="cash",
        received_on=NOV_5,
    )
    cmd.audit_receipts(session, actor=fin, receipt_ids=[split.id, plain.id])
    reversals = [
        cmd.reverse_receipt(session, actor=fin, receipt_id=r.id, reason="退回客户", on=DEC_3)
        for r in (split, plain)
    ]
    assert [r.amount for r in reversals] == [Decimal("-50100.00"), Decimal("-1000.00")]
    assert [stored_flag(session, r) for r in reversals] == [True, False]


def test_swap_transfers_are_split_when_the_money_moved_paid_two_kinds(session, market):
    """Everything paid (定金 + 房款) on a deal swapped to a cheaper unit: what the new deal
    takes moves by two transfer vouchers that each pay two kinds; the refund voucher of the
    rest pays one."""
    market.units[1].list_total = Decimal("1000000")
    session.flush()
    deal = subscribe(session, market, today=TODAY)
    paid = pay(session, market, deal, "1960000", on=TODAY)
    assert stored_flag(session, paid) is True
    swap(session, market, deal, unit=1)
    transfers = session.scalars(
        select(Receipt).where(Receipt.method == cmd.TRANSFER_METHOD).order_by(Receipt.id)
    ).all()
    assert [t.amount for t in transfers] == [Decimal("-980000.00"), Decimal("980000.00")]
    for transfer in transfers:
        assert kinds_paid(session, transfer) == {
            ReceivableKind.DEPOSIT,
            ReceivableKind.FULL_PAYMENT,
        }
        assert stored_flag(session, transfer) is True
    refund = cmd.record_refund(
        session, actor=market.user("finance"), deal_id=deal.id, amount="980000", method="transfer"
    )
    assert stored_flag(session, refund) is False


def test_a_swap_of_the_deposit_alone_is_not_split(session, market):
    deal = subscribe(session, market, today=TODAY)
    pay(session, market, deal, "50000", on=TODAY)
    swap(session, market, deal, unit=1)
    transfers = session.scalars(select(Receipt).where(Receipt.method == cmd.TRANSFER_METHOD)).all()
    assert len(transfers) == 2
    assert [stored_flag(session, t) for t in transfers] == [False, False]


# ---------------------------------------------------------------------------- the migration


def migration():
    spec = importlib.util.spec_from_file_location("migration_0013", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_backfill_marks_the_split_receipts_only(session, market):
    fin = market.user("finance")
    deal = subscribe(session, market)
    split = split_receipt(session, fin, deal.id, NOV_5)
    plain = pay(session, market, deal, "1000")
    session.flush()
    session.execute(update(Receipt).values(split_kinds=False))
    assert migration().backfill(session.connection()) == 1
    session.expire_all()
    assert (stored_flag(session, split), stored_flag(session, plain)) == (True, False)


@pytest.fixture(params=BACKENDS)
def migrated_url(request, tmp_path):
    with own_database_url(request.param, "splitflag", tmp_path) as url:
        yield url


def test_upgrading_to_0013_marks_an_existing_split_receipt(migrated_url):
    """Receipts written before the column existed (down to 0012, then up again)."""
    db = Database(migrated_url)
    with Session(db.engine) as s, s.begin():
        market = make_market(s)
        deal = subscribe(s, market)
        split = split_receipt(s, market.user("finance"), deal.id, NOV_5)
        plain = pay(s, market, deal, "1000")
        ids = (split.id, plain.id)
    db.dispose()
    downgrade(migrated_url, "0012")
    upgrade(migrated_url)
    db = Database(migrated_url)
    with db.engine.connect() as conn:
        flags = dict(conn.execute(text("SELECT id, split_kinds FROM receipt")).all())
    db.dispose()
    assert {i: bool(flags[i]) for i in ids} == {ids[0]: True, ids[1]: False}


# ---------------------------------------------------------------------------- 回款分析


def by_kind_of_receivable(session, start: date, end: date) -> dict[str, Decimal]:
    """The reference: audited money by the kind of the receivable each allocation paid (a
    receipt without allocations under its own kind), read through the allocations."""
    kind = func.coalesce(Receivable.kind, Receipt.kind)
    rows = session.execute(
        select(type_coerce(kind, String()), Receipt.amount, ReceiptAllocation.amount)
        .select_from(Receipt)
        .outerjoin(ReceiptAllocation, ReceiptAllocation.receipt_id == Receipt.id)
        .outerjoin(Receivable, Receivable.id == ReceiptAllocation.receivable_id)
        .where(
            Receipt.status == ReceiptStatus.AUDITED,
            Receipt.received_on >= start,
            Receipt.received_on <= end,
        )
    )
    out: dict[str, Decimal] = {}
    for code, whole, part in rows:
        series = coll.SERIES_OF_KIND.get(code, "full_payment")
        out[series] = out.get(series, Decimal(0)) + (whole if part is None else part)
    return {k: v for k, v in out.items() if v}


def test_collections_follow_the_allocations_and_add_up_with_split_receipts(session, market):
    """Split and plain receipts, a reversal, swap transfers and a refund: each series is the
    money paid on its kind of receivable, the total the sum of the audited receipts."""
    fin = market.user("finance")
    first = subscribe(session, market)
    split = split_receipt(session, fin, first.id, NOV_5)
    cmd.audit_receipts(session, actor=fin, receipt_ids=[split.id])
    pay(session, market, first, "1000")
    cmd.reverse_receipt(session, actor=fin, receipt_id=split.id, reason="退回客户", on=DEC_3)
    market.units[2].list_total = Decimal("1000000")
    session.flush()
    second = subscribe(session, market, unit=1, today=TODAY)
    pay(session, market, second, "1960000", on=TODAY)
    swap(session, market, second, unit=2)
    refund = cmd.record_refund(
        session, actor=fin, deal_id=second.id, amount="980000", method="transfer", paid_on=TODAY
    )
    cmd.audit_receipts(session, actor=fin, receipt_ids=[refund.id])
    session.flush()
    assert session.scalar(select(func.count()).where(Receipt.split_kinds.is_(True))) == 5
    start, end = date(2026, 11, 1), date(2026, 12, 31)
    data = coll.collections(session, fin, None, start, end, "month", TODAY)
    got = {code: sum(values, Decimal(0)) for code, values in data.received.items()}
    assert {k: v for k, v in got.items() if v} == by_kind_of_receivable(session, start, end)
    # 定金: 50,000 paid and reversed; 50,000 paid, moved out and in again. 房款: 100 paid and
    # reversed, 1,000; 1,910,000 paid, 930,000 of it moved out and in again. Refund: 980,000.
    assert {k: v for k, v in got.items() if v} == {
        "deposit": Decimal("50000.00"),
        "full_payment": Decimal("1911000.00"),
        "refund": Decimal("-980000.00"),
    }
    audited = session.scalar(
        select(func.sum(Receipt.amount)).where(
            Receipt.status == ReceiptStatus.AUDITED,
            Receipt.received_on >= start,
            Receipt.received_on <= end,
        )
    )
    assert data.total_received == Decimal(audited) == Decimal("981000.00")


def test_the_main_aggregate_reads_only_the_covering_index(tmp_path):
    """On SQLite (EXPLAIN QUERY PLAN; MariaDB's plans on a test-sized table say little)."""
    with own_database("sqlite", "plan", tmp_path) as database, database.factory() as session:
        market = make_market(session)
        fin = market.user("finance")
        project_id = market.units[0].project_id
        plans = []
        for query in (coll._received_query, coll._split_query):
            sql = query(fin, project_id, date(2026, 1, 1), date(2026, 12, 31)).compile(
                dialect=database.engine.dialect, compile_kwargs={"literal_binds": True}
            )
            plan = session.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
            plans.append(" | ".join(row[-1] for row in plan))
    assert "SEARCH receipt USING COVERING INDEX ix_receipt_collections" in plans[0]
    assert "receipt_allocation" not in plans[0] and "receivable" not in plans[0]
    assert plans[1].count("SEARCH receipt USING COVERING INDEX ix_receipt_split") == 2
