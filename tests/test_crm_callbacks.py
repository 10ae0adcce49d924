"""CRM callbacks through the Flask test client, as a browser would post them: registration and
the duplicate warning, scoped customer pages (a crafted request with another consultant's
customer id is refused), audited exports with neutralised cells, script text kept as text."""

import base64
import io
import json

from openpyxl import load_workbook
from sqlalchemy import func, select

from data_layer.models import AuditEntry, Customer, FollowUp, User
from pages.crm import ids
from tests import dash_client
from tests.conftest import login


def post(client, app, output_id: str, prop: str, values: dict, trigger: str | None = None):
    """Post an update for the callback producing output_id.prop; values maps "id.prop" to the
    value sent for that input or state (missing ones are None); see dash_client.entries for
    pattern-matching inputs."""
    return dash_client.post(client, app, f"{output_id}.{prop}", values, trigger)


def db_session(app):
    return app.server.extensions["loupan_db"].factory()


def customer_id(app, name: str) -> int:
    with db_session(app) as s:
        return s.scalar(select(Customer.id).where(Customer.name == name))


response_of = dash_client.response_of


def logged_in(app, username):
    client = app.server.test_client()
    assert login(client, username).status_code == 302
    return client


def test_crafted_request_for_another_consultants_customer_is_refused(app_env):
    client = logged_in(app_env, "consultant")
    theirs = customer_id(app_env, "李娜")  # consultant2's customer
    mine = customer_id(app_env, "张伟")
    body = response_of(
        post(client, app_env, ids.DETAIL_BODY, "children", {f"{ids.DETAIL_ID}.data": theirs})
    )
    text = json.dumps(body, ensure_ascii=False)
    assert "crm-detail-refused" in text
    assert "13912345678" not in text and "李娜" not in text
    body = response_of(
        post(client, app_env, ids.DETAIL_BODY, "children", {f"{ids.DETAIL_ID}.data": mine})
    )
    assert "13812345678" in json.dumps(body, ensure_ascii=False)
    # Writing to it is refused as well, and nothing is written.
    with db_session(app_env) as s:
        before = s.scalar(select(func.count()).select_from(FollowUp))
    body = response_of(
        post(
            client,
            app_env,
            ids.DETAIL_FEEDBACK,
            "children",
            {
                f"{ids.FU_SUBMIT}.n_clicks": 1,
                f"{ids.DETAIL_ID}.data": theirs,
                f"{ids.FU_KIND}.value": "call",
                f"{ids.FU_NOTES}.value": "抢单",
            },
            trigger=f"{ids.FU_SUBMIT}.n_clicks",
        )
    )
    assert "权限" in json.dumps(body, ensure_ascii=False)
    with db_session(app_env) as s:
        assert s.scalar(select(func.count()).select_from(FollowUp)) == before


def test_marketing_gets_no_customer_records_but_the_funnel(app_env):
    client = logged_in(app_env, "marketing")
    resp = post(client, app_env, ids.LIST_GRID, "rowData", {})
    assert resp.status_code == 403
    resp = post(
        client,
        app_env,
        ids.DETAIL_BODY,
        "children",
        {f"{ids.DETAIL_ID}.data": customer_id(app_env, "张伟")},
    )
    assert resp.status_code == 403
    body = response_of(
        post(
            client,
            app_env,
            ids.AN_FUNNEL,
            "figure",
            {
                f"{ids.AN_DATES}.start_date": "2020-01-01",
                f"{ids.AN_DATES}.end_date": "2099-12-31",
            },
        )
    )
    figure = body[ids.AN_FUNNEL]["figure"]
    assert figure["data"][0]["x"][0] == 2  # the two customers of the test world


def test_register_walk_in_then_duplicate_warning_names_the_owner(app_env):
    consultant = logged_in(app_env, "consultant")
    with db_session(app_env) as s:
        project_id = s.scalar(select(Customer.project_id).where(Customer.name == "张伟"))
        me = s.scalar(select(User.id).where(User.username == "consultant"))
    form = {
        f"{ids.REG_SUBMIT}.n_clicks": 1,
        f"{ids.REG_PROJECT}.value": project_id,
        f"{ids.REG_KIND}.value": "visit",
        f"{ids.REG_CONSULTANT}.value": me,
        f"{ids.REG_NAME}.value": "<script>alert('x')</script>",
        f"{ids.REG_MOBILE}.value": "137 0000 8888",
        f"{ids.REG_BUDGET}.value": 3500000,
        f"{ids.REG_NOTES}.value": '=HYPERLINK("http://evil")',
    }
    body = response_of(
        post(
            consultant,
            app_env,
            ids.REG_FEEDBACK,
            "children",
            form,
            trigger=f"{ids.REG_SUBMIT}.n_clicks",
        )
    )
    assert "已登记客户" in json.dumps(body, ensure_ascii=False)
    with db_session(app_env) as s:
        created = s.scalars(select(Customer).where(Customer.mobile == "13700008888")).one()
        assert created.name == "<script>alert('x')</script>"
        assert str(created.budget) == "3500000.00"
    # The same mobile again, by another consultant: the owner and the date are shown.
    other = logged_in(app_env, "consultant2")
    body = response_of(
        post(
            other,
            app_env,
            ids.REG_DUPLICATE,
            "children",
            {
                f"{ids.REG_MOBILE}.value": "13700008888",
                f"{ids.REG_PROJECT}.value": project_id,
            },
        )
    )
    text = json.dumps(body, ensure_ascii=False)
    assert "Consultant" in text and "已登记" in text
    body = response_of(
        post(
            other,
            app_env,
            ids.REG_FEEDBACK,
            "children",
            {**form, f"{ids.REG_CONSULTANT}.value": None},
            trigger=f"{ids.REG_SUBMIT}.n_clicks",
        )
    )
    assert "保护期" in json.dumps(body, ensure_ascii=False)
    with db_session(app_env) as s:
        assert (
            s.scalar(
                select(func.count()).select_from(Customer).where(Customer.mobile == "13700008888")
            )
            == 1
        )
    # The script name is sent as plain text for the page to show, never as markup.
    body = response_of(
        post(
            consultant, app_env, ids.DETAIL_BODY, "children", {f"{ids.DETAIL_ID}.data": created.id}
        )
    )
    text = json.dumps(body)
    assert "dangerously" not in text
    assert json.dumps("<script>alert('x')</script>")[1:-1] in text


def test_invalid_mobile_is_explained_while_typing(app_env):
    client = logged_in(app_env, "consultant")
    body = response_of(
        post(
            client,
            app_env,
            ids.REG_DUPLICATE,
            "children",
            {
                f"{ids.REG_MOBILE}.value": "12345678901",
                f"{ids.REG_PROJECT}.value": 1,
            },
        )
    )
    assert "手机号码格式不正确" in json.dumps(body, ensure_ascii=False)


def test_full_export_is_audited_and_formula_cells_stay_text(app_env):
    """完整导出 adds the columns the grid does not show (ID number, notes); a formula-like note
    stays text. The export as shown has the grid's columns only."""
    client = logged_in(app_env, "manager")
    with db_session(app_env) as s:
        before = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "export.customers_full")
        )

    def sheet_of(button, download):
        body = response_of(
            post(
                client,
                app_env,
                download,
                "data",
                {f"{button}.n_clicks": 1},
                trigger=f"{button}.n_clicks",
            )
        )
        data = body[download]["data"]
        return load_workbook(io.BytesIO(base64.b64decode(data["content"]))).active

    shown = [c.value for c in sheet_of(ids.LIST_EXPORT, ids.LIST_DOWNLOAD)[1]]
    assert "手机" in shown and "备注" not in shown and "身份证号" not in shown
    sheet = sheet_of(ids.LIST_FULL_EXPORT, ids.LIST_FULL_DOWNLOAD)
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert "手机" in header and "备注" in header and "身份证号" in header
    notes = [r[header.index("备注")] for r in rows[1:]]
    assert '=HYPERLINK("http://evil")' in notes
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                assert cell.data_type == "s"  # text, never a formula
    with db_session(app_env) as s:
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "export.customers_full")
        ).all()
        assert len(entries) == before + 1
        assert entries[-1].after["personal_data"] is True
        assert entries[-1].after["rows"] == len(rows) - 1


def test_consultant_list_holds_only_their_customers(app_env):
    client = logged_in(app_env, "consultant2")
    body = response_of(post(client, app_env, ids.LIST_GRID, "rowData", {}))
    names = {r["name"] for r in body[ids.LIST_GRID]["rowData"]}
    assert names == {"李娜"}


def test_detail_edit_saves_and_refuses_bad_id(app_env):
    client = logged_in(app_env, "consultant")
    mine = customer_id(app_env, "张伟")
    body = response_of(post(client, app_env, ids.ED_NAME, "value", {f"{ids.DETAIL_ID}.data": mine}))
    assert body[ids.ED_NAME]["value"] == "张伟"
    form = {
        f"{ids.ED_SUBMIT}.n_clicks": 1,
        f"{ids.DETAIL_ID}.data": mine,
        f"{ids.ED_NAME}.value": "张伟",
        f"{ids.ED_ID}.value": "440306199003073116",
        f"{ids.ED_BUDGET}.value": 2800000,
        f"{ids.ED_NOTES}.value": "<img src=x onerror=alert(1)>",
    }
    body = response_of(
        post(
            client,
            app_env,
            ids.DETAIL_FEEDBACK,
            "children",
            form,
            trigger=f"{ids.ED_SUBMIT}.n_clicks",
        )
    )
    assert "身份证号" in json.dumps(body, ensure_ascii=False)
    form[f"{ids.ED_ID}.value"] = "440306199003073115"
    body = response_of(
        post(
            client,
            app_env,
            ids.DETAIL_FEEDBACK,
            "children",
            form,
            trigger=f"{ids.ED_SUBMIT}.n_clicks",
        )
    )
    assert "已保存" in json.dumps(body, ensure_ascii=False)
    with db_session(app_env) as s:
        saved = s.get(Customer, mine)
        assert (saved.id_number, str(saved.budget), saved.notes) == (
            "440306199003073115",
            "2800000.00",
            "<img src=x onerror=alert(1)>",
        )


def test_registration_with_survey_answers_and_required_question(app_env):
    from data_layer.commands import crm as commands
    from data_layer.models import SurveyAnswer

    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        admin = s.scalar(select(User).where(User.username == "admin"))
        project_id = s.scalar(select(Customer.project_id).where(Customer.name == "张伟"))
        size = commands.define_survey_field(
            s, actor=admin, project_id=project_id, label="家庭人口", kind="number", required=True
        )
        focus = commands.define_survey_field(
            s, actor=admin, project_id=project_id, label="关注点", kind="multi", options="学区,交通"
        )
        size_id, focus_id = size.id, focus.id
    client = logged_in(app_env, "consultant")
    body = response_of(
        post(client, app_env, ids.REG_SURVEY, "children", {f"{ids.REG_PROJECT}.value": project_id})
    )
    assert "家庭人口" in json.dumps(body, ensure_ascii=False)
    form = {
        f"{ids.REG_SUBMIT}.n_clicks": 1,
        f"{ids.REG_PROJECT}.value": project_id,
        f"{ids.REG_KIND}.value": "call",
        f"{ids.REG_NAME}.value": "问卷客户",
        f"{ids.REG_MOBILE}.value": "13600001234",
        ids.SURVEY_INPUT: [(size_id, None), (focus_id, ["学区"])],
    }
    trigger = f"{ids.REG_SUBMIT}.n_clicks"
    body = response_of(post(client, app_env, ids.REG_FEEDBACK, "children", form, trigger=trigger))
    assert "请填写问卷项“家庭人口”" in json.dumps(body, ensure_ascii=False)
    form[ids.SURVEY_INPUT] = [(size_id, 4), (focus_id, ["学区", "交通"])]
    body = response_of(post(client, app_env, ids.REG_FEEDBACK, "children", form, trigger=trigger))
    assert "已登记客户" in json.dumps(body, ensure_ascii=False)
    with db_session(app_env) as s:
        cid = s.scalar(select(Customer.id).where(Customer.mobile == "13600001234"))
        answers = dict(
            s.execute(
                select(SurveyAnswer.field_id, SurveyAnswer.value).where(
                    SurveyAnswer.customer_id == cid
                )
            ).all()
        )
    assert answers == {size_id: "4", focus_id: '["学区", "交通"]'}


def test_manager_transfers_selected_customers_and_heir_is_reminded(app_env):
    manager = logged_in(app_env, "manager")
    with db_session(app_env) as s:
        p1 = s.scalar(select(Customer.project_id).where(Customer.name == "张伟"))
        leaver = s.scalar(select(User.id).where(User.username == "consultant"))
        heir = s.scalar(select(User.id).where(User.username == "consultant2"))
        zhang = s.scalar(select(Customer.id).where(Customer.name == "张伟"))
    base = {
        "shell-project.value": p1,
        f"{ids.TR_FROM}.value": leaver,
        f"{ids.TR_TO}.value": heir,
    }
    body = response_of(post(manager, app_env, ids.TR_GRID, "rowData", base))
    assert "张伟" in {r["name"] for r in body[ids.TR_GRID]["rowData"]}
    body = response_of(
        post(
            manager,
            app_env,
            ids.TR_GRID,
            "rowData",
            {
                **base,
                f"{ids.TR_SELECTED}.n_clicks": 1,
                f"{ids.TR_GRID}.selectedRows": [{"id": zhang}],
            },
            trigger=f"{ids.TR_SELECTED}.n_clicks",
        )
    )
    assert "原因" in json.dumps(body, ensure_ascii=False)  # a reason is required
    body = response_of(
        post(
            manager,
            app_env,
            ids.TR_GRID,
            "rowData",
            {
                **base,
                f"{ids.TR_SELECTED}.n_clicks": 1,
                f"{ids.TR_REASON}.value": "离职",
                f"{ids.TR_GRID}.selectedRows": [{"id": zhang}],
            },
            trigger=f"{ids.TR_SELECTED}.n_clicks",
        )
    )
    assert "已接转 1 位客户" in json.dumps(body, ensure_ascii=False)
    assert "张伟" not in {r["name"] for r in body[ids.TR_GRID]["rowData"]}
    # A consultant may not transfer.
    consultant = logged_in(app_env, "consultant")
    assert post(consultant, app_env, ids.TR_GRID, "rowData", base).status_code == 403
    # The heir's reminders list the customer as handed over.
    heir_client = logged_in(app_env, "consultant2")
    body = response_of(post(heir_client, app_env, ids.REM_TRANSFERRED, "rowData", {}))
    moved = body[ids.REM_TRANSFERRED]["rowData"]
    assert [(r["name"], r["transferred_from"], r["reason"]) for r in moved] == [
        ("张伟", "Consultant", "离职")
    ]
