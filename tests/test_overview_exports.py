"""Excel exports of 经营总览's project table and of 领导查询 through the Flask client: the grid as
shown (rows, order, visible columns), in the user's projects, masked as the grid."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard import shell
from data_layer import authz, localtime
from data_layer.models import Customer, Project, RoleCode, User
from pages.analytics import ids
from tests.factories import make_customer
from tests.test_crm_exports import column_state, export_table, last_audit

TODAY = localtime.today().isoformat()


@pytest.fixture(scope="module")
def world(app_env):
    """Project and customer ids; 王强 registered in P2 today."""
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        p2 = s.scalar(select(Project).where(Project.code == "P2"))
        make_customer(
            s,
            p2,
            s.scalar(select(User).where(User.username == "consultant3")),
            "王强",
            "13600002222",
        )
        found = {c.name: c.id for c in s.scalars(select(Customer))}
        found |= {p.code: p.id for p in s.scalars(select(Project))}
        return found


def test_project_table_exports_the_users_projects_as_shown(app_env, world):
    values = {f"{ids.PERIOD}.start_date": TODAY, f"{ids.PERIOD}.end_date": TODAY}
    shown = [{"project_id": world["P2"]}, {"project_id": world["P1"]}]
    state = column_state("visits", "project", "sales_amount", hidden={"sales_amount"})
    grid = (ids.PROJECT_GRID, ids.GRID_EXPORT, ids.GRID_DOWNLOAD)
    table = export_table(app_env, "manager", *grid, values, shown, state)
    assert table[0][:3] == ["来访", "项目", "计划金额"] and "销售金额" not in table[0]
    # P2 is not the manager's: only P1 leaves, with its two visitors of today.
    assert [r[:2] for r in table[1:]] == [[2, "滨江壹号"]]
    assert last_audit(app_env, "export.overview_projects").after == {"rows": 1}
    # The executive sees both, in the grid's order.
    table = export_table(app_env, "exec", *grid, values, shown, state)
    assert [r[1] for r in table[1:]] == ["西湖花园", "滨江壹号"]


def test_leadership_query_exports_as_shown_and_masked_as_the_grid(app_env, world, monkeypatch):
    values = {
        f"{ids.Q_KIND}.value": "customers",
        f"{ids.Q_PERIOD}.start_date": TODAY,
        f"{ids.Q_PERIOD}.end_date": TODAY,
        f"{shell.PROJECT_SELECT}.value": None,
    }
    shown = [{"id": world[n]} for n in ("李娜", "王强", "张伟")]
    state = column_state("mobile", "name", "id_number", "project", hidden={"id_number", "project"})
    grid = (ids.Q_GRID, ids.Q_EXPORT, ids.Q_DOWNLOAD)
    table = export_table(app_env, "manager", *grid, values, shown, state)
    assert table[0][:3] == ["手机", "客户", "认知途径"]
    assert "证件号" not in table[0] and "项目" not in table[0]
    assert [r[:2] for r in table[1:]] == [["13912345678", "李娜"], ["13812345678", "张伟"]]
    assert last_audit(app_env, "export.leadership.customers").after == {
        "rows": 2,
        "personal_data": True,
    }
    lesser = authz.ROLE_PERMISSIONS[RoleCode.MANAGER] - {"crm.view_personal"}
    monkeypatch.setitem(authz.ROLE_PERMISSIONS, RoleCode.MANAGER, lesser)
    table = export_table(app_env, "manager", *grid, values, shown, state)
    assert [r[0] for r in table[1:]] == ["139****5678", "138****5678"]
    assert last_audit(app_env, "export.leadership.customers").after["personal_data"] is False
