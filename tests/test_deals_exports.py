"""Excel exports of the deal grids through the Flask client (交易登记's units, 交易列表,
交易变更's approvals, 合同管理): the grid as shown, in the user's scope, audited."""

from __future__ import annotations

from dashboard import shell
from pages.deals import ids
from tests.test_crm_exports import column_state, export_table, last_audit
from tests.test_finance_exports import by_id, money  # noqa: F401 (the fixture)


def test_approvals_export_is_the_grid_in_the_managers_projects(app_env, money):  # noqa: F811
    values = {f"{ids.AP_STATUS}.value": "pending", f"{shell.PROJECT_SELECT}.value": None}
    table = export_table(
        app_env,
        "manager",
        ids.AP_GRID,
        ids.AP_EXPORT,
        ids.AP_DOWNLOAD,
        values,
        by_id(money["approvals"]["王强"], money["approvals"]["张伟"]),
        column_state("customer", "kind", "id", "reason", hidden={"id"}),
    )
    assert table[0][:3] == ["客户", "变更类型", "原因"] and "单号" not in table[0]
    assert [r[0] for r in table[1:]] == ["张伟"]
    assert last_audit(app_env, "export.deal_changes").after == {"rows": 1}


def test_unit_grid_export_lists_the_chosen_buildings_units_as_shown(app_env, money):  # noqa: F811
    building = {f"{ids.REG_BUILDING}.value": money["buildings"]["张伟"]}
    sold = money["units"]["张伟"]
    table = export_table(
        app_env,
        "consultant",
        ids.REG_GRID,
        ids.REG_EXPORT,
        ids.REG_DOWNLOAD,
        building,
        by_id(money["units"]["王强"], sold + 2, sold),
    )
    assert table[0] == ["房间", "楼层", "建筑面积", "表价总价", "状态", "客户"]
    assert [r[4] for r in table[1:]] == ["待售", "认购"]
    # A P2 building asked for by a P1 consultant gives no units.
    other = {f"{ids.REG_BUILDING}.value": money["buildings"]["王强"]}
    args = (ids.REG_GRID, ids.REG_EXPORT, ids.REG_DOWNLOAD, other)
    assert export_table(app_env, "consultant", *args, by_id(money["units"]["王强"]))[1:] == []


def test_deal_list_and_contracts_export_only_the_consultants_deals(app_env, money):  # noqa: F811
    deals = money["deals"]
    shown = by_id(deals["王强"], deals["李娜"], deals["张伟"])
    values = {f"{ids.LIST_STATE}.value": "live"}
    table = export_table(
        app_env, "consultant", ids.LIST_GRID, ids.LIST_EXPORT, ids.LIST_DOWNLOAD, values, shown
    )
    assert [r[3:5] for r in table[1:]] == [["张伟", "13812345678"]]
    assert last_audit(app_env, "export.deals").after == {"rows": 1, "personal_data": True}
    table = export_table(app_env, "manager", ids.CT_GRID, ids.CT_EXPORT, ids.CT_DOWNLOAD, {}, shown)
    assert [r[2] for r in table[1:]] == ["李娜", "张伟"]
