"""Finance reads: the daily report adds up, aging buckets, collections per period, scoping."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from data_layer.commands import deals as deal_cmd
from data_layer.commands import finance as cmd
from data_layer.errors import PermissionDenied
from data_layer.queries import collections as coll
from data_layer.queries import deals as deal_q
from data_layer.queries import finance as q
from tests.test_deals_support import make_market

TODAY = date(2026, 12, 4)


@pytest.fixture
def booked(session):
    """Two deals, several receipts over two months, one reversed, one voided."""
    market = make_market(session)
    fin = market.user("finance")
    d1 = deal_cmd.subscribe(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[0].id,
        customer_id=market.customers[0].id,
        plan_id=market.mortgage.id,
        deposit=Decimal("50000"),
        today=date(2026, 10, 10),
    )
    d2 = deal_cmd.subscribe(
        session,
        actor=market.user("consultant2"),
        unit_id=market.units[1].id,
        customer_id=market.customers[1].id,
        plan_id=market.lump.id,
        deposit=Decimal("20000"),
        today=date(2026, 11, 20),
    )
    ids = []
    for deal, amount, day, method in [
        (d1, "50000", date(2026, 10, 10), "transfer"),
        (d1, "100000.50", date(2026, 11, 2), "card"),
        (d2, "20000", date(2026, 11, 20), "cash"),
        (d2, "300", date(2026, 11, 20), "cash"),
        (d2, "700", date(2026, 11, 20), "card"),
    ]:
        ids.append(
            cmd.record_receipt(
                session,
                actor=fin,
                deal_id=deal.id,
                amount=Decimal(amount),
                method=method,
                received_on=day,
            ).id
        )
    cmd.audit_receipts(session, actor=fin, receipt_ids=ids[:4])
    cmd.reverse_receipt(
        session, actor=fin, receipt_id=ids[3], reason="金额错", on=date(2026, 11, 20)
    )
    cmd.void_receipt(session, actor=fin, receipt_id=ids[4], reason="录错")
    return market, d1, d2


def test_daily_report_totals_equal_the_sum_of_its_receipts(session, booked):
    market, *_ = booked
    report = q.daily_report(session, market.user("finance"), None, date(2026, 11, 20))
    assert report.count == 3  # 20,000 + 300 + its reversal −300; the voided 700 is left out
    assert report.total == sum(report.rows["amount"], Decimal(0)) == Decimal("20000.00")
    assert sum(report.by_method["amount"], Decimal(0)) == report.total
    assert sum(report.by_kind["amount"], Decimal(0)) == report.total


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(1, "≤30天"), (30, "≤30天"), (31, "31–60天"), (90, "61–90天"), (91, ">90天")],
)
def test_aging_bucket_edges(days, bucket):
    assert q.aging_bucket(days) == bucket


def test_overdue_lists_open_receivables_with_buckets(session, booked):
    market, _d1, _d2 = booked
    frame = q.overdue(session, market.user("finance"), None, TODAY)
    # d1: down payment due 10-17 partly paid; d2: full payment due 11-27 unpaid.
    by_unit = {(r.unit, r.kind): r for r in frame.itertuples()}
    down = by_unit[("3-1-101", "首付款")]
    assert down.days == (TODAY - date(2026, 10, 17)).days and down.bucket == "31–60天"
    assert down.open == Decimal("579000.00") - Decimal("100000.50")
    full = by_unit[("3-1-102", "一次性房款")]
    assert full.bucket == "≤30天" and full.open == Decimal("1940000.00")
    summary = q.aging_summary(frame)
    assert sum(summary["total"], Decimal(0)) == sum(frame["open"], Decimal(0))
    sql = q.aging_totals(session, market.user("finance"), None, TODAY)
    assert sql["31–60天"] == down.open and sql["≤30天"] == full.open


def test_collections_per_month_match_receipts_and_receivables(session, booked):
    market, *_ = booked
    data = coll.collections(
        session,
        market.user("finance"),
        None,
        date(2026, 10, 1),
        date(2026, 12, 31),
        "month",
        today=TODAY,
    )
    assert data.periods == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
    assert data.received["deposit"] == [Decimal("50000.00"), Decimal("20000.00"), Decimal("0")]
    assert data.received["down_payment"][1] == Decimal("100000.50")
    assert data.total_received == Decimal("170000.50")
    # due: d1 deposit 50,000 + down 579,000 in Oct, mortgage 1,351,000 in Dec;
    # d2 deposit 20,000 + full payment 1,940,000 in Nov.
    assert data.due == [Decimal("629000.00"), Decimal("1960000.00"), Decimal("1351000.00")]
    assert data.cumulative_rate[0] == Decimal("7.9")  # 50,000 / 629,000
    weekly = coll.collections(
        session,
        market.user("finance"),
        None,
        date(2026, 10, 1),
        date(2026, 12, 31),
        "week",
        today=TODAY,
    )
    assert weekly.total_received == data.total_received
    assert sum(weekly.due, Decimal(0)) == sum(data.due, Decimal(0))


def test_consultant_may_not_read_money(session, booked):
    market, *_ = booked
    with pytest.raises(PermissionDenied):
        q.receipts_frame(session, market.user("consultant"), None)
    with pytest.raises(PermissionDenied):
        coll.collections(session, market.user("consultant"), None, TODAY, TODAY)


def test_consultant_sees_only_own_deals(session, booked):
    market, d1, d2 = booked
    mine = deal_q.deals_frame(session, market.user("consultant"), None)
    assert list(mine["id"]) == [d1.id]
    everyone = deal_q.deals_frame(session, market.user("manager"), None)
    assert sorted(everyone["id"]) == sorted([d1.id, d2.id])
    assert mine["mobile"].iloc[0] == "13800000001"
    assert deal_q.deals_frame(session, market.user("consultant_p2"), None).empty


def test_printed_receipt_has_the_amount_in_capitals(session, booked):
    market, d1, _ = booked
    frame = q.receipts_frame(session, market.user("finance"), None, deal_id=d1.id)
    second = frame[frame["amount"] == Decimal("100000.50")].iloc[0]
    printed = q.receipt_for_print(session, market.user("finance"), int(second["id"]))
    assert printed.capital == "壹拾万元伍角"
    assert printed.amount_text == "100,000.50"
    assert printed.lines == [("首付款（第2期）", "100,000.50")]


def test_unit_panel_offers_actions_by_role(session, booked):
    market, _d1, _ = booked
    free = market.units[2]
    panel = deal_q.unit_panel(session, market.user("consultant"), free.id, TODAY)
    assert panel.actions == ["reserve", "hold", "subscribe", "sign"]
    assert deal_q.unit_panel(session, market.user("finance"), free.id, TODAY).actions == []
    taken = deal_q.unit_panel(session, market.user("consultant"), market.units[0].id, TODAY)
    assert taken.customer == "王芳" and taken.actions == ["sign_deal"]
    other = deal_q.unit_panel(session, market.user("consultant2"), market.units[0].id, TODAY)
    assert other.actions == []
    assert deal_q.unit_panel(session, market.user("consultant_p2"), free.id, TODAY) is None


def test_performance_against_the_plan(session, booked):
    from data_layer.models import SalesPlan

    market, *_ = booked
    session.add(
        SalesPlan(
            project_id=market.world.projects[0].id,
            month=date(2026, 10, 1),
            user_id=market.user("consultant").id,
            target_units=2,
            target_amount=Decimal("4000000"),
        )
    )
    session.flush()
    frame = q.performance(
        session, market.user("manager"), None, date(2026, 10, 1), date(2026, 11, 30)
    )
    people = frame[frame["consultant"] != "（团队合计）"]
    october = people[people["month"] == "2026-10"].iloc[0]
    assert (october.units, october.amount, october.rate) == (
        1,
        Decimal("1980000.00"),
        Decimal("49.5"),
    )
    assert len(people) == 2
    teams = frame[frame["consultant"] == "（团队合计）"]
    # Both consultants are in 一组: the team row adds October's and November's deals.
    assert list(teams["team"]) == ["一组", "一组"]
    assert sum(teams["amount"], Decimal(0)) == sum(people["amount"], Decimal(0))
    mine = q.performance(
        session, market.user("consultant"), None, date(2026, 10, 1), date(2026, 11, 30)
    )
    assert list(mine["consultant"]) == ["Consultant"]
    assert (TODAY - timedelta(days=1)) < TODAY
