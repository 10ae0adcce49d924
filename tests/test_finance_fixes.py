"""Finance screens after the audit of 2026-12-05, through the Flask client: the receipt form
empties after a save, 回款分析's aging drill-down has its own columns, amounts and receipt
numbers fit their columns, 催款's summary shows its rows, the calculator names the allowed
years, a closed deal's receipt says where refunds go, 收款日报 splits audited and draft."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from dashboard import shell
from data_layer import localtime
from data_layer.commands import deals as deal_cmd
from data_layer.commands import finance as fin_cmd
from data_layer.models import Customer, Project, Receipt, Receivable, Unit, User
from pages.finance import columns, ids
from tests import dash_client
from tests.conftest import login
from tests.test_crm_exports import export_table
from tests.test_deals_support import make_plans

TODAY = localtime.today()


def post(app, client, output: str, values: dict, changed: str | None = None):
    """The updated properties of the callback producing `output`, as if `changed` (default: its
    first input) changed."""
    _key, cb = dash_client.callback(app, output)
    first = cb["inputs"][0]
    changed = changed or f"{first['id']}.{first['property']}"
    return dash_client.response_of(dash_client.post(client, app, output, values, changed))


def text(out) -> str:
    return json.dumps(out, ensure_ascii=False)


@pytest.fixture(scope="module")
def money(app_env):
    """P1: 张伟 subscribed 60 days ago (lump sum, overdue) with one audited receipt today and
    one draft; 李娜's deal cancelled (退房) with approval."""
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        p1 = s.scalar(select(Project).where(Project.code == "P1"))
        lump, _mortgage = make_plans(s, p1)
        customers = {c.name: c for c in s.scalars(select(Customer))}
        units = s.scalars(
            select(Unit).where(Unit.project_id == p1.id, Unit.status == "available")
        ).all()
        deal = deal_cmd.subscribe(
            s,
            actor=users["consultant"],
            unit_id=units[0].id,
            customer_id=customers["张伟"].id,
            plan_id=lump.id,
            deposit=Decimal("20000"),
            today=TODAY - timedelta(days=60),
        )
        audited = fin_cmd.record_receipt(
            s, actor=users["finance"], deal_id=deal.id, amount=Decimal("1000.25"), method="cash"
        )
        fin_cmd.audit_receipts(s, actor=users["finance"], receipt_ids=[audited.id])
        draft = fin_cmd.record_receipt(
            s, actor=users["finance"], deal_id=deal.id, amount=Decimal("200"), method="cash"
        )
        closed = deal_cmd.subscribe(
            s,
            actor=users["consultant2"],
            unit_id=units[1].id,
            customer_id=customers["李娜"].id,
            plan_id=lump.id,
            deposit=Decimal("20000"),
        )
        req = deal_cmd.request_change(
            s, actor=users["consultant2"], deal_id=closed.id, kind="cancel"
        )
        deal_cmd.decide(s, actor=users["manager"], approval_id=req.id, approve=True)
        receivables = s.scalars(
            select(Receivable.id).where(Receivable.deal_id == deal.id).order_by(Receivable.seq)
        ).all()
        return {
            "deal": deal.id,
            "closed": closed.id,
            "receivables": list(receivables),
            "receipts": (audited.id, draft.id),
        }


def finance_client(app):
    client = app.server.test_client()
    login(client, "finance")
    return client


# ---------------------------------------------------------------------------- 1. 收款登记


def test_recorded_receipt_empties_the_form_so_a_second_click_records_nothing(app_env, money):
    client = finance_client(app_env)
    values = {
        f"{ids.RC_SUBMIT}.n_clicks": 1,
        f"{ids.RC_DEAL}.value": money["deal"],
        f"{ids.RC_AMOUNT}.value": "300",
        f"{ids.RC_METHOD}.value": "transfer",
        f"{ids.RC_PAYER}.value": "张伟",
        f"{ids.RC_NUMBER}.value": "",
        f"{ids.RC_NOTES}.value": "第二笔",
        f"{ids.RC_DATE}.date": TODAY.isoformat(),
        f"{ids.RC_TOKEN}.data": "fix-1",
    }
    out = post(app_env, client, f"{ids.RC_FEEDBACK}.children", values)
    assert "已登记收据" in text(out)
    # Amount, payer, number and notes are emptied; the deal is not an output: it stays chosen.
    for field in (ids.RC_AMOUNT, ids.RC_PAYER, ids.RC_NUMBER, ids.RC_NOTES):
        assert out[field]["value"] == ""
    assert ids.RC_DEAL not in out
    # The receivables are read again (the feedback changed) with nothing allocated.
    again = post(
        app_env,
        client,
        f"{ids.RC_RECEIVABLES}.rowData",
        {f"{ids.RC_DEAL}.value": money["deal"], f"{ids.RC_FEEDBACK}.children": out},
        f"{ids.RC_FEEDBACK}.children",
    )
    assert all(r["allocate"] == "" for r in again[ids.RC_RECEIVABLES]["rowData"])
    # The second click sends the emptied form (with the new token): nothing is recorded.
    values.update({f"{ids.RC_TOKEN}.data": out[ids.RC_TOKEN]["data"]})
    values.update({f"{f}.value": out[f]["value"] for f in (ids.RC_AMOUNT, ids.RC_PAYER)})
    second = post(app_env, client, f"{ids.RC_FEEDBACK}.children", values)
    assert "请填写收款金额" in text(second)
    db = app_env.server.extensions["loupan_db"]
    with db.factory() as s:
        amounts = s.scalars(
            select(Receipt.amount).where(
                Receipt.deal_id == money["deal"], Receipt.notes == "第二笔"
            )
        )
        assert list(amounts) == [Decimal("300.00")]


# ---------------------------------------------------------------------------- 6. closed deal


def test_receipt_without_a_live_deal_says_that_refunds_go_through_vouchers(app_env, money):
    client = finance_client(app_env)
    values = {f"{ids.RC_SUBMIT}.n_clicks": 1, f"{ids.RC_AMOUNT}.value": "100"}
    out = text(post(app_env, client, f"{ids.RC_FEEDBACK}.children", values))
    assert "只有进行中的交易可以登记收款" in out and "退款登记" in out
    offered = post(app_env, client, f"{ids.RC_DEAL}.options", {})
    assert money["closed"] not in {o["value"] for o in offered[ids.RC_DEAL]["options"]}
    # A link to the cancelled deal opens the form with that explanation, no deal chosen.
    router = dash_client.callback(app_env, "_pages_content.children")[1]
    names = [f"{i['id']}.{i['property']}" for i in router["inputs"]]
    page_values = {n: None for n in names}
    page_values.update(
        {
            "_pages_location.pathname": "/finance/receipts",
            "_pages_location.search": f"?deal={money['closed']}",
        }
    )
    page = text(post(app_env, client, "_pages_content.children", page_values, names[0]))
    assert "只有进行中的交易可以登记收款" in page
    live = dict(page_values, **{"_pages_location.search": f"?deal={money['deal']}"})
    assert "只有进行中的交易可以登记收款" not in text(
        post(app_env, client, "_pages_content.children", live, names[0])
    )


# ---------------------------------------------------------------------------- 2. aging drill


AGING_FIELDS = [
    "project",
    "unit",
    "customer",
    "consultant",
    "kind",
    "payer",
    "due_on",
    "days",
    "bucket",
    "open",
]


def test_aging_drill_down_lists_receivables_under_their_own_columns(app_env, money):
    client = finance_client(app_env)
    click = {"points": [{"customdata": "31–60天", "x": "31–60天"}]}
    values = {f"{ids.CO_AGING}.clickData": click, f"{ids.CO_GRAIN}.value": "month"}
    out = post(app_env, client, f"{ids.CO_DRILL}.rowData", values, f"{ids.CO_AGING}.clickData")
    defs = out[ids.CO_DRILL]["columnDefs"]
    assert [c["field"] for c in defs] == ["deal_link", *AGING_FIELDS]
    assert [c["headerName"] for c in defs][7:] == ["应收日期", "逾期天数", "账龄", "欠款金额"]
    assert not any(c.get("checkboxSelection") for c in defs)
    rows = out[ids.CO_DRILL]["rowData"]
    assert rows and {r["customer"] for r in rows} == {"张伟"}
    row = rows[0]
    assert row["id"] in money["receivables"]
    assert 31 <= row["days"] <= 60 and row["bucket"] == "31–60天"
    assert row["due_on"] == (TODAY - timedelta(days=row["days"])).isoformat()
    assert row["kind"] in ("定金", "一次性房款") and row["payer"] == "客户"
    assert isinstance(row["open"], float) and row["open"] > 0
    assert row["deal_link"].startswith("[查看交易](/deals/list?deal=")
    assert f"账龄 31–60天 的欠款明细（{len(rows)} 笔）" in text(out[ids.CO_DRILL_TITLE])
    # Exported with the columns the grid shows.
    table = export_table(
        app_env,
        "finance",
        ids.CO_DRILL,
        ids.CO_DRILL_EXPORT,
        ids.CO_DRILL_DOWNLOAD,
        {
            f"{ids.CO_DRILL_SOURCE}.data": out[ids.CO_DRILL_SOURCE]["data"],
            f"{ids.CO_DRILL}.columnDefs": defs,
        },
        [{"id": row["id"]}],
    )
    # The link column belongs to the screen, not the file.
    assert table[0] == [c["headerName"] for c in defs if c.get("cellRenderer") != "markdown"]
    assert table[1][2] == "张伟" and Decimal(str(table[1][9])) == Decimal(str(row["open"]))
    # A bar of money received switches back to the receipts' columns.
    start = TODAY.replace(day=1).isoformat()
    click = {"points": [{"customdata": ["cash", start]}]}
    values = {f"{ids.CO_CHART}.clickData": click, f"{ids.CO_GRAIN}.value": "month"}
    out = post(app_env, client, f"{ids.CO_DRILL}.rowData", values, f"{ids.CO_CHART}.clickData")
    fields = [c["field"] for c in out[ids.CO_DRILL]["columnDefs"]]
    assert fields[:3] == ["deal_link", "number", "received_on"] and "days" not in fields


# ---------------------------------------------------------------------------- 3. widths, money


def test_receivable_amounts_are_numbers_shown_with_thousands_separators(app_env, money):
    client = finance_client(app_env)
    out = post(
        app_env, client, f"{ids.RC_RECEIVABLES}.rowData", {f"{ids.RC_DEAL}.value": money["deal"]}
    )
    rows = out[ids.RC_RECEIVABLES]["rowData"]
    assert rows and all(isinstance(r[f], int | float) for r in rows for f in ("amount", "open"))
    for col in columns.OPEN_RECEIVABLES:
        if col["field"] in ("amount", "paid", "open"):
            assert "d3.format(',.2f')" in col["valueFormatter"]["function"]


# Width a 13-character receipt number needs (padding included), plus the selection box.
NUMBER_PX, BOX_PX = 150, 35


@pytest.mark.parametrize(
    "name", ["RECEIPTS", "DAILY_RECEIPTS", "AGING_DETAIL", "OPEN_RECEIVABLES", "REFUNDS"]
)
def test_receipt_numbers_have_room_for_13_characters_in_every_finance_grid(name):
    for col in getattr(columns, name):
        if col["field"] in ("number", "reverses"):
            box = BOX_PX if col.get("checkboxSelection") else 0
            assert col["minWidth"] >= NUMBER_PX + box, (name, col["field"])


# ---------------------------------------------------------------------------- 4. 催款 summary


def test_dunning_summary_is_as_tall_as_its_rows_up_to_twelve(app_env, money):
    from pages.finance.widgets import summary_height

    client = finance_client(app_env)
    out = post(app_env, client, f"{ids.DN_GRID}.rowData", {f"{ids.DN_BY}.value": "consultant"})
    rows = out[ids.DN_SUMMARY]["rowData"]
    assert out[ids.DN_SUMMARY]["style"] == summary_height(len(rows))
    px = [int(summary_height(n)["height"].removesuffix("px")) for n in (1, 3, 12, 19)]
    assert px[0] < px[1] < px[2] == px[3]  # nineteen rows: twelve shown, then it scrolls
    assert px[2] >= 12 * 42 + 48


# ---------------------------------------------------------------------------- 5. calculator


@pytest.mark.parametrize("years", [40, None, 0])
def test_mortgage_calculator_names_the_allowed_years(app_env, years):
    from dashboard.i18n import EN

    client = app_env.server.test_client()
    login(client, "consultant")
    values = {
        "plan-mg-calculate.n_clicks": 1,
        "plan-mg-price.value": "1000000",
        "plan-mg-years.value": years,
        "plan-mg-kind.value": "commercial",
        "plan-mg-commercial-rate.value": "3.5",
    }
    out = text(post(app_env, client, "plan-mg-summary.children", values))
    assert "贷款年限须在1到30年之间" in out and "请填写贷款年限" not in out
    assert EN["贷款年限须在1到30年之间。"] == "Years must be between 1 and 30."


# ---------------------------------------------------------------------------- 7. 收款日报


def test_daily_report_splits_audited_and_draft_receipts(app_env, money):
    client = finance_client(app_env)
    values = {f"{ids.DR_DATE}.date": TODAY.isoformat(), f"{shell.PROJECT_SELECT}.value": None}
    out = post(app_env, client, f"{ids.DR_GRID}.rowData", values)
    receipts = out[ids.DR_GRID]["rowData"]
    totals = out[ids.DR_TOTALS]["rowData"]
    by_status = {t["name"]: t for t in totals if t["group"] == "审核状态"}
    assert set(by_status) == {"已审核", "未审核"}
    for status, subtotal in by_status.items():
        mine = [r["amount"] for r in receipts if r["status"] == status]
        assert subtotal["count"] == len(mine)
        assert Decimal(str(subtotal["amount"])) == sum(Decimal(str(a)) for a in mine)
    net = next(t for t in totals if t["name"] == "净额（全部收据）")
    assert Decimal(str(net["amount"])) == sum(Decimal(str(t["amount"])) for t in by_status.values())
