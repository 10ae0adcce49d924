"""回款分析 and 收款日报 by type count a receipt under the receivables its allocations paid: a
receipt split between 定金 and 房款 shows in both series, its reversal subtracts from both, the
drill-down of a series lists it with its part, and the totals stay the sum of the receipts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data_layer.commands import deals as deal_cmd
from data_layer.commands import finance as cmd
from data_layer.models import Receipt, ReceiptStatus, Receivable, ReceivableKind
from data_layer.queries import collections as coll
from data_layer.queries import finance as q
from tests.test_deals_support import make_market

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)
PAID_ON, REVERSED_ON = date(2026, 11, 5), date(2026, 12, 3)
TODAY = date(2026, 12, 4)


def split_receipt(session, actor, deal_id: int, on: date) -> Receipt:
    """50,100 paid on the deal: 50,000 to its 定金 and 100 to its 一次性房款."""
    lines = {
        r.kind: r.id
        for r in session.scalars(select(Receivable).where(Receivable.deal_id == deal_id))
    }
    return cmd.record_receipt(
        session,
        actor=actor,
        deal_id=deal_id,
        amount=Decimal("50100"),
        method="transfer",
        received_on=on,
        allocations=[
            {"receivable_id": lines[ReceivableKind.DEPOSIT], "amount": "50000"},
            {"receivable_id": lines[ReceivableKind.FULL_PAYMENT], "amount": "100"},
        ],
    )


@pytest.fixture
def split(session):
    """A lump-sum deal whose 50,100 receipt of 11-05 is split 50,000 定金 / 100 房款 and
    reversed (红冲) on 12-03; a 1,000 receipt of 11-05 to 房款 alone stays."""
    market = make_market(session)
    fin = market.user("finance")
    deal = deal_cmd.subscribe(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[0].id,
        customer_id=market.customers[0].id,
        plan_id=market.lump.id,
        deposit=Decimal("50000"),
        today=date(2026, 11, 1),
    )
    receipt = split_receipt(session, fin, deal.id, PAID_ON)
    assert receipt.kind == ReceivableKind.DEPOSIT  # the receipt's own kind: its largest line
    plain = cmd.record_receipt(
        session,
        actor=fin,
        deal_id=deal.id,
        amount=Decimal("1000"),
        method="cash",
        received_on=PAID_ON,
    )
    cmd.audit_receipts(session, actor=fin, receipt_ids=[receipt.id, plain.id])
    reversal = cmd.reverse_receipt(
        session, actor=fin, receipt_id=receipt.id, reason="退回客户", on=REVERSED_ON
    )
    return market, deal, receipt, plain, reversal


def audited_sum(session, start: date, end: date) -> Decimal:
    return Decimal(
        session.scalar(
            select(func.coalesce(func.sum(Receipt.amount), 0)).where(
                Receipt.status == ReceiptStatus.AUDITED,
                Receipt.received_on >= start,
                Receipt.received_on <= end,
            )
        )
    )


def monthly(session, market, start=NOV, end=date(2026, 12, 31)):
    return coll.collections(session, market.user("finance"), None, start, end, "month", TODAY)


def test_a_split_receipt_counts_in_each_series_it_paid(session, split):
    market, *_ = split
    data = monthly(session, market)
    assert data.periods == [NOV, DEC]
    assert data.received["deposit"][0] == Decimal("50000.00")  # was 50,100: all under 定金
    assert data.received["full_payment"][0] == Decimal("1100.00")  # 100 of it + the 1,000
    assert all(data.received[code][0] == 0 for code in ("down_payment", "mortgage", "fee"))


def test_a_reversal_subtracts_from_the_series_its_original_paid(session, split):
    market, *_ = split
    data = monthly(session, market)
    assert data.received["deposit"][1] == Decimal("-50000.00")
    assert data.received["full_payment"][1] == Decimal("-100.00")
    weekly = coll.collections(
        session, market.user("finance"), None, NOV, date(2026, 12, 31), "week", TODAY
    )
    assert sum(weekly.received["deposit"], Decimal(0)) == 0
    assert sum(weekly.received["full_payment"], Decimal(0)) == Decimal("1000.00")


def test_the_total_received_is_the_sum_of_the_audited_receipts(session, split):
    market, *_ = split
    data = monthly(session, market)
    assert data.total_received == audited_sum(session, NOV, date(2026, 12, 31))
    assert data.total_received == Decimal("1000.00")
    november = monthly(session, market, NOV, date(2026, 11, 30))
    assert november.total_received == audited_sum(session, NOV, date(2026, 11, 30))
    assert november.total_received == Decimal("51100.00")
    # The cumulative rate of December starts from November's money (received before it).
    december = monthly(session, market, DEC, date(2026, 12, 31))
    assert december.total_received == Decimal("-50100.00")


def test_a_receipt_without_allocations_counts_whole_under_its_own_kind(session, split):
    """No command writes one (each allocates the whole amount); an imported one still counts."""
    market, deal, receipt, *_ = split
    session.add(
        Receipt(
            company_id=receipt.company_id,
            project_id=deal.project_id,
            deal_id=deal.id,
            number="SJ-IMPORTED-1",
            payer="王芳",
            method="cash",
            kind=ReceivableKind.FEE,
            amount=Decimal("300.00"),
            received_on=PAID_ON,
            status=ReceiptStatus.AUDITED,
        )
    )
    session.flush()
    data = monthly(session, market)
    assert data.received["fee"] == [Decimal("300.00"), Decimal("0")]
    assert data.total_received == audited_sum(session, NOV, date(2026, 12, 31))
    frame = coll.series_receipts(
        session, market.user("finance"), None, "fee", NOV, date(2026, 11, 30)
    )
    assert list(frame["number"]) == ["SJ-IMPORTED-1"] and list(frame["part"]) == [Decimal("300.00")]


def test_the_drill_down_of_a_series_lists_the_receipt_with_its_part(session, split):
    market, _deal, receipt, plain, reversal = split
    fin = market.user("finance")
    nov_end, dec_end = date(2026, 11, 30), date(2026, 12, 31)
    data = monthly(session, market)
    for series, start, end, expected in [
        ("deposit", NOV, nov_end, {receipt.number: Decimal("50000.00")}),
        (
            "full_payment",
            NOV,
            nov_end,
            {receipt.number: Decimal("100.00"), plain.number: Decimal("1000.00")},
        ),
        ("deposit", DEC, dec_end, {reversal.number: Decimal("-50000.00")}),
        ("full_payment", DEC, dec_end, {reversal.number: Decimal("-100.00")}),
        ("mortgage", NOV, nov_end, {}),
    ]:
        frame = coll.series_receipts(session, fin, None, series, start, end)
        assert dict(zip(frame["number"], frame["part"], strict=True)) == expected, series
        # Each receipt once, with its whole amount beside its part; the parts make the bar.
        assert frame["id"].is_unique
        index = data.periods.index(start)
        assert sum(frame["part"], Decimal(0)) == data.received[series][index]
    frame = coll.series_receipts(session, fin, None, "full_payment", NOV, nov_end)
    row = frame[frame["number"] == receipt.number].iloc[0]
    assert row["amount"] == Decimal("50100.00") and row["kind"] == "定金"


def test_the_daily_report_by_type_splits_the_receipt_and_still_adds_up(session, split):
    market, *_ = split
    report = q.daily_report(session, market.user("finance"), None, PAID_ON)
    by_kind = {r["kind"]: (r["count"], r["amount"]) for r in report.by_kind.to_dict("records")}
    assert by_kind == {
        "定金": (1, Decimal("50000.00")),
        "一次性房款": (2, Decimal("1100.00")),  # the split receipt's 100 and the 1,000
    }
    assert report.count == 2 and report.total == Decimal("51100.00")
    assert sum(report.by_kind["amount"], Decimal(0)) == report.total
    reversed_day = q.daily_report(session, market.user("finance"), None, REVERSED_ON)
    by_kind = {r["kind"]: r["amount"] for r in reversed_day.by_kind.to_dict("records")}
    assert by_kind == {"定金": Decimal("-50000.00"), "一次性房款": Decimal("-100.00")}
    assert reversed_day.total == Decimal("-50100.00")


# ---------------------------------------------------------------------------- the screen


@pytest.fixture(scope="module")
def split_in_app(app_env):
    """The split receipt (50,000 定金 / 100 房款 of 11-05, audited) in the app's database."""
    from data_layer.models import Customer, Project, Unit, User
    from tests.test_deals_support import make_plans

    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        p1 = s.scalar(select(Project).where(Project.code == "P1"))
        lump, _mortgage = make_plans(s, p1)
        unit = s.scalars(select(Unit).where(Unit.project_id == p1.id)).first()
        deal = deal_cmd.subscribe(
            s,
            actor=users["consultant"],
            unit_id=unit.id,
            customer_id=s.scalar(select(Customer.id).where(Customer.name == "张伟")),
            plan_id=lump.id,
            deposit=Decimal("50000"),
            today=date(2026, 11, 1),
        )
        receipt = split_receipt(s, users["finance"], deal.id, PAID_ON)
        cmd.audit_receipts(s, actor=users["finance"], receipt_ids=[receipt.id])
        return receipt.number


@pytest.mark.parametrize(
    ("series", "part"), [("deposit", 50000.0), ("full_payment", 100.0), ("mortgage", None)]
)
def test_clicking_a_series_bar_lists_the_split_receipt_with_its_part(
    app_env, split_in_app, series, part
):
    from pages.finance import ids
    from tests.test_finance_fixes import finance_client, post, text

    click = {"points": [{"customdata": [series, NOV.isoformat()]}]}
    values = {f"{ids.CO_CHART}.clickData": click, f"{ids.CO_GRAIN}.value": "month"}
    out = post(
        app_env,
        finance_client(app_env),
        f"{ids.CO_DRILL}.rowData",
        values,
        f"{ids.CO_CHART}.clickData",
    )
    fields = [c["field"] for c in out[ids.CO_DRILL]["columnDefs"]]
    assert fields.index("part") == fields.index("amount") + 1
    assert "计入本类" in text(out[ids.CO_DRILL]["columnDefs"])
    rows = out[ids.CO_DRILL]["rowData"]
    if part is None:
        assert rows == []
        return
    assert [(r["number"], r["amount"], r["part"]) for r in rows] == [(split_in_app, 50100.0, part)]
    assert "（1 张）" in text(out[ids.CO_DRILL_TITLE])
