"""Administration: the audit log query and screen, and users created through the screen."""

import json
from datetime import date, datetime, timedelta

import pytest

from data_layer import audit, localtime
from data_layer.errors import PermissionDenied, ValidationError
from data_layer.models import AuditEntry
from data_layer.queries.audit import audit_frame
from tests import dash_client
from tests.conftest import login


def test_audit_frame_filters_by_action_user_and_local_dates(session, world):
    admin = world.users["admin"]
    audit.record(session, world.users["manager"], "user.language", after={"language": "en"})
    audit.record(session, world.users["finance"], "export.users", after={"rows": 3})
    # 23:30 UTC on 1 March is 07:30 on 2 March in Shanghai.
    session.add(AuditEntry(at=datetime(2026, 3, 1, 23, 30), username="night", action="x.late"))
    session.flush()
    frame = audit_frame(session, admin, action="user.", username="manag")
    assert list(frame["action"]) == ["user.language"]
    assert json.loads(frame.iloc[0]["details"]) == {"language": "en"}
    late = audit_frame(session, admin, start=date(2026, 3, 2), end=date(2026, 3, 2))
    assert list(late["username"]) == ["night"]
    assert late.iloc[0]["at"] == "2026-03-02 07:30:00"
    assert audit_frame(session, admin, start=date(2026, 3, 1), end=date(2026, 3, 1)).empty


def test_audit_end_before_start_is_refused(session, world):
    with pytest.raises(ValidationError, match="结束日期不能早于开始日期"):
        audit_frame(session, world.users["admin"], start=date(2026, 5, 2), end=date(2026, 5, 1))


@pytest.mark.parametrize("role", ["executive", "manager", "consultant", "finance", "marketing"])
def test_only_administrators_read_the_audit_log(session, world, role):
    with pytest.raises(PermissionDenied):
        audit_frame(session, world.users[role])


def test_administrator_creates_a_user_through_the_screen(app_env):
    client = app_env.server.test_client()
    login(client, "admin")
    form = {
        "admin-new-username.value": "li.lei",
        "admin-new-name.value": "李雷",
        "admin-new-role.value": "consultant",
        "admin-new-password.value": "Welcome2026",
        "admin-new-projects.value": [],
    }

    def create(clicks):
        values = {**form, "admin-create-user.n_clicks": clicks}
        return dash_client.post(
            client, app_env, "admin-users-feedback.children", values, "admin-create-user.n_clicks"
        )

    response = create(1)
    assert response.status_code == 200
    payload = response.json["response"]
    rows = payload["admin-users-grid"]["rowData"]
    created = [r for r in rows if r["username"] == "li.lei"]
    assert created and created[0]["display_name"] == "李雷"
    assert "li.lei 已创建" in json.dumps(payload["admin-users-feedback"], ensure_ascii=False)

    # The same again is refused with a Chinese message, and no second account appears.
    again = create(2).json["response"]
    assert "已被使用" in json.dumps(again["admin-users-feedback"], ensure_ascii=False)
    assert sum(r["username"] == "li.lei" for r in again["admin-users-grid"]["rowData"]) == 1


def test_audit_screen_lists_todays_logins(app_env):
    client = app_env.server.test_client()
    login(client, "admin")
    today = localtime.today()
    values = {
        "admin-audit-search.n_clicks": 1,
        "admin-audit-start.date": (today - timedelta(days=1)).isoformat(),
        "admin-audit-end.date": (today + timedelta(days=1)).isoformat(),
        "admin-audit-action.value": "auth.login",
        "admin-audit-user.value": "admin",
    }
    response = dash_client.post(
        client, app_env, "admin-audit-grid.rowData", values, "admin-audit-search.n_clicks"
    )
    rows = response.json["response"]["admin-audit-grid"]["rowData"]
    assert rows and all(r["username"] == "admin" for r in rows)
    assert rows[0]["action"].startswith("登录")
