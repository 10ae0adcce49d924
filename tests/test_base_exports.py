"""Excel exports of the base-data grids (楼盘资料, 楼栋, 代码设置, 房源定义, 销售人员) and of
放盘管理's units through the Flask client: the grid as shown (its filtered and sorted rows, its
visible columns in the user's order), read again in the user's projects with exact values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from dashboard import shell
from data_layer.models import Building, CodeItem, Project, Unit, User
from pages.base import ids
from pages.inventory import ids as inventory_ids
from tests import dash_client
from tests.conftest import login
from tests.factories import make_building
from tests.test_crm_exports import column_state, export_table, last_audit


@pytest.fixture(scope="module")
def base(app_env):
    """P1's building 1 (6 units) and P2's building 9, as ids."""
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        p1, p2 = (s.scalar(select(Project).where(Project.code == c)) for c in ("P1", "P2"))
        other = make_building(s, p2, code="9", floors=1, per_floor=1)
        b1 = s.scalar(select(Building).where(Building.project_id == p1.id))
        units = {u.code: u.id for u in s.scalars(select(Unit))}
        users = {u.username: u.id for u in s.scalars(select(User))}
        return {"p1": p1.id, "p2": p2.id, "b1": b1.id, "b9": other.id, "units": units, **users}


def test_projects_export_keeps_the_managers_projects(app_env, base):
    shown = [{"id": base["p2"]}, {"id": base["p1"]}]  # P2 is not the manager's
    state = column_state("name", "code", "city", hidden={"city"})
    grid = (ids.PROJECT_GRID, ids.PROJECT_EXPORT, ids.PROJECT_DOWNLOAD)
    table = export_table(app_env, "manager", *grid, {}, shown, state)
    assert table[0][:2] == ["项目名称", "项目编号"] and "城市" not in table[0]
    assert [r[:2] for r in table[1:]] == [["滨江壹号", "P1"]]
    assert last_audit(app_env, "export.projects").after == {"rows": 1}
    # The administrator sees both, in the grid's order.
    table = export_table(app_env, "admin", *grid, {}, shown, state)
    assert [r[1] for r in table[1:]] == ["P2", "P1"]


def test_buildings_export_is_the_grids_rows_in_scope(app_env, base):
    shown = [{"id": base["b9"]}, {"id": base["b1"]}]
    values = {f"{shell.PROJECT_SELECT}.value": None}
    state = column_state("units", "name", "project", hidden={"project"})
    grid = (ids.BUILDING_GRID, ids.BUILDING_EXPORT, ids.BUILDING_DOWNLOAD)
    table = export_table(app_env, "manager", *grid, values, shown, state)
    assert table[0][:2] == ["房间数", "楼栋名称"] and "项目" not in table[0]
    assert [r[:2] for r in table[1:]] == [[6, "1栋"]]


def test_unit_definition_export_has_exact_areas_in_the_grids_order(app_env, base):
    units = base["units"]
    shown = [{"id": units[c]} for c in ("1-1-302", "9-1-101", "1-1-101")]
    state = column_state(
        "gross_area",
        "code",
        "floor",
        "list_total",
        "list_unit_price",
        hidden={"floor", "list_unit_price"},
    )
    grid = (ids.UNITS_GRID, ids.UNITS_EXPORT, ids.UNITS_DOWNLOAD)
    values = {f"{ids.UNITS_BUILDING}.value": base["b1"]}
    table = export_table(app_env, "manager", *grid, values, shown, state)
    assert table[0][:4] == ["建筑面积", "房间编码", "表价总价", "单元"]
    assert "楼层" not in table[0] and "表价单价" not in table[0]
    # 9-1-101 is in P2's building: not in this grid, never in the file.
    assert [r[1] for r in table[1:]] == ["1-1-302", "1-1-101"]
    assert Decimal(str(table[1][0])) == Decimal("91.50")
    assert Decimal(str(table[2][2])) == Decimal("1810000.00")
    # A crafted request for P2's building gets nothing.
    values = {f"{ids.UNITS_BUILDING}.value": base["b9"]}
    client = app_env.server.test_client()
    login(client, "manager")
    response = dash_client.post(
        client,
        app_env,
        f"{ids.UNITS_DOWNLOAD}.data",
        {**values, f"{ids.UNITS_EXPORT}.n_clicks": 1},
    )
    assert response.status_code == 204


def test_release_units_export_as_shown(app_env, base):
    units = base["units"]
    shown = [{"id": units[c]} for c in ("1-1-202", "1-1-201", "9-1-101")]
    state = column_state("status_label", "code", "floor", "layout", hidden={"layout"})
    grid = (
        inventory_ids.RELEASE_GRID,
        inventory_ids.RELEASE_EXPORT,
        inventory_ids.RELEASE_DOWNLOAD,
    )
    values = {f"{inventory_ids.VIRTUAL_BUILDING}.value": base["b1"]}
    table = export_table(app_env, "manager", *grid, values, shown, state)
    assert table[0][:3] == ["状态", "房间编码", "楼层"] and "户型" not in table[0]
    assert [r[1:3] for r in table[1:]] == [["1-1-202", 2], ["1-1-201", 2]]
    assert last_audit(app_env, "export.units").after == {"rows": 2}


def test_code_and_staff_exports_follow_the_grid(app_env, base):
    db = app_env.server.extensions["loupan_db"]
    with db.factory() as s:
        codes = list(s.scalars(select(CodeItem).where(CodeItem.category == "orientation")))
    assert len(codes) >= 2
    shown = [{"id": codes[1].id}, {"id": codes[0].id}]
    state = column_state("label", "active", "code", hidden={"code"})
    values = {f"{ids.CODE_CATEGORY}.value": "orientation"}
    grid = (ids.CODE_GRID, ids.CODE_EXPORT, ids.CODE_DOWNLOAD)
    table = export_table(app_env, "admin", *grid, values, shown, state)
    assert table[0][:2] == ["名称", "启用"] and "代码" not in table[0]
    assert [r[0] for r in table[1:]] == [codes[1].label, codes[0].label]
    # 销售人员: consultant3 (P2) is not among the manager's staff.
    shown = [{"id": base[u]} for u in ("consultant3", "consultant2", "consultant")]
    state = column_state("username", "display_name", "mobile", hidden={"mobile"})
    values = {f"{shell.PROJECT_SELECT}.value": None}
    grid = (ids.STAFF_GRID, ids.STAFF_EXPORT, ids.STAFF_DOWNLOAD)
    table = export_table(app_env, "manager", *grid, values, shown, state)
    assert table[0][:2] == ["用户名", "姓名"] and "手机" not in table[0]
    assert [r[0] for r in table[1:]] == ["consultant2", "consultant"]
