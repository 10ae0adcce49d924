"""业主台帐: who is an owner (live signed contracts only), scope and masking, exact amounts,
the 待办/— logic of the after-sales statuses, birthdays within a window (year end, 29 February),
an owner's detail; the screen's callbacks and its Excel export through the Flask client."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from dashboard import shell
from data_layer import authz, localtime
from data_layer.commands import deals as deal_cmd
from data_layer.commands import finance as fin_cmd
from data_layer.models import (
    AftersalesCase,
    CaseKind,
    CaseStatus,
    Customer,
    DealState,
    Project,
    RoleCode,
    Unit,
    User,
)
from data_layer.queries import aftersales_owners as q
from pages.aftersales import owner_ids as ids
from tests import dash_client
from tests.conftest import login
from tests.factories import make_building, make_customer
from tests.test_crm_exports import export_table, last_audit
from tests.test_deals_support import make_market, make_plans, make_units

TODAY = date(2026, 12, 4)


def _sign(session, actor, unit, customer, plan, deposit, number, day):
    deal = deal_cmd.subscribe(
        session,
        actor=actor,
        unit_id=unit.id,
        customer_id=customer.id,
        plan_id=plan.id,
        deposit=Decimal(deposit),
        today=day,
    )
    return deal_cmd.sign_contract(
        session, actor=actor, deal_id=deal.id, contract_no=number, today=day
    )


def _pay(session, actor, deal, amount, day):
    receipt = fin_cmd.record_receipt(
        session,
        actor=actor,
        deal_id=deal.id,
        amount=Decimal(amount),
        method="transfer",
        received_on=day,
    )
    fin_cmd.audit_receipts(session, actor=actor, receipt_ids=[receipt.id])
    return receipt


@pytest.fixture
def ledger(session):
    """P1: 王芳 signed on the mortgage plan (part paid, a 送办 mortgage case), 李娜 signed on
    the lump-sum plan and paid in full, 张伟 only subscribed, 赵敏 signed then cancelled. P2:
    王强 signed on the lump-sum plan."""
    market = make_market(session)
    w = market.world
    admin, consultant, consultant2 = (w.users[k] for k in ("admin", "consultant", "consultant2"))
    p1, p2 = w.projects
    wang, li, zhang = market.customers
    wang.id_number, wang.birthday = "11010519491231002X", date(1949, 12, 31)
    li.birthday = date(1990, 1, 2)
    zhang.birthday = date(1985, 12, 5)
    zhao = make_customer(session, p1, consultant, "赵敏", "13800000004", birthday=date(1980, 12, 6))
    day = TODAY - timedelta(days=30)
    deals = {
        "王芳": _sign(
            session, consultant, market.units[0], wang, market.mortgage, "50000", "HT-1", day
        ),
        "李娜": _sign(session, consultant2, market.units[1], li, market.lump, "20000", "HT-2", day),
        "赵敏": _sign(
            session, consultant, market.units[3], zhao, market.lump, "20000", "HT-4", day
        ),
    }
    deals["张伟"] = deal_cmd.subscribe(
        session,
        actor=consultant,
        unit_id=market.units[2].id,
        customer_id=zhang.id,
        plan_id=market.lump.id,
        deposit=Decimal("20000"),
        today=day,
    )
    cancelled = deals["赵敏"]
    cancelled.state, cancelled.live_unit_id = DealState.CANCELLED, None
    _pay(session, admin, deals["王芳"], "50000.50", day)
    _pay(session, admin, deals["李娜"], deals["李娜"].deal_total, day)
    session.add(
        AftersalesCase(
            kind=CaseKind.MORTGAGE,
            deal_id=deals["王芳"].id,
            project_id=p1.id,
            status=CaseStatus.SUBMITTED,
        )
    )
    p2_units = make_units(session, p2, code="8", floors=1, per_floor=1)
    p2_lump, _ = make_plans(session, p2)
    wang_qiang = make_customer(session, p2, w.users["consultant_p2"], "王强", "13900000009")
    deals["王强"] = _sign(
        session, w.users["consultant_p2"], p2_units[0], wang_qiang, p2_lump, "20000", "HT-9", day
    )
    session.flush()
    return market, deals


def _rows(frame) -> dict[str, dict]:
    return {r["owner"]: r for r in frame.to_dict("records")}


def test_owners_are_live_signed_contracts_in_the_viewers_projects(session, ledger):
    market, deals = ledger
    admin = market.user("admin")
    assert set(_rows(q.owners_frame(session, admin, today=TODAY))) == {"王芳", "李娜", "王强"}
    assert set(_rows(q.owners_frame(session, admin, market.world.projects[1].id))) == {"王强"}
    aftersales = market.user("aftersales")  # a member of P1 only
    assert set(_rows(q.owners_frame(session, aftersales, today=TODAY))) == {"王芳", "李娜"}
    foreign = market.world.projects[1].id
    assert q.owners_frame(session, aftersales, foreign, today=TODAY).empty
    assert q.owner_detail(session, aftersales, deals["王强"].id, today=TODAY) is None
    assert q.owner_detail(session, admin, deals["张伟"].id, today=TODAY) is None  # not signed
    assert q.owner_detail(session, admin, deals["赵敏"].id, today=TODAY) is None  # cancelled
    assert q.owner_detail(session, admin, "x") is None


def test_rows_carry_exact_amounts_and_the_after_sales_statuses(session, ledger):
    market, deals = ledger
    rows = _rows(q.owners_frame(session, market.user("aftersales"), today=TODAY))
    wang, li = rows["王芳"], rows["李娜"]
    assert wang["deal_total"] == Decimal("1980000.00")  # 100 m² × 20,000 × 0.99
    assert wang["due"] == Decimal("1980000.00")
    assert wang["paid"] == Decimal("50000.50")
    assert wang["outstanding"] == Decimal("1929999.50")
    assert all(isinstance(wang[k], Decimal) for k in ("area", "deal_total", "paid", "outstanding"))
    assert (wang["paid_in_full"], wang["paid_label"]) == (False, "否")
    assert wang["mortgage_status"] == "送办"  # its case
    assert wang["certificate_status"] == "—"  # not paid in full yet
    assert (wang["plan"], wang["plan_kind"]) == ("按揭99折", "商业贷款")
    assert (wang["contract_no"], wang["contract_status"]) == ("HT-1", "签约")
    assert (wang["project"], wang["building"], wang["unit"]) == ("滨江壹号", "3栋", "3-1-101")
    assert wang["area"] == Decimal("100.00")
    assert wang["consultant"] == "Consultant"
    assert li["paid"] == li["due"] == Decimal("1960000.00") and li["outstanding"] == 0
    assert (li["paid_in_full"], li["paid_label"]) == (True, "是")
    assert li["mortgage_status"] == "—"  # lump sum: no mortgage
    assert li["certificate_status"] == "待办"  # paid in full, no case yet
    # A mortgage plan without a case is 待办; a case decides once it exists.
    session.query(AftersalesCase).delete()
    session.add(
        AftersalesCase(
            kind=CaseKind.CERTIFICATE,
            deal_id=deals["李娜"].id,
            project_id=market.world.projects[0].id,
            status=CaseStatus.APPLIED,
        )
    )
    rows = _rows(q.owners_frame(session, market.user("aftersales"), today=TODAY))
    assert rows["王芳"]["mortgage_status"] == "待办"
    assert rows["李娜"]["certificate_status"] == "已申请"


def test_filters_search_and_paid_in_full(session, ledger):
    market, _ = ledger
    viewer = market.user("aftersales")
    assert set(_rows(q.owners_frame(session, viewer, search="李", today=TODAY))) == {"李娜"}
    assert set(_rows(q.owners_frame(session, viewer, search="3-1-101", today=TODAY))) == {"王芳"}
    assert set(_rows(q.owners_frame(session, viewer, search="HT-2", today=TODAY))) == {"李娜"}
    assert q.owners_frame(session, viewer, search="%", today=TODAY).empty  # no wildcard
    assert set(_rows(q.owners_frame(session, viewer, paid_in_full=True, today=TODAY))) == {"李娜"}
    assert set(_rows(q.owners_frame(session, viewer, paid_in_full=False, today=TODAY))) == {"王芳"}


def test_summary_counts_every_owner_in_scope(session, ledger):
    market, _ = ledger
    s = q.summary(session, market.user("aftersales"), today=TODAY)
    assert s == q.OwnerSummary(
        owners=2, paid_in_full=1, outstanding=Decimal("1929999.50"), birthdays=0
    )
    # 王芳 (31 Dec) is within 30 days of 4 Dec; 李娜 (2 Jan) too, across the year end.
    s = q.summary(session, market.user("admin"), today=TODAY, birthday_days=30)
    assert (s.owners, s.paid_in_full, s.birthdays) == (3, 1, 2)
    assert s.outstanding == Decimal("1929999.50") + Decimal("1960000.00")  # 王强 paid nothing
    assert q.summary(session, market.user("aftersales"), market.world.projects[1].id).owners == 0


def test_birthdays_within_the_window_across_the_year_end(session, ledger):
    market, _ = ledger
    viewer = market.user("aftersales")
    frame = q.owners_frame(session, viewer, birthday_days=30, today=date(2026, 12, 25))
    assert list(frame["owner"]) == ["王芳", "李娜"]  # 31 Dec in 6 days, 2 Jan in 8
    assert list(frame["days_to_birthday"]) == [6, 8]
    assert q.owners_frame(session, viewer, birthday_days=7, today=date(2026, 12, 25))[
        "owner"
    ].tolist() == ["王芳"]
    assert q.owners_frame(session, viewer, birthday_days=7, today=TODAY).empty
    on_the_day = q.owners_frame(session, viewer, birthday_days=0, today=date(2027, 1, 2))
    assert on_the_day["owner"].tolist() == ["李娜"]
    assert on_the_day["days_to_birthday"].tolist() == [0]


@pytest.mark.parametrize(
    ("today", "days", "found"),
    [
        (date(2027, 2, 27), 1, True),  # common year: 29 Feb celebrated on 28 Feb
        (date(2027, 2, 28), 0, True),
        (date(2027, 3, 1), 30, False),  # 28 Feb has passed
        (date(2028, 2, 28), 0, False),  # leap year: the day itself is 29 Feb
        (date(2028, 2, 29), 0, True),
        (date(2027, 12, 31), 60, True),  # across the year end into a leap year
    ],
)
def test_birthday_on_29_february(session, ledger, today, days, found):
    market, deals = ledger
    customer = session.get(Customer, deals["王芳"].customer_id)
    customer.birthday = date(1992, 2, 29)
    session.flush()
    viewer = market.user("aftersales")
    frame = q.owners_frame(session, viewer, birthday_days=days, today=today)
    assert ("王芳" in set(frame["owner"])) is found
    assert q.summary(session, viewer, today=today, birthday_days=days).birthdays == len(frame)
    if found:
        assert (
            _rows(frame)["王芳"]["days_to_birthday"]
            == (q.next_birthday(date(1992, 2, 29), today) - today).days
        )


def test_next_birthday_and_codes():
    assert q.next_birthday(date(1990, 1, 2), date(2026, 12, 25)) == date(2027, 1, 2)
    assert q.next_birthday(date(1990, 12, 25), date(2026, 12, 25)) == date(2026, 12, 25)
    assert q.next_birthday(date(1992, 2, 29), date(2027, 1, 1)) == date(2027, 2, 28)
    assert q.next_birthday(date(1992, 2, 29), date(2028, 1, 1)) == date(2028, 2, 29)
    assert q.birthday_codes(date(2026, 12, 30), 3) == [101, 102, 1230, 1231]
    assert 229 in q.birthday_codes(date(2027, 2, 28), 0)
    assert 229 not in q.birthday_codes(date(2028, 2, 28), 0)


def test_phone_and_id_are_masked_for_a_viewer_without_personal_data(session, ledger, monkeypatch):
    market, _ = ledger
    viewer = market.user("aftersales")
    row = _rows(q.owners_frame(session, viewer, today=TODAY))["王芳"]
    assert (row["mobile"], row["id_number"]) == ("13800000001", "11010519491231002X")
    # Today every role holding owners.view may see personal data; should one ever lack it,
    # the ledger masks.
    holders = [r for r in RoleCode if authz.has(User(role_code=r, active=True), "owners.view")]
    assert all(authz.has(User(role_code=r, active=True), "crm.view_personal") for r in holders)
    monkeypatch.setitem(
        authz.ROLE_PERMISSIONS,
        RoleCode.AFTERSALES,
        authz.ROLE_PERMISSIONS[RoleCode.AFTERSALES] - {"crm.view_personal"},
    )
    row = _rows(q.owners_frame(session, viewer, today=TODAY))["王芳"]
    assert (row["mobile"], row["id_number"]) == ("138****0001", "110105********002X")
    detail = q.owner_detail(session, viewer, row["id"], today=TODAY)
    assert detail.row["mobile"] == "138****0001"


def test_owner_detail_has_payments_and_history(session, ledger):
    market, deals = ledger
    detail = q.owner_detail(session, market.user("aftersales"), deals["王芳"].id, today=TODAY)
    assert detail.row["owner"] == "王芳" and detail.row["paid"] == Decimal("50000.50")
    kinds = [(r["kind"], r["amount"], r["paid"]) for r in detail.receivables]
    assert kinds[0] == ("定金", Decimal("50000.00"), Decimal("50000.00"))
    price = [r for r in detail.receivables if r["kind"] != "税费"]  # taxes are not the price
    assert sum(r["amount"] for r in price) == detail.row["due"] == Decimal("1980000.00")
    assert any(r["kind"] == "税费" for r in detail.receivables)
    assert sum(r["paid"] for r in detail.receivables) == Decimal("50000.50")
    assert [(r["amount"], r["status"]) for r in detail.receipts] == [
        (Decimal("50000.50"), "已审核")
    ]
    assert detail.receipts[0]["number"] and detail.receipts[0]["received_on"] == TODAY - timedelta(
        days=30
    )
    events = [(e["kind"], e["user"]) for e in detail.events]
    assert ("认购", "Consultant") in events and ("签约", "Consultant") in events
    sign = next(e for e in detail.events if e["kind"] == "签约")
    assert sign["details"]["contract_no"] == "HT-1"


# ---------------------------------------------------------------------------------------------
# The screen through the Flask client


@pytest.fixture(scope="module")
def owners_app(app_env):
    """P1: 张伟 (consultant) signed on the lump-sum plan and paid in full, birthday in 3 days;
    李娜 (consultant2) signed on the mortgage plan, 20,000.25 paid. P2: 王强 signed."""
    db = app_env.server.extensions["loupan_db"]
    today = localtime.today()
    with db.writer() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        p1, p2 = (s.scalar(select(Project).where(Project.code == c)) for c in ("P1", "P2"))
        make_building(s, p2, code="9", floors=1, per_floor=1)
        customers = {c.name: c for c in s.scalars(select(Customer))}
        customers["王强"] = make_customer(s, p2, users["consultant3"], "王强", "13600002222")
        customers["张伟"].birthday = (today + timedelta(days=3)).replace(year=1990)
        customers["张伟"].id_number = "440306199003073115"
        plans = {p.id: make_plans(s, p) for p in (p1, p2)}
        deals = {}
        for name, who, project, mortgage, number in (
            ("张伟", "consultant", p1, False, "HT-A1"),
            ("李娜", "consultant2", p1, True, "HT-A2"),
            ("王强", "consultant3", p2, False, "HT-B1"),
        ):
            unit = s.scalar(
                select(Unit)
                .where(Unit.project_id == project.id, Unit.status == "available")
                .order_by(Unit.id)
            )
            plan = plans[project.id][1 if mortgage else 0]
            deals[name] = _sign(s, users[who], unit, customers[name], plan, "20000", number, today)
        _pay(s, users["admin"], deals["张伟"], deals["张伟"].deal_total, today)
        _pay(s, users["admin"], deals["李娜"], "20000.25", today)
        ids_by_name = {name: d.id for name, d in deals.items()}
    return app_env, ids_by_name


def _list(app, username, **filters):
    client = app.server.test_client()
    login(client, username)
    values = {
        f"{shell.PROJECT_SELECT}.value": None,
        f"{ids.SEARCH}.value": filters.get("search"),
        f"{ids.PAID}.value": filters.get("paid", "all"),
        f"{ids.BIRTHDAY}.value": filters.get("birthday", "all"),
    }
    return dash_client.post(client, app, f"{ids.GRID}.rowData", values)


def test_the_list_shows_the_owners_of_the_viewers_projects(owners_app):
    app, _ = owners_app
    out = dash_client.response_of(_list(app, "aftersales"))
    rows = {r["owner"]: r for r in out[ids.GRID]["rowData"]}
    assert set(rows) == {"张伟", "李娜"}  # 王强 is in P2
    assert rows["张伟"]["paid_label"] == "是" and rows["张伟"]["certificate_status"] == "待办"
    assert rows["李娜"]["paid"] == 20000.25 and rows["李娜"]["mortgage_status"] == "待办"
    assert rows["张伟"]["mobile"] == "13812345678"  # after-sales may see personal data
    assert "2" in out[ids.NOTE]["children"]
    admin = dash_client.response_of(_list(app, "admin"))[ids.GRID]["rowData"]
    assert {r["owner"] for r in admin} == {"张伟", "李娜", "王强"}


def test_the_filters(owners_app):
    app, _ = owners_app

    def owners(**filters):
        out = dash_client.response_of(_list(app, "aftersales", **filters))
        return {r["owner"] for r in out[ids.GRID]["rowData"]}

    assert owners(paid="yes") == {"张伟"}
    assert owners(paid="no") == {"李娜"}
    assert owners(birthday="7") == {"张伟"}
    assert owners(search="HT-A2") == {"李娜"}
    assert owners(search="nobody") == set()


def test_summary_cards(owners_app):
    app, _ = owners_app
    client = app.server.test_client()
    login(client, "aftersales")
    response = dash_client.post(
        client, app, f"{ids.KPIS}.children", {f"{shell.PROJECT_SELECT}.value": None}
    )
    text = dash_client.text_of(dash_client.response_of(response)[ids.KPIS]["children"])
    assert "业主数" in text and "7 天内生日" in text
    values = text.split()
    assert values[0] == "2"  # owners
    assert values[2] == "1"  # paid in full


def test_refused_without_session_and_for_marketing(owners_app):
    app, _ = owners_app
    values = {f"{shell.PROJECT_SELECT}.value": None}
    anonymous = app.server.test_client()
    assert dash_client.post(anonymous, app, f"{ids.GRID}.rowData", values).status_code == 401
    assert _list(app, "marketing").status_code == 403
    client = app.server.test_client()
    login(client, "marketing")
    detail = {f"{ids.GRID}.selectedRows": [{"id": 1}]}
    assert dash_client.post(client, app, f"{ids.DETAIL}.children", detail).status_code == 403
    assert dash_client.post(client, app, f"{ids.KPIS}.children", values).status_code == 403


def test_a_consultant_sees_only_their_own_buyers(owners_app):
    """The reference's 客户台帐: 销售员只能查阅自己的成交信息; a manager sees the project's."""
    app, deals = owners_app
    own = dash_client.response_of(_list(app, "consultant"))[ids.GRID]["rowData"]
    assert {r["owner"] for r in own} == {"张伟"}
    team = dash_client.response_of(_list(app, "manager"))[ids.GRID]["rowData"]
    assert {r["owner"] for r in team} == {"张伟", "李娜"}
    client = app.server.test_client()
    login(client, "consultant")
    other = {f"{ids.GRID}.selectedRows": [{"id": deals["李娜"]}]}
    out = dash_client.response_of(dash_client.post(client, app, f"{ids.DETAIL}.children", other))
    assert "李娜" not in dash_client.text_of(out[ids.DETAIL]["children"])


def test_clicking_a_row_shows_payments_and_history(owners_app):
    app, deals = owners_app
    client = app.server.test_client()
    login(client, "aftersales")

    def detail(deal_id):
        values = {f"{ids.GRID}.selectedRows": [{"id": deal_id}]}
        response = dash_client.post(
            client, app, f"{ids.DETAIL}.children", values, f"{ids.GRID}.selectedRows"
        )
        return dash_client.response_of(response)[ids.DETAIL]["children"]

    shown = detail(deals["李娜"])
    text = dash_client.text_of(shown)
    assert "李娜" in text and "付款记录" in text and "交易历史" in text and "HT-A2" in text
    body = str(shown)
    assert "20000.25" in body  # the receipt in the payments grid
    assert "签约" in body and "Consultant2" in body  # the history with who did it
    assert "没有找到" in dash_client.text_of(detail(deals["王强"]))  # P2: not the viewer's


def test_export_is_the_filtered_list(owners_app):
    app, _ = owners_app
    state = {
        f"{shell.PROJECT_SELECT}.value": None,
        f"{ids.SEARCH}.value": "",
        f"{ids.PAID}.value": "no",
        f"{ids.BIRTHDAY}.value": "",
    }
    table = export_table(app, "aftersales", ids.GRID, ids.EXPORT, ids.DOWNLOAD, state)
    header, *rows = table
    assert header[:2] == ["房间", "业主"] and "未付房款" in header
    assert [r[header.index("业主")] for r in rows] == ["李娜"]
    assert rows[0][header.index("已付房款")] == 20000.25
    assert rows[0][header.index("按揭办理")] == "待办"
    entry = last_audit(app, "export.owners")
    assert entry.after["rows"] == 1 and entry.after["personal_data"] is True
    # The grid's filter and order pick the rows (virtualRowData), not a client's own ones.
    everyone = {**state, f"{ids.PAID}.value": ""}
    shown = [{"id": 999999}]
    table = export_table(app, "aftersales", ids.GRID, ids.EXPORT, ids.DOWNLOAD, everyone, shown)
    assert table[1:] == []


def test_a_deal_owing_no_price_is_not_paid_in_full(session, ledger):
    market, deals = ledger
    for receivable in deals["王芳"].receivables:
        if receivable.kind.value != "fee":
            receivable.cancelled = True
    session.flush()
    viewer = market.user("aftersales")
    row = _rows(q.owners_frame(session, viewer, today=TODAY))["王芳"]
    assert (row["due"], row["paid"], row["outstanding"]) == (0, 0, 0)
    assert (row["paid_in_full"], row["certificate_status"]) == (False, "—")
    assert "王芳" in set(q.owners_frame(session, viewer, paid_in_full=False, today=TODAY)["owner"])
    assert q.summary(session, viewer, today=TODAY).paid_in_full == 1  # 李娜 only
