"""Excel exports of the pricing screens through the Flask client: the batch adjustment preview,
an adjustment's items, the price trend's events and a unit's price history. Each file holds the
grid as shown (its filtered and sorted rows, its visible columns), exact amounts, text that looks
like a formula kept as text, and only what the user's projects allow."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from data_layer.commands import pricing
from data_layer.models import Building, Project, Unit, User
from pages.inventory import ids
from tests import dash_client
from tests.conftest import login
from tests.factories import make_building
from tests.test_crm_exports import column_state, export_table

FORMULA_REASON = '=HYPERLINK("http://x","开盘")'


@pytest.fixture(scope="module")
def priced(app_env):
    """P1 building 1 with floor 1 raised 1% (applied at once, a formula-like reason); P2 gets
    a building and an adjustment of its own."""
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        p2 = s.scalar(select(Project).where(Project.code == "P2"))
        building = s.scalar(select(Building).order_by(Building.id))
        other = make_building(s, p2, code="9", floors=2, per_floor=1)
        mine = pricing.request_adjustment(
            s,
            actor=users["manager"],
            scope=pricing.Scope(building.id, floor_from=1, floor_to=1),
            method="percent",
            value=Decimal("1"),
            reason=FORMULA_REASON,
        )
        theirs = pricing.request_adjustment(
            s,
            actor=users["admin"],
            scope=pricing.Scope(other.id),
            method="percent",
            value=Decimal("2"),
            reason="西湖调价",
        )
        unit = s.scalar(select(Unit).where(Unit.building_id == building.id, Unit.floor == 1))
        return {
            "building_id": building.id,
            "project_id": building.project_id,
            "adjustment": mine.id,
            "code": mine.code,
            "other_adjustment": theirs.id,
            "other_code": theirs.code,
            "unit_id": unit.id,
            "unit_code": unit.code,
        }


def workbook_rows(out: dict, download: str) -> list[list]:
    data = out[download]["data"]
    book = load_workbook(io.BytesIO(base64.b64decode(data["content"])))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def client_for(app_env, username: str):
    client = app_env.server.test_client()
    login(client, username)
    return client


ADJUST_FORM = {
    f"{ids.ADJ_FLOOR_FROM}.value": 2,
    f"{ids.ADJ_FLOOR_TO}.value": 3,
    f"{ids.ADJ_LAYOUTS}.value": [],
    f"{ids.ADJ_METHOD}.value": "amount",
    f"{ids.ADJ_VALUE}.value": 300,
    f"{ids.ADJ_FLOOR_PRICE}.value": True,
}


def test_preview_exports_the_rows_and_columns_shown(app_env, priced):
    client = client_for(app_env, "manager")
    form = {**ADJUST_FORM, f"{ids.PRICE_BUILDING}.value": priced["building_id"]}
    preview = dash_client.response_of(
        dash_client.post(
            client,
            app_env,
            f"{ids.ADJ_SUMMARY}.children",
            {**form, f"{ids.ADJ_PREVIEW}.n_clicks": 1},
            f"{ids.ADJ_PREVIEW}.n_clicks",
        )
    )
    rows = preview[ids.ADJ_GRID]["rowData"]
    assert len(rows) == 4
    # The user filtered the grid to floor 3, sorted by code descending, and hid 楼层.
    shown = sorted((r for r in rows if r["floor"] == 3), key=lambda r: r["code"], reverse=True)
    column_defs = [
        {"field": "code", "headerName": "房间编码"},
        {"field": "floor", "headerName": "楼层", "hide": True},
        {"field": "new_unit_price", "headerName": "新单价"},
        {"field": "new_total", "headerName": "新总价"},
    ]
    export = {
        **form,
        f"{ids.ADJ_EXPORT}.n_clicks": 1,
        f"{ids.ADJ_SIGNATURE}.data": preview[ids.ADJ_SIGNATURE]["data"],
        f"{ids.ADJ_GRID}.virtualRowData": shown,
        f"{ids.ADJ_GRID}.columnDefs": column_defs,
    }
    out = dash_client.response_of(
        dash_client.post(client, app_env, f"{ids.ADJ_DOWNLOAD}.data", export)
    )
    assert out[ids.ADJ_DOWNLOAD]["data"]["filename"] == "price_preview.xlsx"
    table = workbook_rows(out, ids.ADJ_DOWNLOAD)
    assert table[0] == ["房间编码", "新单价", "新总价"]
    assert [r[0] for r in table[1:]] == [r["code"] for r in shown]
    # 20,300 ¥/m² on 90.50 and 91.50 m², exact.
    assert sorted(Decimal(str(r[2])) for r in table[1:]) == [
        Decimal("1837150.00"),
        Decimal("1857450.00"),
    ]
    # The form changed after the preview: the grid is stale, nothing is exported.
    stale = dash_client.response_of(
        dash_client.post(
            client, app_env, f"{ids.ADJ_DOWNLOAD}.data", {**export, f"{ids.ADJ_VALUE}.value": 500}
        )
    )
    assert ids.ADJ_DOWNLOAD not in stale
    assert "请先预览" in str(stale[ids.ADJ_FEEDBACK]["children"])


def test_adjustment_items_export_in_scope_only(app_env, priced):
    client = client_for(app_env, "manager")
    values = {
        f"{ids.APPROVAL_ITEMS_EXPORT}.n_clicks": 1,
        f"{ids.APPROVAL_GRID}.selectedRows": [{"id": priced["adjustment"]}],
        f"{ids.APPROVAL_ITEMS}.virtualRowData": None,
        f"{ids.APPROVAL_ITEMS}.columnDefs": [
            {"field": "code", "headerName": "房间编码"},
            {"field": "old_unit_price", "headerName": "原单价"},
            {"field": "new_unit_price", "headerName": "新单价"},
        ],
    }
    output = f"{ids.APPROVAL_ITEMS_DOWNLOAD}.data"
    out = dash_client.response_of(dash_client.post(client, app_env, output, values))
    table = workbook_rows(out, ids.APPROVAL_ITEMS_DOWNLOAD)
    assert table[0] == ["房间编码", "原单价", "新单价"]
    assert len(table) == 3 and {r[2] for r in table[1:]} == {20200}
    # Only the unit the user kept in the grid.
    values[f"{ids.APPROVAL_ITEMS}.virtualRowData"] = [{"code": priced["unit_code"]}]
    out = dash_client.response_of(dash_client.post(client, app_env, output, values))
    assert [r[0] for r in workbook_rows(out, ids.APPROVAL_ITEMS_DOWNLOAD)[1:]] == [
        priced["unit_code"]
    ]
    # An adjustment of a project the manager does not work on: nothing, as in the grid.
    values[f"{ids.APPROVAL_GRID}.selectedRows"] = [{"id": priced["other_adjustment"]}]
    assert dash_client.post(client, app_env, output, values).status_code == 204


def test_trend_events_export_follows_the_users_projects(app_env, priced):
    output = f"{ids.TREND_EVENTS_DOWNLOAD}.data"
    values = {f"{ids.TREND_EVENTS_EXPORT}.n_clicks": 1}
    admin = dash_client.response_of(
        dash_client.post(client_for(app_env, "admin"), app_env, output, values)
    )
    codes = [r[1] for r in workbook_rows(admin, ids.TREND_EVENTS_DOWNLOAD)[1:]]
    assert priced["code"] in codes and priced["other_code"] in codes
    manager = dash_client.response_of(
        dash_client.post(client_for(app_env, "manager"), app_env, output, values)
    )
    table = workbook_rows(manager, ids.TREND_EVENTS_DOWNLOAD)
    assert table[0][:3] == ["生效时间", "调价单号", "范围"]
    assert [r[1] for r in table[1:]] == [priced["code"]]


def test_unit_history_export_keeps_formula_text_as_text(app_env, priced):
    values = {
        f"{ids.TREND_HISTORY_EXPORT}.n_clicks": 1,
        f"{ids.TREND_BUILDING}.value": priced["building_id"],
        f"{ids.TREND_UNIT}.value": priced["unit_id"],
        f"{ids.TREND_HISTORY}.columnDefs": [
            {"field": "at", "headerName": "时间"},
            {"field": "new_unit_price", "headerName": "新表价单价"},
            {"field": "reason", "headerName": "原因"},
            {"field": "batch", "headerName": "调价单号"},
        ],
    }
    output = f"{ids.TREND_HISTORY_DOWNLOAD}.data"
    out = dash_client.response_of(
        dash_client.post(client_for(app_env, "consultant"), app_env, output, values)
    )
    data = out[ids.TREND_HISTORY_DOWNLOAD]["data"]
    sheet = load_workbook(io.BytesIO(base64.b64decode(data["content"]))).active
    last = sheet.max_row
    assert sheet.cell(last, 4).value == priced["code"]
    assert sheet.cell(last, 2).value == 20200
    reason = sheet.cell(last, 3)
    assert reason.value == FORMULA_REASON and reason.data_type == "s"
    # A consultant of the other project cannot export this unit's history.
    other = client_for(app_env, "consultant3")
    assert dash_client.post(other, app_env, output, values).status_code == 204


def test_unit_prices_and_approvals_export_the_users_column_state(app_env, priced):
    db = app_env.server.extensions["loupan_db"]
    with db.factory() as s:
        units = {u.code: u.id for u in s.scalars(select(Unit))}
    # 9-1-101 is in P2's building: not in this grid, never in the file.
    shown = [{"id": units[c]} for c in ("1-1-202", "9-1-101", "1-1-101")]
    state = column_state("list_total", "code", "floor", "layout", hidden={"floor", "layout"})
    values = {f"{ids.PRICE_BUILDING}.value": priced["building_id"]}
    grid = (ids.UNIT_PRICE_GRID, ids.UNIT_PRICE_EXPORT, ids.UNIT_PRICE_DOWNLOAD)
    table = export_table(app_env, "manager", *grid, values, shown, state)
    assert table[0][:3] == ["表价总价", "房间编码", "朝向"]
    assert "楼层" not in table[0] and "户型" not in table[0]
    assert [r[1] for r in table[1:]] == ["1-1-202", "1-1-101"]
    assert Decimal(str(table[1][0])) == Decimal("1830000.00")  # 91.50 m² × 20,000
    # 调价审批: the other project's adjustment never leaves; 项目 hidden, 原因 first.
    shown = [{"id": priced["other_adjustment"]}, {"id": priced["adjustment"]}]
    state = column_state("reason", "code", "project", hidden={"project"})
    values = {f"{ids.APPROVAL_STATUS}.value": None}
    grid = (ids.APPROVAL_GRID, ids.APPROVAL_EXPORT, ids.APPROVAL_DOWNLOAD)
    table = export_table(app_env, "manager", *grid, values, shown, state)
    assert table[0][:2] == ["原因", "调价单号"] and "项目" not in table[0]
    assert [r[:2] for r in table[1:]] == [[FORMULA_REASON, priced["code"]]]
