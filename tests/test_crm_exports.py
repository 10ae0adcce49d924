"""Excel exports of the CRM grids through the Flask client (reminders, transfer, survey,
today's registrations, and 客户分析's rates, stage customers and ranking): each file is the grid
as shown (its filtered and sorted rows, its visible columns in the user's order), read again in
the user's scope, masked as in the grid and audited."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dashboard import shell
from data_layer import authz, localtime
from data_layer.commands import crm as crm_commands
from data_layer.models import (
    AuditEntry,
    Customer,
    Project,
    RoleCode,
    SurveyField,
    SurveyKind,
    User,
)
from pages.crm import ids
from tests import dash_client
from tests.conftest import login
from tests.factories import make_customer

FORMULA = '=HYPERLINK("http://x","预算")'


def export_table(app, username, grid, button, download, values=None, shown=None, state=None):
    """Post the export of `grid` as `username` with the grid's virtualRowData `shown` and its
    columnState `state` (columnDefs as the layout made them); the sheet as rows of values."""
    client = app.server.test_client()
    login(client, username)
    values = {
        f"{button}.n_clicks": 1,
        f"{grid}.virtualRowData": shown,
        f"{grid}.columnState": state,
        **(values or {}),
    }
    response = dash_client.post(client, app, f"{download}.data", values, f"{button}.n_clicks")
    data = dash_client.response_of(response)[download]["data"]
    assert data["filename"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(base64.b64decode(data["content"])))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def column_state(*col_ids, hidden=()):
    """AG Grid's columnState: the columns in display order, some hidden."""
    return [{"colId": c, "hide": c in hidden, "width": 120} for c in col_ids]


def last_audit(app, action: str) -> AuditEntry:
    with app.server.extensions["loupan_db"].factory() as s:
        return s.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
        ).first()


@pytest.fixture(scope="module")
def people(app_env):
    """张伟 (consultant) and 李娜 (consultant2) in P1, 赵敏 handed from consultant2 to consultant,
    王强 in P2: all overdue with a birthday next week; survey questions in both projects."""
    db = app_env.server.extensions["loupan_db"]
    today = localtime.today()
    with db.writer() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        p1, p2 = (s.scalar(select(Project).where(Project.code == c)) for c in ("P1", "P2"))
        make_customer(s, p1, users["consultant2"], "赵敏", "13700001111")
        make_customer(s, p2, users["consultant3"], "王强", "13600002222")
        born = (today + timedelta(days=5)).replace(year=1990)
        for customer in s.scalars(select(Customer)):
            customer.next_follow_up_on = today - timedelta(days=1)
            customer.birthday = born
        s.flush()
        found = {c.name: c.id for c in s.scalars(select(Customer))}
        crm_commands.transfer_customers(
            s,
            actor=users["manager"],
            project_id=p1.id,
            from_consultant_id=users["consultant2"].id,
            to_consultant_id=users["consultant"].id,
            reason="离职",
            customer_ids=[found["赵敏"]],
        )
        s.add_all(
            [
                SurveyField(project_id=p1.id, label=FORMULA, kind=SurveyKind.TEXT, options=[]),
                SurveyField(project_id=p1.id, label="家庭人数", kind=SurveyKind.NUMBER, options=[]),
                SurveyField(project_id=p2.id, label="西湖问卷", kind=SurveyKind.TEXT, options=[]),
            ]
        )
        s.flush()
        found["surveys"] = {f.label: f.id for f in s.scalars(select(SurveyField))}
        found["p1"], found["p2"] = p1.id, p2.id
        found["consultant2"] = users["consultant2"].id
        return found


def rows_of(people, *names):
    return [{"id": people[n]} for n in names]


REMINDERS = {f"{ids.REM_MINE}.value": [], f"{ids.REM_DAYS}.value": 30}


def test_overdue_export_has_the_grids_rows_and_the_users_columns(app_env, people):
    state = column_state(
        "level", "name", "detail", "mobile", "stage_label", "next_follow_up_on", hidden={"mobile"}
    )
    table = export_table(
        app_env,
        "manager",
        ids.REM_OVERDUE,
        ids.REM_OVERDUE_EXPORT,
        ids.REM_OVERDUE_DOWNLOAD,
        REMINDERS,
        rows_of(people, "李娜", "王强", "张伟"),  # 王强 is in P2, outside the manager's projects
        state,
    )
    # Moved, hidden and link columns as on screen; columns the state does not name follow.
    assert table[0][:4] == ["等级", "客户", "阶段", "应跟进日期"]
    assert "手机" not in table[0] and "详情" not in table[0]
    assert [r[1] for r in table[1:]] == ["李娜", "张伟"]


def test_reminder_exports_keep_the_consultants_scope(app_env, people):
    everyone = rows_of(people, "赵敏", "李娜", "王强", "张伟")
    birthdays = export_table(
        app_env,
        "consultant",
        ids.REM_BIRTHDAYS,
        ids.REM_BIRTHDAYS_EXPORT,
        ids.REM_BIRTHDAYS_DOWNLOAD,
        REMINDERS,
        everyone,
    )
    assert birthdays[0][:3] == ["客户", "手机", "生日"]
    assert [r[0] for r in birthdays[1:]] == ["赵敏", "张伟"]
    moved = export_table(
        app_env,
        "consultant",
        ids.REM_TRANSFERRED,
        ids.REM_TRANSFERRED_EXPORT,
        ids.REM_TRANSFERRED_DOWNLOAD,
        REMINDERS,
        everyone,
    )
    assert [(r[0], r[4], r[5]) for r in moved[1:]] == [("赵敏", "Consultant2", "离职")]
    assert last_audit(app_env, "export.transferred_to_me").after == {
        "rows": 1,
        "personal_data": True,
    }


def test_transfer_export_masks_as_the_grid_for_a_role_without_personal_data(
    app_env, people, monkeypatch
):
    values = {
        f"{shell.PROJECT_SELECT}.value": people["p1"],
        f"{ids.TR_FROM}.value": people["consultant2"],
    }
    args = (ids.TR_GRID, ids.TR_EXPORT, ids.TR_DOWNLOAD, values, rows_of(people, "李娜", "张伟"))
    table = export_table(app_env, "manager", *args)
    # Only consultant2's customers are in the grid: 张伟 (consultant's) never gets in.
    assert [r[:2] for r in table[1:]] == [["李娜", "13912345678"]]
    assert last_audit(app_env, "export.transfer_customers").after["personal_data"] is True
    lesser = authz.ROLE_PERMISSIONS[RoleCode.MANAGER] - {"crm.view_personal"}
    monkeypatch.setitem(authz.ROLE_PERMISSIONS, RoleCode.MANAGER, lesser)
    table = export_table(app_env, "manager", *args)
    assert [r[:2] for r in table[1:]] == [["李娜", "139****5678"]]
    assert last_audit(app_env, "export.transfer_customers").after == {
        "rows": 1,
        "personal_data": False,
    }


def test_survey_export_keeps_formula_like_text_as_text(app_env, people):
    surveys = people["surveys"]
    shown = [{"id": surveys[label]} for label in ("家庭人数", "西湖问卷", FORMULA)]
    values = {f"{shell.PROJECT_SELECT}.value": people["p1"]}
    table = export_table(
        app_env, "admin", ids.SV_GRID, ids.SV_EXPORT, ids.SV_DOWNLOAD, values, shown
    )
    assert table[0] == ["项目", "问卷项", "类型", "选项", "必填", "状态"]
    # The P2 question is not in the P1 grid; the formula-like label stays plain text.
    assert [r[1] for r in table[1:]] == ["家庭人数", FORMULA]
    assert last_audit(app_env, "export.survey_fields").after == {"rows": 2}


def test_todays_registrations_export_only_the_consultants_own(app_env, people):
    values = {f"{ids.REG_PROJECT}.value": people["p1"]}
    table = export_table(
        app_env,
        "consultant",
        ids.REG_RECENT,
        ids.REG_RECENT_EXPORT,
        ids.REG_RECENT_DOWNLOAD,
        values,
        rows_of(people, "张伟", "李娜", "赵敏", "王强"),
    )
    assert table[0] == ["客户", "手机", "来访/来电", "等级", "置业顾问"]
    assert [r[0] for r in table[1:]] == ["张伟", "赵敏"]


def analytics_values(people, **extra):
    today = localtime.today().isoformat()
    return {
        f"{ids.AN_DATES}.start_date": today,
        f"{ids.AN_DATES}.end_date": today,
        **extra,
    }


def test_stage_customers_export_is_the_clicked_stage_in_scope(app_env, people):
    click = {"points": [{"customdata": "new"}]}
    values = analytics_values(people, **{f"{ids.AN_FUNNEL}.clickData": click})
    args = (ids.AN_STAGE_GRID, ids.AN_STAGE_EXPORT, ids.AN_STAGE_DOWNLOAD, values)
    table = export_table(app_env, "manager", *args, rows_of(people, "王强", "张伟", "李娜"))
    assert table[0][:2] == ["客户", "手机"] and "详情" not in table[0]
    assert [r[0] for r in table[1:]] == ["张伟", "李娜"]
    assert last_audit(app_env, "export.funnel_stage_customers").after == {
        "rows": 2,
        "personal_data": True,
    }
    # No stage clicked: nothing to export.
    client = app_env.server.test_client()
    login(client, "manager")
    values = analytics_values(people, **{f"{ids.AN_STAGE_EXPORT}.n_clicks": 1})
    response = dash_client.post(client, app_env, f"{ids.AN_STAGE_DOWNLOAD}.data", values)
    assert response.status_code == 204


def test_ranking_and_rates_export_as_shown(app_env, people):
    with app_env.server.extensions["loupan_db"].factory() as s:
        consultant = s.scalar(select(User).where(User.username == "consultant3"))
    values = analytics_values(people)
    ranking = export_table(
        app_env,
        "marketing",
        ids.AN_RANKING_GRID,
        ids.AN_RANKING_EXPORT,
        ids.AN_RANKING_DOWNLOAD,
        values,
        [{"consultant_id": consultant.id}],
        column_state("consultant", "new", "rank", hidden={"rank"}),
    )
    assert ranking[0][:2] == ["置业顾问", "新增来访来电"] and "名次" not in ranking[0]
    assert [r[:2] for r in ranking[1:]] == [["Consultant3", 1]]
    rates = export_table(
        app_env,
        "marketing",
        ids.AN_FUNNEL_TABLE,
        ids.AN_FUNNEL_TABLE_EXPORT,
        ids.AN_FUNNEL_TABLE_DOWNLOAD,
        values,
        [{"stage": "签约"}, {"stage": "新增来访来电"}, {"stage": "未知"}],
    )
    assert rates[0] == ["阶段", "客户数", "较上一阶段", "占新增"]
    assert [r[:2] for r in rates[1:]] == [["签约", 0], ["新增来访来电", 4]]


def test_customer_list_exports_the_grid_as_shown(app_env, people, monkeypatch):
    # The grid filtered and sorted to 李娜, 张伟 (王强 is in P2, outside the manager's projects,
    # so a crafted request naming him gets nothing); 手机 moved first, 阶段 hidden.
    shown = rows_of(people, "李娜", "王强", "张伟")
    state = column_state("mobile", "name", "detail", "stage_label", "level", hidden={"stage_label"})
    grid = (ids.LIST_GRID, ids.LIST_EXPORT, ids.LIST_DOWNLOAD)
    table = export_table(app_env, "manager", *grid, {}, shown, state)
    assert table[0][:3] == ["手机", "客户", "等级"]
    assert not {"阶段", "详情", "身份证号", "备注"} & set(table[0])
    assert [r[:2] for r in table[1:]] == [["13912345678", "李娜"], ["13812345678", "张伟"]]
    entry = last_audit(app_env, "export.customers")
    assert entry.after["rows"] == 2 and entry.after["personal_data"] is True
    # 完整导出: the same rows in the same order, every column.
    full = export_table(
        app_env,
        "manager",
        ids.LIST_GRID,
        ids.LIST_FULL_EXPORT,
        ids.LIST_FULL_DOWNLOAD,
        {},
        shown,
        state,
    )
    assert full[0][:3] == ["客户", "手机", "阶段"] and full[0][-3:] == [
        "身份证号",
        "流失原因",
        "备注",
    ]
    assert [r[0] for r in full[1:]] == ["李娜", "张伟"]
    # A role without personal data gets the numbers masked as in its grid, and no full export.
    lesser = authz.ROLE_PERMISSIONS[RoleCode.MANAGER] - {"crm.view_personal"}
    monkeypatch.setitem(authz.ROLE_PERMISSIONS, RoleCode.MANAGER, lesser)
    table = export_table(app_env, "manager", *grid, {}, shown, state)
    assert [r[:2] for r in table[1:]] == [["139****5678", "李娜"], ["138****5678", "张伟"]]
    assert last_audit(app_env, "export.customers").after["personal_data"] is False
    client = app_env.server.test_client()
    login(client, "manager")
    values = {f"{ids.LIST_FULL_EXPORT}.n_clicks": 1}
    response = dash_client.post(client, app_env, f"{ids.LIST_FULL_DOWNLOAD}.data", values)
    assert response.status_code == 204
