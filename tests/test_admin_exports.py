"""Excel exports of the administration grids through the Flask client (用户管理, 审计日志,
费用设置's fee rules and deed-tax rates): the grid as shown, its rows read again through its own
query."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from data_layer import localtime
from data_layer.commands import fees
from data_layer.models import AuditEntry, User
from pages.admin import fee_ids, ids
from tests import dash_client
from tests.conftest import login
from tests.test_crm_exports import column_state, export_table, last_audit


@pytest.fixture(scope="module")
def people(app_env):
    """Users by name; a login of consultant and of manager in the audit log; 杭州's own
    deed-tax rates (1.25% for a small first home) besides the built-in national ones; two fee
    rules."""
    for username in ("consultant", "manager"):
        login(app_env.server.test_client(), username)
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        admin = s.scalar(select(User).where(User.username == "admin"))
        rates = {"first_home_small": "1.25", "first_home_large": "1.5"}
        rates |= {"second_home_small": "1", "second_home_large": "2", "other_home_rate": "3"}
        fees.add_deed_tax_rate(
            s,
            actor=admin,
            city="杭州",
            effective_from=localtime.today() + timedelta(days=1),
            area_threshold="140",
            rates_percent=rates,
        )
        for code, name in (("maintenance", "维修基金"), ("title", "产权登记费")):
            fees.add_fee_rule(
                s,
                actor=admin,
                code=code,
                name=name,
                formula="100",
                effective_from=localtime.today() + timedelta(days=1),
            )
        return {u.username: u.id for u in s.scalars(select(User))}


def grid_rows(app, username: str, grid: str, values: dict | None = None) -> list[dict]:
    client = app.server.test_client()
    login(client, username)
    response = dash_client.post(client, app, f"{grid}.rowData", values or {})
    return dash_client.response_of(response)[grid]["rowData"]


def test_users_export_is_the_grid_as_shown(app_env, people):
    shown = [{"id": people["manager"]}, {"id": 99999}, {"id": people["consultant"]}]
    state = column_state("username", "display_name", "id", "role_label", hidden={"id"})
    grid = (ids.USERS_GRID, ids.USERS_EXPORT, ids.USERS_DOWNLOAD)
    table = export_table(app_env, "admin", *grid, {}, shown, state)
    assert table[0][:3] == ["用户名", "姓名", "角色"] and "ID" not in table[0]
    assert [(r[0], r[2]) for r in table[1:]] == [
        ("manager", "销售经理"),
        ("consultant", "置业顾问"),
    ]
    assert last_audit(app_env, "export.users").after == {"rows": 2}


def test_audit_log_export_keeps_the_grids_filter_and_order(app_env, people):
    values = {f"{ids.AUDIT_ACTION}.value": "auth.login"}
    logins = grid_rows(app_env, "admin", ids.AUDIT_GRID, values)
    assert len(logins) >= 2
    with app_env.server.extensions["loupan_db"].factory() as s:
        other = s.scalar(select(AuditEntry.id).where(AuditEntry.action != "auth.login"))
    # The oldest two logins in reverse order, and an entry the filter leaves out.
    shown = [{"id": logins[-1]["id"]}, {"id": other}, {"id": logins[-2]["id"]}]
    state = column_state("username", "action", "at", "ip", hidden={"ip", "at"})
    grid = (ids.AUDIT_GRID, ids.AUDIT_EXPORT, ids.AUDIT_DOWNLOAD)
    table = export_table(app_env, "admin", *grid, values, shown, state)
    assert table[0][:3] == ["用户", "操作", "对象"]
    assert "时间" not in table[0] and "来源地址" not in table[0]
    assert [r[:2] for r in table[1:]] == [
        [logins[-1]["username"], logins[-1]["action"]],
        [logins[-2]["username"], logins[-2]["action"]],
    ]
    assert last_audit(app_env, "export.audit_log").after == {"rows": 2}


def test_deed_tax_export_has_exact_rates_in_the_grids_order(app_env, people):
    rows = grid_rows(app_env, "admin", fee_ids.DT_GRID)
    assert len(rows) >= 2
    picked = [rows[1], {"city": "没有的城市", "effective_from": "2020-01-01"}, rows[0]]
    shown = [{"city": r["city"], "effective_from": r["effective_from"]} for r in picked]
    state = column_state("first_home_small", "city", "effective_from", hidden={"effective_from"})
    grid = (fee_ids.DT_GRID, fee_ids.DT_EXPORT, fee_ids.DT_DOWNLOAD)
    table = export_table(app_env, "admin", *grid, {}, shown, state)
    assert table[0][:2] == ["首套（小面积）（%）", "城市"] and "生效日期" not in table[0]
    assert [r[1] for r in table[1:]] == [rows[1]["city"], rows[0]["city"]]
    assert Decimal("1.25") in [Decimal(str(r[0])) for r in table[1:]]
    assert last_audit(app_env, "export.deed_tax_rates").after == {"rows": 2}


def test_fee_rules_export_follows_the_grid(app_env, people):
    rows = grid_rows(app_env, "admin", fee_ids.FEE_GRID)
    assert len(rows) == 2
    shown = [{"id": r["id"]} for r in reversed(rows)] + [{"id": 99999}]
    state = column_state("name", "code", "formula", hidden={"formula"})
    grid = (fee_ids.FEE_GRID, fee_ids.FEE_EXPORT, fee_ids.FEE_DOWNLOAD)
    table = export_table(app_env, "admin", *grid, {}, shown, state)
    assert table[0][:2] == ["费用名称", "费用代码"] and "公式" not in table[0]
    assert [r[1] for r in table[1:]] == [r["code"] for r in reversed(rows)]
