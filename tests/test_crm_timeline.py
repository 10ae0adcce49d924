"""The customer page's timeline: follow-ups (跟进) are known by their date only, so they show
their date (not 00:00) and open their day, before that day's timed events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from callbacks.crm import timeline_rows
from data_layer.commands import deals as cmd
from data_layer.models import (
    AssignmentKind,
    ContactKind,
    CustomerAssignment,
    DealEvent,
    FollowUp,
)
from data_layer.queries import crm
from tests.test_deals_support import make_market

TODAY = date(2026, 12, 4)
FIRST_DAY, DEAL_DAY = date(2026, 12, 1), date(2026, 12, 3)
# Stored UTC → Shanghai (UTC+8): 02:15 UTC is 10:15 on the 1st; 16:30 UTC on the 2nd is
# 00:30 on the 3rd (the deal's day, just after midnight); 14:00 UTC on the 3rd is 22:00.
REGISTERED_UTC, REGISTERED = datetime(2026, 12, 1, 2, 15), "2026-12-01 10:15"
SUBSCRIBED_UTC, SUBSCRIBED = datetime(2026, 12, 2, 16, 30), "2026-12-03 00:30"
SIGNED_UTC, SIGNED = datetime(2026, 12, 3, 14, 0), "2026-12-03 22:00"


@pytest.fixture
def customer_with_history(session):
    """A registration and a first visit on the 1st; on the 3rd a visit then a call (recorded
    in that order), a subscription just after midnight and the contract in the evening."""
    market = make_market(session)
    customer = market.customers[0]
    consultant = market.user("consultant")
    session.add(
        CustomerAssignment(
            customer_id=customer.id,
            project_id=customer.project_id,
            to_consultant_id=consultant.id,
            kind=AssignmentKind.REGISTER,
            by_user_id=consultant.id,
            at=REGISTERED_UTC,
        )
    )
    for day, kind, notes in [
        (FIRST_DAY, ContactKind.VISIT, "首次到访"),
        (DEAL_DAY, ContactKind.VISIT, "到访认购"),
        (DEAL_DAY, ContactKind.CALL, "电话约签约"),
    ]:
        session.add(
            FollowUp(
                customer_id=customer.id,
                user_id=consultant.id,
                kind=kind,
                happened_on=day,
                notes=notes,
            )
        )
    deal = cmd.subscribe(
        session,
        actor=consultant,
        unit_id=market.units[0].id,
        customer_id=customer.id,
        plan_id=market.lump.id,
        deposit=Decimal("50000"),
        today=TODAY,
    )
    cmd.sign_contract(
        session, actor=consultant, deal_id=deal.id, contract_no="HT-2026-009", today=TODAY
    )
    session.execute(
        update(DealEvent)
        .where(DealEvent.deal_id == deal.id, DealEvent.kind == "subscribe")
        .values(at=SUBSCRIBED_UTC)
    )
    session.execute(
        update(DealEvent)
        .where(DealEvent.deal_id == deal.id, DealEvent.kind != "subscribe")
        .values(at=SIGNED_UTC)
    )
    session.flush()
    session.expire_all()
    return market, customer


def test_follow_ups_are_date_only_and_open_their_day(session, customer_with_history):
    market, customer = customer_with_history
    detail = crm.customer_detail(session, market.user("manager"), customer.id)
    lines = [
        (row["at"], row["all_day"], row["kind"], row["details"])
        for row in detail.timeline.to_dict("records")
        if row["kind"] != "deal.event" or row["title"] == "sign"
    ]
    assert lines == [
        (datetime(2026, 12, 1), True, "contact.visit", "首次到访"),
        (datetime(2026, 12, 1, 10, 15), False, "assign.register", ""),
        # The 3rd: its follow-ups first, in the order recorded (a visit before a call), then
        # the subscription at 00:30 and the contract at 22:00.
        (datetime(2026, 12, 3), True, "contact.visit", "到访认购"),
        (datetime(2026, 12, 3), True, "contact.call", "电话约签约"),
        (datetime(2026, 12, 3, 0, 30), False, "deal.created", market.units[0].code),
        (datetime(2026, 12, 3, 22, 0), False, "deal.event", market.units[0].code),
    ]
    assert list(detail.timeline["at"]) == sorted(detail.timeline["at"])


def test_the_customer_page_shows_a_follow_ups_date_without_a_time(session, customer_with_history):
    market, customer = customer_with_history
    detail = crm.customer_detail(session, market.user("manager"), customer.id)
    rows = [(row["at"], row["title"], row["details"]) for row in timeline_rows(detail.timeline)]
    unit = market.units[0].code
    consultant = market.user("consultant").display_name
    assert [at for at, _t, _d in rows if at.endswith("00:00")] == []
    assert rows[:4] == [
        ("2026-12-01", "来访", "首次到访"),
        (REGISTERED, "登记归属", consultant),
        ("2026-12-03", "来访", "到访认购"),
        ("2026-12-03", "来电", "电话约签约"),
    ]
    assert rows[4][0] == SUBSCRIBED and rows[4][1].startswith("交易登记")
    assert rows[-1][0] == SIGNED
    assert ("2026-12-03 22:00", "交易·签约", unit) in rows
