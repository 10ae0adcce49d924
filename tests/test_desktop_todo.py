"""桌面 → 待办提醒: each role's to-do counts, scoped to its projects (and a consultant's own
records), and the panel through the callback."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from data_layer.commands import deals as deal_cmd
from data_layer.commands import finance as fin_cmd
from data_layer.commands import quotes as quote_cmd
from data_layer.models import (
    AdjustmentMethod,
    AdjustmentStatus,
    AftersalesCase,
    AuditEntry,
    CaseKind,
    CaseStatus,
    CustomerStage,
    DealState,
    LoanKind,
    PriceAdjustment,
    Receivable,
    ReceivableKind,
    RoleCode,
)
from data_layer.queries import todo
from data_layer.queries.aftersales import PRICE_KINDS
from pages.desktop import ids, todo_ids
from tests import dash_client
from tests.conftest import login
from tests.factories import make_customer, make_user
from tests.test_deals_support import make_market

TODAY = date(2026, 12, 4)
D = Decimal


def counts(session, user, project_id=None, **kw) -> dict[str, int]:
    return {i.key: i.count for i in todo.items(session, user, project_id, TODAY, **kw)}


def amounts(session, user, project_id=None) -> dict[str, Decimal]:
    return {
        i.key: i.amount
        for i in todo.items(session, user, project_id, TODAY)
        if i.amount is not None
    }


def subscribe(session, market, unit, customer, plan=None, deposit="50000", on=TODAY, who=None):
    return deal_cmd.subscribe(
        session,
        actor=market.user(who or "consultant"),
        unit_id=market.units[unit].id,
        customer_id=market.customers[customer].id,
        plan_id=(plan or market.mortgage).id,
        deposit=D(deposit),
        today=on,
    )


def test_sales_counts_are_the_consultants_own_and_the_managers_team(session, world):
    m = make_market(session, world)
    u, p1, p2 = world.users, world.projects[0], world.projects[1]
    c0, c1, c2 = m.customers  # consultant, consultant2, consultant
    c0.next_follow_up_on = TODAY - timedelta(days=2)
    c1.next_follow_up_on = TODAY
    c2.next_follow_up_on = TODAY + timedelta(days=1)  # not due yet
    make_customer(
        session, p1, u["consultant"], "流失", "13800000009",
        stage=CustomerStage.LOST, next_follow_up_on=TODAY - timedelta(days=1),
    )  # fmt: skip
    make_customer(
        session, p2, u["consultant_p2"], "外盘", "13800000010",
        next_follow_up_on=TODAY - timedelta(days=1),
    )  # fmt: skip
    session.flush()
    # Reservations ending within two days: one each; a later one does not count.
    deal_cmd.reserve(
        session, actor=u["consultant"], unit_id=m.units[0].id, customer_id=c0.id,
        until=TODAY + timedelta(days=1), today=TODAY,
    )  # fmt: skip
    deal_cmd.reserve(
        session, actor=u["consultant2"], unit_id=m.units[1].id, customer_id=c1.id,
        until=TODAY + timedelta(days=2), today=TODAY,
    )  # fmt: skip
    # Subscribed eight days ago, not contracted: 待签约.
    subscribe(session, m, 2, 2, on=TODAY - timedelta(days=8))
    # Quotes made six days ago (valid seven days): one on a free unit expires tomorrow; the one
    # on the unit reserved for the same customer needs nothing more.
    for unit in (3, 0):
        terms = quote_cmd.QuoteTerms(
            unit_id=m.units[unit].id, customer_id=c0.id, plan_id=m.mortgage.id,
            extra_discount=D("0"), deposit=D("50000"), down_payment_percent=D("30"),
            loan_kind=LoanKind.COMMERCIAL, loan_years=30, commercial_rate_percent=D("3.5"),
        )  # fmt: skip
        quote_cmd.create_quote(
            session, actor=u["consultant"], terms=terms, today=TODAY - timedelta(days=6)
        )

    sales = ["follow_ups", "holds_ending", "to_sign", "quotes_expiring"]
    own = counts(session, u["consultant"])
    assert list(own) == sales
    assert own == {"follow_ups": 1, "holds_ending": 1, "to_sign": 1, "quotes_expiring": 1}
    other = counts(session, u["consultant2"])
    assert other == {"follow_ups": 1, "holds_ending": 1, "to_sign": 0, "quotes_expiring": 0}
    outside = counts(session, u["consultant_p2"])
    assert outside == {"follow_ups": 1, "holds_ending": 0, "to_sign": 0, "quotes_expiring": 0}
    team = counts(session, u["manager"])
    assert list(team) == [*sales, "deal_approvals", "price_approvals"]
    assert [team[k] for k in sales] == [2, 2, 1, 1]
    # A project the viewer may not see (left selected by another account) is ignored.
    assert counts(session, u["consultant"], p2.id) == own
    assert counts(session, u["manager"], p1.id) == team


def test_manager_approvals_scoped_to_projects(session, world):
    m = make_market(session, world)
    u, p1, p2 = world.users, world.projects[0], world.projects[1]
    manager_p2 = make_user(session, "manager_p2", RoleCode.MANAGER, [p2])
    assert counts(session, u["manager"])["deal_approvals"] == 0  # zero state
    deal = subscribe(session, m, 0, 0)
    deal_cmd.request_change(
        session, actor=u["consultant"], deal_id=deal.id, kind="cancel", reason="客户资金"
    )
    for project, code in ((p1, "TJ-1"), (p2, "TJ-2"), (p2, "TJ-3")):
        session.add(
            PriceAdjustment(
                project_id=project.id, code=code, method=AdjustmentMethod.PERCENT,
                value=D("3"), reason="开盘", status=AdjustmentStatus.PENDING,
            )
        )  # fmt: skip
    session.add(
        PriceAdjustment(
            project_id=p1.id, code="TJ-4", method=AdjustmentMethod.PERCENT, value=D("1"),
            reason="已批", status=AdjustmentStatus.APPROVED,
        )
    )  # fmt: skip
    session.flush()
    mine = counts(session, u["manager"])
    assert (mine["deal_approvals"], mine["price_approvals"]) == (1, 1)
    theirs = counts(session, manager_p2)
    assert (theirs["deal_approvals"], theirs["price_approvals"]) == (0, 2)
    group = counts(session, u["admin"])
    assert (group["deal_approvals"], group["price_approvals"]) == (1, 3)
    in_p2 = counts(session, u["admin"], p2.id)
    assert (in_p2["deal_approvals"], in_p2["price_approvals"]) == (0, 2)
    # A consultant approves nothing: no such tiles at all.
    assert "deal_approvals" not in counts(session, u["consultant"])


def _overdue_expected(session, deal_ids):
    rows = session.scalars(
        select(Receivable).where(
            Receivable.deal_id.in_(deal_ids),
            Receivable.due_on < TODAY,
            Receivable.cancelled.is_(False),
            Receivable.kind != ReceivableKind.REFUND,
        )
    ).all()
    open_rows = [r for r in rows if r.paid < r.amount]
    return len(open_rows), sum((r.amount - r.paid for r in open_rows), D("0.00"))


def test_finance_todo(session, world):
    m = make_market(session, world)
    u, p2 = world.users, world.projects[1]
    finance, finance_p2 = u["finance"], make_user(session, "finance_p2", RoleCode.FINANCE, [p2])
    keys = [
        "new_deals_unpaid",
        "changes_approved",
        "receipts_to_audit",
        "refunds_to_audit",
        "refunds_owed",
        "overdue",
    ]
    assert counts(session, finance) == dict.fromkeys(keys, 0)  # zero states, every tile kept
    old = subscribe(session, m, 0, 0, on=TODAY - timedelta(days=30))
    new = subscribe(session, m, 1, 1, plan=m.lump, on=TODAY - timedelta(days=1), who="consultant2")
    # Cancelled after its deposit was received: 20,000 to pay back.
    closed = subscribe(session, m, 2, 2, deposit="20000", on=TODAY - timedelta(days=20))
    receipt = fin_cmd.record_receipt(
        session, actor=finance, deal_id=closed.id, amount=D("20000"), method="transfer",
        received_on=TODAY - timedelta(days=20),
    )  # fmt: skip
    fin_cmd.audit_receipts(session, actor=finance, receipt_ids=[receipt.id])
    request = deal_cmd.request_change(
        session, actor=u["consultant"], deal_id=closed.id, kind="cancel", reason="资金"
    )
    deal_cmd.decide(session, actor=u["manager"], approval_id=request.id, approve=True, today=TODAY)
    assert closed.state == DealState.CANCELLED
    got = counts(session, finance)
    assert got["new_deals_unpaid"] == 1  # `old` is a month old; `closed` is no longer live
    assert (got["receipts_to_audit"], got["refunds_to_audit"]) == (0, 0)
    assert got["refunds_owed"] == 1
    assert got["changes_approved"] == 1  # the cancellation, approved just now
    request.decided_at = datetime(2020, 1, 1)  # long ago: no longer news
    session.flush()
    assert counts(session, finance)["changes_approved"] == 0
    n, amount = _overdue_expected(session, [old.id, new.id])
    assert n > 0 and got["overdue"] == n
    money = amounts(session, finance)
    assert money == {"refunds_owed": D("20000.00"), "overdue": amount}

    # A draft receipt on the new deal: no longer unpaid, waiting for audit instead. A draft
    # refund of 5,000: 15,000 still owed, one refund voucher to audit.
    fin_cmd.record_receipt(
        session, actor=finance, deal_id=new.id, amount=D("10000"), method="transfer",
        received_on=TODAY,
    )  # fmt: skip
    fin_cmd.record_refund(
        session, actor=finance, deal_id=closed.id, amount=D("5000"), method="transfer",
        paid_on=TODAY,
    )  # fmt: skip
    got = counts(session, finance)
    assert (got["new_deals_unpaid"], got["receipts_to_audit"], got["refunds_to_audit"]) == (
        0,
        1,
        1,
    )
    assert amounts(session, finance)["refunds_owed"] == D("15000.00")
    # The administrator (every project, named by a subquery) counts the same.
    group = counts(session, world.users["admin"])
    assert (group["receipts_to_audit"], group["refunds_to_audit"], group["refunds_owed"]) == (
        1,
        1,
        1,
    )
    assert amounts(session, world.users["admin"])["refunds_owed"] == D("15000.00")
    # Another project's finance clerk counts none of it; a consultant sees no finance tiles.
    assert counts(session, finance_p2) == dict.fromkeys(keys, 0)
    assert not set(keys) & set(counts(session, u["consultant"]))


def _pay_in_full(session, deal):
    for r in session.scalars(
        select(Receivable).where(
            Receivable.deal_id == deal.id,
            Receivable.cancelled.is_(False),
            Receivable.kind.in_(PRICE_KINDS),
        )
    ):
        r.paid = r.amount
    session.flush()


def test_aftersales_todo(session, world):
    m = make_market(session, world)
    u, p2 = world.users, world.projects[1]
    clerk, clerk_p2 = u["aftersales"], make_user(session, "as_p2", RoleCode.AFTERSALES, [p2])
    keys = ["mortgage_pending", "mortgage_submitted", "certificate_pending", "owner_birthdays"]
    assert counts(session, clerk) == dict.fromkeys(keys, 0)
    mortgaged = subscribe(session, m, 0, 0)
    deal_cmd.sign_contract(
        session, actor=u["consultant"], deal_id=mortgaged.id, contract_no="HT-1", today=TODAY
    )
    lump = subscribe(session, m, 1, 2, plan=m.lump)
    deal_cmd.sign_contract(
        session, actor=u["consultant"], deal_id=lump.id, contract_no="HT-2", today=TODAY
    )
    subscribe(session, m, 2, 1, who="consultant2")  # subscribed only: not an owner yet
    m.customers[0].birthday = date(1990, 12, 7)  # in three days
    m.customers[2].birthday = date(1985, 12, 20)
    m.customers[1].birthday = date(1988, 12, 5)  # not contracted
    session.flush()
    assert counts(session, clerk) == {
        "mortgage_pending": 1,
        "mortgage_submitted": 0,
        "certificate_pending": 0,  # the lump-sum deal is not paid yet
        "owner_birthdays": 1,
    }
    _pay_in_full(session, lump)
    session.add(
        AftersalesCase(
            kind=CaseKind.MORTGAGE,
            deal_id=mortgaged.id,
            project_id=mortgaged.project_id,
            status=CaseStatus.SUBMITTED,
            status_on=TODAY,
        )
    )
    session.flush()
    assert counts(session, clerk) == {
        "mortgage_pending": 0,
        "mortgage_submitted": 1,
        "certificate_pending": 1,
        "owner_birthdays": 1,
    }
    assert todo.case_counts(session, clerk, None, CaseKind.CERTIFICATE) == {
        CaseStatus.PENDING: 1,
        CaseStatus.APPLIED: 0,
        CaseStatus.SUBMITTED: 0,
        CaseStatus.ISSUED: 0,
    }
    assert counts(session, clerk_p2) == dict.fromkeys(keys, 0)


def test_locked_accounts_and_roles_without_items(session, world):
    u = world.users
    now = datetime(2026, 12, 4, 8, 0)
    for minutes in range(5):  # five failures within the window: refused at login
        session.add(
            AuditEntry(
                action="auth.login_failed", subject="user:bob", success=False,
                at=now - timedelta(minutes=minutes),
            )
        )  # fmt: skip
    for minutes in range(4):
        session.add(
            AuditEntry(
                action="auth.login_failed", subject="user:amy", success=False,
                at=now - timedelta(minutes=minutes),
            )
        )  # fmt: skip
    for minutes in range(5):  # long ago, and an address rather than an account
        session.add(
            AuditEntry(
                action="auth.login_failed", subject="user:old", success=False,
                at=now - timedelta(hours=2, minutes=minutes),
            )
        )  # fmt: skip
        session.add(
            AuditEntry(
                action="auth.login_failed", subject="ip:10.0.0.9", success=False,
                at=now - timedelta(minutes=minutes),
            )
        )  # fmt: skip
    session.flush()
    admin = counts(session, u["admin"], now=now)
    assert admin["locked_accounts"] == 1
    strict = todo.LoginPolicy(max_failures=4, window_minutes=15)
    assert counts(session, u["admin"], policy=strict, now=now)["locked_accounts"] == 2
    # The administrator sees every role's items; marketing acts on none of them.
    assert {"follow_ups", "deal_approvals", "overdue", "mortgage_pending"} <= set(admin)
    assert todo.items(session, u["marketing"], None, TODAY) == []
    assert "locked_accounts" not in counts(session, u["manager"])


# ---------------------------------------------------------------------------------------------
# Through the callback


OUTPUT = f"{ids.TODO}.children"


def _tiles(component) -> dict[str, str]:
    """{tile id: its text} of the panel."""
    found = {}

    def walk(node):
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            props = node.get("props", {})
            ident = props.get("id")
            if (
                isinstance(ident, str)
                and ident.startswith("desk-todo-")
                and ident != todo_ids.PANEL
            ):
                found[ident] = dash_client.text_of(node)
            walk(props.get("children"))

    walk(component)
    return found


@pytest.fixture(scope="module")
def seeded(app_env):
    db = app_env.server.extensions["loupan_db"]
    from data_layer.models import Customer

    with db.writer() as s:
        mine = s.scalar(select(Customer).where(Customer.name == "张伟"))
        mine.next_follow_up_on = date(2020, 1, 1)  # long overdue
    return app_env


def _post(app, username):
    client = app.server.test_client()
    if username:
        assert login(client, username).status_code == 302
    return dash_client.post(client, app, OUTPUT, {"shell-project.value": None})


def test_panel_for_consultant_and_finance(seeded):
    out = dash_client.response_of(_post(seeded, "consultant"))[ids.TODO]["children"]
    tiles = _tiles(out)
    assert "待办提醒" in dash_client.text_of(out)
    assert set(tiles) == {
        "desk-todo-follow_ups",
        "desk-todo-holds_ending",
        "desk-todo-to_sign",
        "desk-todo-quotes_expiring",
    }
    assert tiles["desk-todo-follow_ups"].startswith("待跟进客户 1")
    assert tiles["desk-todo-to_sign"].startswith("认购待签约 0")
    links = {
        n["props"]["id"]: n["props"]["href"]
        for n in out["props"]["children"][1]["props"]["children"]
    }
    assert links["desk-todo-follow_ups"] == "/crm/reminders"

    out = dash_client.response_of(_post(seeded, "finance"))[ids.TODO]["children"]
    tiles = _tiles(out)
    assert list(tiles) == [
        "desk-todo-new_deals_unpaid",
        "desk-todo-changes_approved",
        "desk-todo-receipts_to_audit",
        "desk-todo-refunds_to_audit",
        "desk-todo-refunds_owed",
        "desk-todo-overdue",
    ]
    assert tiles["desk-todo-receipts_to_audit"].startswith("收据待审核 0")
    assert tiles["desk-todo-overdue"].startswith("逾期应收（催款） 0")


def test_nothing_to_do_renders_nothing_and_no_session_is_refused(seeded):
    out = dash_client.response_of(_post(seeded, "marketing"))[ids.TODO]
    assert out["children"] is None
    assert _post(seeded, None).status_code == 401
