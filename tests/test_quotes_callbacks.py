"""置业计划书 callbacks through the Flask test client: try out and save, a double click, a crafted
request for another consultant's customer, the scoped list and its audited export, the quote in
the customer's history and the link on the sales control chart's unit panel."""

from __future__ import annotations

import base64
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from data_layer.models import AuditEntry, Project, Quote, Unit
from pages.crm import ids as crm_ids
from pages.inventory import ids as inventory_ids
from pages.plan import quote_ids as ids
from tests.test_crm_callbacks import customer_id, db_session, logged_in, post, response_of
from tests.test_deals_support import make_plans


@pytest.fixture(scope="module")
def env(app_env):
    with app_env.server.extensions["loupan_db"].writer() as s:
        project = s.scalar(select(Project).where(Project.code == "P1"))
        _lump, mortgage = make_plans(s, project)
        unit = s.scalar(select(Unit).where(Unit.code == "1-1-101"))
        return app_env, mortgage.id, unit.id


def form(unit_id, plan_id, customer, token="t-1", **changes) -> dict:
    values = {
        f"{ids.UNIT}.value": unit_id,
        f"{ids.CUSTOMER}.value": customer,
        f"{ids.PLAN}.value": plan_id,
        f"{ids.EXTRA}.value": "0",
        f"{ids.DEPOSIT}.value": "50000",
        f"{ids.DOWN}.value": "30",
        f"{ids.HOMES}.value": "1",
        f"{ids.LOAN_KIND}.value": "commercial",
        f"{ids.YEARS}.value": 30,
        f"{ids.COMMERCIAL_RATE}.value": "3.5",
        f"{ids.PROVIDENT_RATE}.value": "2.6",
        f"{ids.PROVIDENT}.value": None,
        f"{ids.NOTES}.value": "<script>alert(1)</script>",
        f"{ids.TOKEN}.data": token,
        f"{ids.TRY}.n_clicks": 1,
        f"{ids.SAVE}.n_clicks": 1,
    }
    values.update({f"{k}.value": v for k, v in changes.items()})
    return values


def quotes_count(app) -> int:
    with db_session(app) as s:
        return s.scalar(select(func.count()).select_from(Quote))


def run(client, app, values, button):
    return response_of(
        post(client, app, ids.RESULT, "children", values, trigger=f"{button}.n_clicks")
    )


def text_of(payload) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_try_out_shows_the_figures_and_saves_nothing(env):
    app, plan_id, unit_id = env
    client = logged_in(app, "consultant")
    before = quotes_count(app)
    out = run(client, app, form(unit_id, plan_id, None), ids.TRY)
    shown = text_of(out)
    # 90.50 m² × 20,000 = 1,810,000; 按揭 99折 → 1,791,900.00; down 30% 537,570.00.
    assert "1,791,900.00" in shown and "537,570.00" in shown
    assert "试算（未保存）" in shown
    assert quotes_count(app) == before


def test_save_then_a_second_click_is_refused(env):
    app, plan_id, unit_id = env
    client = logged_in(app, "consultant")
    customer = customer_id(app, "张伟")
    values = form(unit_id, plan_id, customer, token="save-once")
    out = text_of(run(client, app, values, ids.SAVE))
    assert "已保存" in out and "ZY" in out
    # Notes are text: the script arrives as a string, never as markup.
    assert "<script>alert(1)</script>" in out
    assert quotes_count(app) >= 1
    before = quotes_count(app)
    again = text_of(run(client, app, values, ids.SAVE))
    assert "请勿重复点击" in again
    assert quotes_count(app) == before


def test_crafted_request_for_another_consultants_customer_is_refused(env):
    app, plan_id, unit_id = env
    client = logged_in(app, "consultant")
    before = quotes_count(app)
    other = customer_id(app, "李娜")  # consultant2's customer
    out = text_of(run(client, app, form(unit_id, plan_id, other, token="crafted"), ids.SAVE))
    assert "alert-danger" in out or "danger" in out
    assert quotes_count(app) == before


def test_bad_input_gets_a_chinese_message(env):
    app, plan_id, unit_id = env
    client = logged_in(app, "consultant")
    out = text_of(run(client, app, form(unit_id, plan_id, None, **{ids.DOWN: "100"}), ids.TRY))
    assert "首付比例须大于 0 且小于 100%" in out
    out = text_of(run(client, app, form(unit_id, plan_id, None, **{ids.EXTRA: "9999999"}), ids.TRY))
    assert "成交价必须大于0" in out


def test_list_is_scoped_and_export_is_audited(env):
    app, plan_id, unit_id = env
    mine = logged_in(app, "consultant")
    run(
        mine,
        app,
        form(unit_id, plan_id, customer_id(app, "张伟"), token="for-list"),
        ids.SAVE,
    )
    other = logged_in(app, "consultant2")
    run(
        other,
        app,
        form(unit_id, plan_id, customer_id(app, "李娜"), token="for-list-2"),
        ids.SAVE,
    )

    def customers_seen(client):
        out = response_of(post(client, app, ids.LIST_GRID, "rowData", {}))
        return {row["customer"] for row in out[ids.LIST_GRID]["rowData"]}

    assert customers_seen(mine) == {"张伟"}
    assert customers_seen(other) == {"李娜"}
    assert customers_seen(logged_in(app, "exec")) == {"张伟", "李娜"}
    resp = post(mine, app, ids.LIST_DOWNLOAD, "data", {f"{ids.LIST_EXPORT}.n_clicks": 1})
    download = response_of(resp)[ids.LIST_DOWNLOAD]["data"]

    sheet = load_workbook(io.BytesIO(base64.b64decode(download["content"]))).active
    values = [c.value for c in sheet[1]]
    assert "编号" in values and "首期现金" in values
    assert sheet.max_row >= 2
    with db_session(app) as s:
        assert s.scalar(select(func.count()).where(AuditEntry.action == "export.quotes")) >= 1


def test_customer_page_lists_the_quote(env):
    app, plan_id, unit_id = env
    client = logged_in(app, "consultant")
    customer = customer_id(app, "张伟")
    run(client, app, form(unit_id, plan_id, customer, token="history"), ids.SAVE)
    with db_session(app) as s:
        number = s.scalar(
            select(Quote.number).where(Quote.customer_id == customer).order_by(Quote.id.desc())
        )
    out = text_of(
        response_of(
            post(
                client,
                app,
                crm_ids.DETAIL_BODY,
                "children",
                {f"{crm_ids.DETAIL_ID}.data": str(customer), f"{crm_ids.DETAIL_REFRESH}.data": 0},
            )
        )
    )
    assert number in out and "/plan/quote/print?id=" in out and "置业计划书" in out


@pytest.mark.parametrize("username, shown", [("consultant", True), ("finance", False)])
def test_unit_panel_links_to_a_quote_for_roles_that_may_quote(env, username, shown):
    app, _plan_id, unit_id = env
    client = logged_in(app, username)
    out = text_of(
        response_of(
            post(
                client,
                app,
                inventory_ids.UNIT_DETAIL,
                "children",
                {f"{inventory_ids.SELECTED_UNIT}.data": unit_id},
            )
        )
    )
    assert (f"/plan/quote?unit={unit_id}" in out) is shown
