"""常用功能: each user's favourite screens (commands and reads on SQLite and MariaDB, the desktop
card, its dialog and the ★ quick menu through the Flask client)."""

import json

import dash
import pytest
from sqlalchemy import delete, func, select

from callbacks import desktop_favorites as ui
from data_layer.commands import favorites as commands
from data_layer.errors import PermissionDenied, ValidationError
from data_layer.models import AuditEntry, RoleCode, User, UserFavorite
from data_layer.queries import favorites as queries
from tests import dash_client
from tests.conftest import login
from tests.factories import make_user

# path → permission, as callbacks.desktop_favorites.menu_permissions() reads the registry.
MENU = {
    "/crm/register": "crm.edit",
    "/crm/customers": "crm.customers",
    "/crm/reminders": "crm.customers",
    "/deals/chart": "inventory.view",
    "/deals/list": "deal.view",
    "/finance/receipts": "finance.view",
    "/admin/users": "admin.users",
    "/desktop/messages": "desktop.view",
}
MANY = {f"/p/{i}": "desktop.view" for i in range(1, 14)}  # 13 pages anyone may open


def _save(session, user, paths, menu=MENU):
    return commands.set_favorites(session, actor=user, paths=paths, menu=menu)


def _audits(session, user) -> int:
    return session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "desktop.favorites", AuditEntry.user_id == user.id)
    )


def test_save_keeps_the_order_and_only_the_users_own(session, world):
    consultant = world.users["consultant"]
    saved = _save(session, consultant, ["/deals/chart", "/crm/customers", "/crm/register"])
    assert saved == ["/deals/chart", "/crm/customers", "/crm/register"]
    assert queries.favorites(session, consultant) == saved
    assert queries.favorites(session, world.users["consultant2"]) == []


def test_reorder_keeps_kept_rows_and_drops_the_others(session, world):
    consultant = world.users["consultant"]
    _save(session, consultant, ["/crm/customers", "/deals/chart", "/crm/register"])
    rows = {r.path: r.id for r in session.scalars(select(UserFavorite))}
    _save(session, consultant, ["/crm/register", "/crm/customers", "/crm/reminders"])
    assert queries.favorites(session, consultant) == [
        "/crm/register",
        "/crm/customers",
        "/crm/reminders",
    ]
    after = {r.path: r.id for r in session.scalars(select(UserFavorite))}
    assert after["/crm/register"] == rows["/crm/register"]
    assert after["/crm/customers"] == rows["/crm/customers"]
    assert "/deals/chart" not in after
    _save(session, consultant, [])
    assert queries.favorites(session, consultant) == []


def test_audit_records_before_and_after(session, world):
    finance = world.users["finance"]
    _save(session, finance, ["/finance/receipts"])
    _save(session, finance, ["/deals/chart", "/finance/receipts"])
    entry = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "desktop.favorites")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.user_id == finance.id and entry.entity == "user" and entry.entity_id == finance.id
    assert entry.before == {"paths": ["/finance/receipts"]}
    assert entry.after == {"paths": ["/deals/chart", "/finance/receipts"]}


@pytest.mark.parametrize(
    ("paths", "menu", "words"),
    [
        (["/crm/customers", "/admin/users"], MENU, ("无权打开", "may not open")),
        (["/finance/receipts"], MENU, ("无权打开", "may not open")),
        (["/no/such/page"], MENU, ("不在菜单中", "not a menu page")),
        (["/crm/customers", "/deals/chart", "/crm/customers"], MENU, ("重复", "twice")),
        (list(MANY), MANY, ("最多 12 个", "At most 12")),
    ],
)
def test_refusals_write_nothing(session, world, paths, menu, words):
    consultant = world.users["consultant"]
    _save(session, consultant, ["/crm/reminders"])
    audits = _audits(session, consultant)
    with pytest.raises(ValidationError) as refused:
        _save(session, consultant, paths, menu)
    assert words[0] in refused.value.text("zh")
    assert words[1] in refused.value.text("en")
    assert queries.favorites(session, consultant) == ["/crm/reminders"]
    assert _audits(session, consultant) == audits


def test_twelve_is_the_limit(session, world):
    admin = world.users["admin"]
    twelve = list(MANY)[:12]
    assert _save(session, admin, twelve, MANY) == twelve
    assert queries.favorites(session, admin) == twelve


def test_admin_may_keep_admin_pages_and_one_users_change_leaves_others(session, world):
    admin, consultant = world.users["admin"], world.users["consultant"]
    _save(session, admin, ["/admin/users", "/crm/customers"])
    _save(session, consultant, ["/crm/customers"])
    _save(session, consultant, ["/deals/chart"])
    assert queries.favorites(session, admin) == ["/admin/users", "/crm/customers"]
    assert queries.favorites(session, consultant) == ["/deals/chart"]


def test_an_inactive_user_cannot_save(session, world):
    consultant = world.users["consultant"]
    consultant.active = False
    with pytest.raises(PermissionDenied):
        _save(session, consultant, ["/crm/customers"])
    consultant.active = True
    assert queries.favorites(session, consultant) == []


def test_favourites_go_with_their_user(session, world):
    # The application never deletes users (it disables them); the database removes a deleted
    # user's favourites by itself (ON DELETE CASCADE) so that nothing blocks such a clean-up.
    leaver = make_user(session, "leaver", RoleCode.CONSULTANT)
    session.add_all(
        [
            UserFavorite(user_id=leaver.id, path="/crm/customers", sort=0),
            UserFavorite(user_id=world.users["consultant"].id, path="/crm/customers", sort=0),
        ]
    )
    session.flush()
    session.execute(delete(User).where(User.id == leaver.id))
    session.expunge_all()
    owners = set(session.scalars(select(UserFavorite.user_id)))
    assert owners == {world.users["consultant"].id}


def test_suggestions_for_every_role_are_menu_pages_it_may_open(app_env):
    from data_layer import authz

    menu = ui.menu_permissions()
    assert "/" not in menu
    for role in RoleCode:
        probe = User(role_code=role, active=True)
        suggested = queries.suggested(probe)
        assert 3 <= len(suggested) <= 4, role
        for path in suggested:
            assert path in menu, (role, path)
            assert authz.has(probe, menu[path]), (role, path)


def test_merge_and_move_keep_the_chosen_order():
    assert ui._merge(["/b", "/a"], ["/a", "/b", "/c"]) == ["/b", "/a", "/c"]
    assert ui._merge(["/b", "/a"], ["/a"]) == ["/a"]
    assert ui._move(["/a", "/b", "/c"], "/c", -1) == ["/a", "/c", "/b"]
    assert ui._move(["/a", "/b"], "/a", -1) == ["/a", "/b"]
    assert ui._move(["/a", "/b"], "/x", 1) == ["/a", "/b"]


# --- through the Flask client ------------------------------------------------------------


def _text(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _stored(app, username) -> list[str]:
    db = app.server.extensions["loupan_db"]
    with db.factory() as s:
        user = s.scalar(select(User).where(User.username == username))
        return queries.favorites(s, user)


def _save_through_callback(client, app, paths):
    values = {"fav-save.n_clicks": 1, "fav-selection.data": paths}
    return dash_client.post(client, app, "fav-list.children", values, "fav-save.n_clicks")


def _labels_in_order(text: str, labels: list[str]) -> bool:
    places = [text.find(label) for label in labels]
    return -1 not in places and places == sorted(places)


def test_saved_through_the_dialog_then_listed_in_order(app_env):
    client = app_env.server.test_client()
    login(client, "consultant2")
    card = dash_client.response_of(
        dash_client.post(client, app_env, "desk-favorites.children", {"desk-favorites.id": "x"})
    )
    first = _text(card["desk-favorites"])
    assert "还没有设置常用功能" in first and "来访/来电登记" in first  # suggestions, not saved
    assert _stored(app_env, "consultant2") == []

    opened = dash_client.response_of(
        dash_client.post(
            client, app_env, "fav-checks.children", {"fav-settings.n_clicks": 1}, "fav-settings"
        )
    )
    checks = _text(opened["fav-checks"])
    assert "客户列表" in checks and "用户管理" not in checks and "收款登记" not in checks
    assert opened["fav-selection"]["data"] == queries.DEFAULTS[RoleCode.CONSULTANT]

    out = dash_client.response_of(
        _save_through_callback(client, app_env, ["/deals/chart", "/crm/reminders", "/plan/quote"])
    )
    assert out["fav-modal"]["is_open"] is False
    assert _labels_in_order(_text(out["fav-list"]), ["销控表", "跟进提醒", "置业计划书"])
    assert _labels_in_order(_text(out["shell-favorites"]), ["销控表", "跟进提醒", "置业计划书"])
    assert _stored(app_env, "consultant2") == ["/deals/chart", "/crm/reminders", "/plan/quote"]

    card = dash_client.response_of(
        dash_client.post(client, app_env, "desk-favorites.children", {"desk-favorites.id": "x"})
    )
    shown = _text(card["desk-favorites"])
    assert "还没有设置常用功能" not in shown
    assert _labels_in_order(shown, ["销控表", "跟进提醒", "置业计划书"])
    menu = dash_client.response_of(
        dash_client.post(client, app_env, "shell-favorites.children", {"shell-url.pathname": "/"})
    )
    assert _labels_in_order(_text(menu["shell-favorites"]), ["销控表", "跟进提醒", "置业计划书"])


def test_drawing_the_card_saves_nothing(app_env):
    # Dash calls the save callback when the card appears (its ★ output is in the shell).
    client = app_env.server.test_client()
    login(client, "manager")
    response = dash_client.post(client, app_env, "fav-list.children", {"fav-selection.data": []})
    assert response.status_code == 204
    assert _stored(app_env, "manager") == []


def test_a_consultant_cannot_save_an_admin_page_by_posting_the_callback(app_env):
    client = app_env.server.test_client()
    login(client, "consultant")
    db = app_env.server.extensions["loupan_db"]
    with db.factory() as s:
        audits = s.scalar(select(func.count()).select_from(AuditEntry))
    out = dash_client.response_of(
        _save_through_callback(client, app_env, ["/crm/customers", "/admin/users"])
    )
    assert "无权打开页面 /admin/users" in _text(out["fav-error"])
    assert "fav-modal" not in out  # the dialog stays open
    assert _stored(app_env, "consultant") == []
    with db.factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == audits
    too_many = [p["path"] for _m, pages in _consultant_choices(app_env) for p in pages]
    assert len(too_many) > 12
    out = dash_client.response_of(_save_through_callback(client, app_env, too_many))
    assert "最多 12 个" in _text(out["fav-error"])
    assert _stored(app_env, "consultant") == []


def _consultant_choices(app):
    db = app.server.extensions["loupan_db"]
    with db.factory() as s:
        user = s.scalar(select(User).where(User.username == "consultant"))
        return ui.choices(user)


def test_no_session_is_refused(app_env):
    client = app_env.server.test_client()
    for output, values in [
        ("fav-list.children", {"fav-save.n_clicks": 1, "fav-selection.data": ["/deals/chart"]}),
        ("desk-favorites.children", {"desk-favorites.id": "x"}),
        ("shell-favorites.children", {"shell-url.pathname": "/"}),
        ("fav-checks.children", {"fav-settings.n_clicks": 1}),
    ]:
        assert dash_client.post(client, app_env, output, values).status_code == 401, output


def test_english_labels(app_env):
    client = app_env.server.test_client()
    login(client, "finance")
    db = app_env.server.extensions["loupan_db"]
    with db.writer() as s:
        s.scalar(select(User).where(User.username == "finance")).language = "en"
    try:
        card = dash_client.response_of(
            dash_client.post(client, app_env, "desk-favorites.children", {"desk-favorites.id": 1})
        )
        shown = _text(card["desk-favorites"])
        assert "Favourites" in shown and "Settings" in shown and "Finance" in shown
        assert "常用" not in shown
    finally:
        with db.writer() as s:
            s.scalar(select(User).where(User.username == "finance")).language = "zh"
    assert dash.page_registry  # the registry the menu is read from
