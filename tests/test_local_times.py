"""Stored UTC moments are shown in the office's zone (Asia/Shanghai, UTC+8) by every read that
shows a time, and the customer page's timeline labels each deal event with its own stage."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from data_layer import localtime
from data_layer.commands import deals as cmd
from data_layer.commands import quotes as quote_cmd
from data_layer.models import (
    AdjustmentMethod,
    AdjustmentStatus,
    ApprovalKind,
    AssignmentKind,
    CustomerAssignment,
    DealApproval,
    DealEvent,
    FeeRule,
    PriceAdjustment,
    PriceChange,
    Quote,
    Receivable,
    ReceivableKind,
    UnitStatusChange,
    User,
)
from data_layer.queries import crm, deals, fees, finance, inventory, org, pricing, quotes
from pages.crm.labels import DEAL_EVENT_LABELS
from tests.test_deals_support import make_market
from tests.test_quotes import terms

TODAY = date(2026, 12, 4)
# 00:30 UTC is 08:30 in Shanghai; 16:30 UTC on the 3rd is already 00:30 on the 4th there.
MORNING_UTC, MORNING = datetime(2026, 12, 1, 0, 30), datetime(2026, 12, 1, 8, 30)
LATE_UTC, AFTER_MIDNIGHT = datetime(2026, 12, 3, 16, 30), datetime(2026, 12, 4, 0, 30)


@pytest.fixture
def market(session):
    return make_market(session)


def subscribe_then_sign(session, market):
    deal = cmd.subscribe(
        session,
        actor=market.user("consultant"),
        unit_id=market.units[0].id,
        customer_id=market.customers[0].id,
        plan_id=market.lump.id,
        deposit=Decimal("50000"),
        today=TODAY,
    )
    cmd.sign_contract(
        session,
        actor=market.user("consultant"),
        deal_id=deal.id,
        contract_no="HT-2026-001",
        today=TODAY,
    )
    # The subscription in the morning of the 1st, the contract (and its fees) just after
    # midnight of the 4th, both in Shanghai.
    session.execute(
        update(DealEvent)
        .where(DealEvent.deal_id == deal.id, DealEvent.kind == "subscribe")
        .values(at=MORNING_UTC)
    )
    session.execute(
        update(DealEvent)
        .where(DealEvent.deal_id == deal.id, DealEvent.kind != "subscribe")
        .values(at=LATE_UTC)
    )
    session.expire_all()
    return deal


def test_the_helper_turns_stored_utc_into_wall_clock_time():
    assert localtime.local(MORNING_UTC) == MORNING
    assert localtime.local_text(LATE_UTC) == "2026-12-04 00:30"
    assert localtime.local(None) is None and localtime.local_text(None) == ""
    assert localtime.local(MORNING_UTC, "UTC") == MORNING_UTC
    assert localtime.day_start_utc(date(2026, 12, 4)) == datetime(2026, 12, 3, 16, 0)
    assert localtime.to_utc(MORNING) == MORNING_UTC


def test_deal_history_and_change_requests_show_local_time(session, market):
    deal = subscribe_then_sign(session, market)
    detail = deals.deal_detail(session, market.user("manager"), deal.id)
    shown = {e["kind"]: e["at"] for e in detail.events}
    assert shown["认购"] == "2026-12-01 08:30"
    assert shown["签约"] == "2026-12-04 00:30"
    assert deals.deal_detail(session, market.user("manager"), deal.id, zone="UTC").events[0][
        "at"
    ] == ("2026-12-01 00:30")

    approval = cmd.request_change(
        session, actor=market.user("consultant"), deal_id=deal.id, kind="cancel"
    )
    session.execute(
        update(DealApproval).where(DealApproval.id == approval.id).values(created_at=LATE_UTC)
    )
    session.expire_all()
    frame = deals.approvals_frame(session, market.user("manager"), None)
    assert list(frame["created_at"]) == ["2026-12-04 00:30"]


def test_closed_deal_refund_is_dated_by_the_local_day(session, market):
    deal = subscribe_then_sign(session, market)
    approval = cmd.request_change(
        session, actor=market.user("consultant"), deal_id=deal.id, kind="cancel"
    )
    cmd.decide(session, actor=market.user("manager"), approval_id=approval.id, approve=True)
    deal.closed_at = LATE_UTC
    session.add(  # what it owes the buyer back (as if part of the price had been paid)
        Receivable(
            project_id=deal.project_id,
            deal_id=deal.id,
            seq=99,
            kind=ReceivableKind.REFUND,
            due_on=TODAY,
            amount=Decimal("-1000.00"),
        )
    )
    session.flush()
    frame = finance.refunds_frame(session, market.user("finance"), None)
    assert list(frame["closed_on"]) == [date(2026, 12, 4)]


def test_customer_timeline_shows_each_deal_event_with_its_own_stage_at_local_time(session, market):
    deal = subscribe_then_sign(session, market)
    detail = crm.customer_detail(session, market.user("manager"), deal.customer_id)
    lines = [
        (row["at"], row["kind"], row["title"])
        for row in detail.timeline.to_dict("records")
        if row["kind"].startswith("deal.") and row["title"] != "fee"
    ]
    # The deal's registration is the subscription (not its current stage, 签约), then the
    # contract, each at its own local time.
    assert lines == [
        (MORNING, "deal.created", "subscribed"),
        (AFTER_MIDNIGHT, "deal.event", "sign"),
    ]
    registered = detail.timeline[detail.timeline["kind"] == "deal.created"].iloc[0]
    assert registered["amount"] == deal.deal_total
    assert list(detail.timeline["at"]) == sorted(detail.timeline["at"])


def test_customer_timeline_assignments_and_quotes_show_local_time(session, market):
    customer = market.customers[0]
    quote = quote_cmd.create_quote(
        session, actor=market.user("consultant"), terms=terms(market), today=TODAY
    )
    session.execute(update(Quote).where(Quote.id == quote.id).values(created_at=MORNING_UTC))
    session.add(
        CustomerAssignment(
            customer_id=customer.id,
            project_id=customer.project_id,
            to_consultant_id=customer.consultant_id,
            kind=AssignmentKind.OVERRIDE,
            at=LATE_UTC,
        )
    )
    session.flush()
    session.expire_all()
    detail = crm.customer_detail(session, market.user("manager"), customer.id)
    at = {row["kind"]: row["at"] for row in detail.timeline.to_dict("records")}
    assert at["quote"] == MORNING
    assert at["assign.override"] == AFTER_MIDNIGHT
    assert quotes.customer_quotes(session, customer.id)[0]["at"] == MORNING


def test_transferred_customers_show_local_handover_time(session, market):
    consultant = market.user("consultant")
    customer = market.customers[0]
    session.add(
        CustomerAssignment(
            customer_id=customer.id,
            project_id=customer.project_id,
            from_consultant_id=market.user("consultant2").id,
            to_consultant_id=consultant.id,
            kind=AssignmentKind.TRANSFER,
            at=LATE_UTC,
        )
    )
    session.flush()
    frame = crm.transferred_to_me(session, consultant, TODAY, days=0)
    # Handed over at 00:30 on the 4th in Shanghai: within "today" there (16:30 UTC the day
    # before), and shown at that local time.
    assert list(frame["transferred_at"]) == [AFTER_MIDNIGHT]


def test_unit_panel_histories_show_local_time(session, market):
    unit = market.units[0]
    session.add(
        PriceChange(
            unit_id=unit.id,
            at=MORNING_UTC,
            reason="开盘定价",
            old_list_total=None,
            new_list_total=Decimal("2000000.00"),
            new_list_unit_price=Decimal("20000.00"),
        )
    )
    session.add(
        UnitStatusChange(
            unit_id=unit.id,
            at=LATE_UTC,
            from_status="available",
            to_status="reserved",
        )
    )
    session.flush()
    detail = inventory.unit_detail(session, market.user("manager"), unit.id)
    assert [h["at"] for h in detail["status_history"]] == [AFTER_MIDNIGHT]
    assert [h["at"] for h in detail["price_history"]] == [MORNING]
    history = pricing.unit_history(session, market.user("manager"), unit.id)
    assert list(history["at"]) == [MORNING]


def test_price_adjustments_show_local_time(session, market):
    project = market.world.projects[0]
    session.add(
        PriceAdjustment(
            project_id=project.id,
            code="TJ-1",
            method=AdjustmentMethod.PERCENT,
            value=Decimal("3"),
            reason="去化快",
            status=AdjustmentStatus.APPROVED,
            requested_by=market.user("marketing").id,
            requested_at=MORNING_UTC,
            decided_by=market.user("manager").id,
            decided_at=LATE_UTC,
        )
    )
    session.flush()
    frame = pricing.adjustments_frame(session, market.user("manager"), project_id=project.id)
    assert list(frame["requested_at"]) == ["2026-12-01 08:30"]
    assert list(frame["decided_at"]) == ["2026-12-04 00:30"]
    events = pricing.adjustment_events(session, market.user("manager"), project_id=project.id)
    assert list(events["at"]) == [AFTER_MIDNIGHT]


def test_weekly_prices_count_a_change_in_its_local_week(session, market):
    # Sunday 20:00 UTC is Monday 04:00 in Shanghai: the change belongs to the week of the 30th.
    session.add(
        PriceChange(
            unit_id=market.units[0].id,
            at=datetime(2026, 11, 29, 20, 0),
            new_list_total=Decimal("2000000.00"),
        )
    )
    session.flush()
    frame = pricing.weekly_prices(
        session,
        market.user("manager"),
        project_id=market.world.projects[0].id,
        end=date(2026, 11, 30),
    )
    assert list(frame["week"]) == [date(2026, 11, 30)]
    assert frame["list_price"].iloc[0] is not None


def test_fee_rules_and_users_show_local_creation_time(session, market):
    session.add(
        FeeRule(
            code="deed_tax",
            name="契税",
            formula="total * 0.01",
            effective_from=date(2026, 1, 1),
            created_at=MORNING_UTC,
        )
    )
    admin = market.user("admin")
    session.execute(update(User).where(User.id == admin.id).values(created_at=LATE_UTC))
    session.flush()
    session.expire_all()
    rules = fees.fee_rules_frame(session, admin, today=TODAY)
    assert "2026-12-01 08:30" in list(rules["created_at"])
    users = org.users_frame(session, admin)
    assert users.set_index("username").loc["admin", "created_at"] == "2026-12-04 00:30"


# --- the timeline's labels -----------------------------------------------------------------------

COMMANDS = Path(__file__).resolve().parent.parent / "data_layer" / "commands" / "deals.py"


def written_event_kinds() -> set[str]:
    """Every kind that data_layer/commands/deals.py passes to `_event(...)`, and the event of
    data_layer/commands/settlement.py (面积补差)."""
    source = COMMANDS.read_text(encoding="utf-8")
    settlement = COMMANDS.with_name("settlement.py").read_text(encoding="utf-8")
    kinds: set[str] = set(re.findall(r'^EVENT = "([^"]+)"', settlement, re.MULTILINE))
    changes = [k.value for k in ApprovalKind]
    for prefix, kind in re.findall(r"_event\(\s*\w+,\s*\w+,\s*\w+,\s*(f?)(\"[^\"]*\")", source):
        text = kind.strip('"')
        if not prefix:
            kinds.add(text)
        elif text == "request_{kind.value}":
            kinds.update(f"request_{k}" for k in changes)
        elif text == "{'approve' if approve else 'reject'}_{approval.kind.value}":
            kinds.update(f"{verb}_{k}" for verb in ("approve", "reject") for k in changes)
        else:
            raise AssertionError(f"unknown computed deal event kind: {text}")
    return kinds


def test_deal_event_labels_are_exactly_the_kinds_the_commands_write():
    kinds = written_event_kinds()
    assert {"subscribe", "sign", "fee", "request_cancel", "approve_discount"} <= kinds
    assert set(DEAL_EVENT_LABELS) == kinds


def test_new_deal_event_labels_have_english():
    from dashboard.i18n import EN

    missing = [label for label in DEAL_EVENT_LABELS.values() if label not in EN]
    assert missing == []


def test_no_deal_event_kind_is_unlabelled_after_a_day_of_work(session, market):
    deal = subscribe_then_sign(session, market)
    cmd.request_change(session, actor=market.user("consultant"), deal_id=deal.id, kind="cancel")
    written = set(session.scalars(select(DealEvent.kind).where(DealEvent.deal_id == deal.id)))
    assert written <= set(DEAL_EVENT_LABELS)


def test_reads_default_to_the_zone_the_app_is_configured_with(tmp_path):
    """LOUPAN_TIMEZONE reaches every read that shows times without being passed along: the
    app sets the office's zone at start-up and DEFAULT_ZONE stands for it."""
    from datetime import datetime as dt

    from dashboard import create_app
    from dashboard.settings import Settings
    from data_layer import localtime
    from data_layer.migrate import upgrade

    moment = dt(2026, 12, 4, 0, 30)  # stored UTC
    url = f"sqlite:///{tmp_path / 'zone.db'}"
    upgrade(url)
    try:
        create_app(
            Settings(database_url=url, secret_key="t", instance_dir=tmp_path, timezone="Asia/Tokyo")
        )
        assert localtime.local_text(moment) == "2026-12-04 09:30"
        assert localtime.to_utc(dt(2026, 12, 4, 9, 30)) == moment
    finally:
        localtime.set_office_zone("Asia/Shanghai")
    assert localtime.local_text(moment) == "2026-12-04 08:30"
    assert localtime.local_text(moment, "Europe/London") == "2026-12-04 00:30"
