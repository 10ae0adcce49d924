"""Every Dash callback is a public HTTP endpoint: refused without a session and for a role that
lacks its permission, with nothing written."""

import json

import pytest
from sqlalchemy import func, select

from data_layer import authz
from data_layer.models import AuditEntry, RoleCode, User
from tests import dash_client
from tests.conftest import login

ROLE_USERS = {
    RoleCode.ADMIN: "admin",
    RoleCode.EXECUTIVE: "exec",
    RoleCode.MANAGER: "manager",
    RoleCode.CONSULTANT: "consultant",
    RoleCode.FINANCE: "finance",
    RoleCode.MARKETING: "marketing",
    RoleCode.AFTERSALES: "aftersales",
}


def _component_id(raw: str):
    """A callback-map id: a plain string, or a JSON dict id whose wildcards become concrete."""
    if not raw.startswith("{"):
        return raw, False
    ident = json.loads(raw)
    wildcard_all = any(v in (["ALL"], ["ALLSMALLER"]) for v in ident.values())
    return {k: (1 if isinstance(v, list) else v) for k, v in ident.items()}, wildcard_all


def _spec(item, value):
    ident, many = _component_id(item["id"])
    entry = {"id": ident, "property": item["property"], "value": value}
    return [] if many else entry


def _concrete(outputs):
    """Output specs (one or a list) with pattern-matching ids made concrete."""
    if isinstance(outputs, dict):
        return {**outputs, "id": _component_id(outputs["id"])[0]}
    return [_concrete(o) for o in outputs]


ROUTER = ".._pages_content.children..._pages_store.data.."


def callback_bodies(app):
    """A well-formed update request for every server-side callback, Dash's page router too."""
    app.server.test_client().get("/healthz")  # Dash completes its callback map on first request
    bodies = []
    for output, cb in app.callback_map.items():
        if "callback" not in cb:
            continue  # clientside: runs in the browser, no endpoint
        body = dash_client.body(
            output,
            [_spec(i, 1) for i in cb["inputs"]],
            [_spec(s, None) for s in cb["state"]],
            [f"{i['id']}.{i['property']}" for i in cb["inputs"]][:1],
        )
        body["outputs"] = _concrete(body["outputs"])
        bodies.append((output, body))
    return bodies


def written_rows(app):
    db = app.server.extensions["loupan_db"]
    with db.factory() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry)), s.scalar(
            select(func.max(User.id))
        )


def test_every_callback_is_listed_with_its_permission(app_env):
    permissions = app_env.server.config["LOUPAN_CALLBACK_PERMISSIONS"]
    outputs = {output for output, _ in callback_bodies(app_env)}
    # Dash's own page router is the one callback not registered through auth.callback: the
    # login guard covers it, and its layouts are guarded by shell.wrap_page_layouts (below).
    assert outputs - set(permissions) == {ROUTER}
    assert len(permissions) >= 9


def test_no_session_is_refused_for_every_callback(app_env):
    client = app_env.server.test_client()
    before = written_rows(app_env)
    for output, body in callback_bodies(app_env):
        response = dash_client.send(client, body)
        assert response.status_code == 401, output
    assert written_rows(app_env) == before


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_role_without_permission_is_refused_for_every_callback(app_env, role):
    permissions = app_env.server.config["LOUPAN_CALLBACK_PERMISSIONS"]
    client = app_env.server.test_client()
    assert login(client, ROLE_USERS[role]).status_code == 302
    probe = User(role_code=role, active=True)
    checked = 0
    for output, body in callback_bodies(app_env):
        permission = permissions.get(output)
        if permission is None or authz.has(probe, permission):
            continue
        before = written_rows(app_env)
        response = dash_client.send(client, body)
        assert response.status_code == 403, (role, output)
        assert written_rows(app_env) == before
        checked += 1
    if role != RoleCode.ADMIN:
        assert checked > 0, f"{role} should lack at least one callback permission"


def test_pages_refuse_without_session(app_env):
    client = app_env.server.test_client()
    for path in (
        "/",
        "/admin/users",
        "/admin/audit",
        "/account",
        "/_dash-layout",
        "/_dash-dependencies",
    ):
        response = client.get(path)
        assert response.status_code in (302, 401), path
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login")


def test_page_layout_refuses_a_role_without_permission(app_env):
    client = app_env.server.test_client()
    login(client, "consultant")
    body = dict(callback_bodies(app_env))[ROUTER]
    for item in body["inputs"]:
        item["value"] = {"pathname": "/admin/audit", "search": ""}.get(item["property"])
    response = dash_client.send(client, body)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "page-forbidden" in text
    assert "admin-audit-grid" not in text


def test_health_needs_no_login_and_checks_the_database(app_env):
    response = app_env.server.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_session_cookie_is_httponly_and_samesite(app_env):
    client = app_env.server.test_client()
    response = login(client, "manager")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_login_redirect_never_leaves_the_site(app_env):
    client = app_env.server.test_client()
    page = client.get("/login")
    import re

    token = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "manager", "password": "Secret123", "csrf": token},
    )
    assert response.headers["Location"] == "/"


def test_login_without_form_token_is_refused(app_env):
    client = app_env.server.test_client()
    response = client.post("/login", data={"username": "manager", "password": "Secret123"})
    assert response.status_code == 401
    assert "页面已过期" in response.get_data(as_text=True)


def _route(app, client, pathname: str) -> str:
    body = dict(callback_bodies(app))[ROUTER]
    for item in body["inputs"]:
        item["value"] = {"pathname": pathname, "search": ""}.get(item["property"])
    response = dash_client.send(client, body)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_executive_home_is_the_group_overview(app_env):
    executive = app_env.server.test_client()
    login(executive, "exec")
    assert '"ov-cards"' in _route(app_env, executive, "/")
    consultant = app_env.server.test_client()
    login(consultant, "consultant")
    home = _route(app_env, consultant, "/")
    assert '"ov-cards"' not in home
    assert '"desk-figures"' in home
