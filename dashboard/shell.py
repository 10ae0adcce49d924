"""The shell around every page: navigation by module, project switcher, user menu, language."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from data_layer import authz
from data_layer.commands import users as user_commands
from data_layer.queries import messages as message_queries
from data_layer.queries import org as org_queries
from pages.desktop import favorites_ids

from . import auth
from .db import database, reader
from .i18n import _

# The nine modules of the product, in menu order, plus administration.
MODULES: list[tuple[str, str]] = [
    ("desktop", "桌面"),
    ("base", "基础数据"),
    ("marketing", "营销管理"),
    ("crm", "客户管理"),
    ("plan", "置业计划"),
    ("deals", "交易管理"),
    ("finance", "财务管理"),
    ("aftersales", "售后服务"),
    ("analytics", "决策分析"),
    ("admin", "系统管理"),
]

ROLE_LABELS = {
    "admin": "系统管理员",
    "executive": "高管",
    "manager": "销售经理",
    "consultant": "置业顾问",
    "finance": "财务",
    "marketing": "市场营销",
    "aftersales": "售后专员",
}

PROJECT_SELECT = "shell-project"
LANG_ZH = "shell-lang-zh"
LANG_EN = "shell-lang-en"
REDIRECT = "shell-redirect"
URL = "shell-url"


def visible_pages(user) -> dict[str, list[dict]]:
    """Registered pages the user may open, grouped by module, in order."""
    grouped: dict[str, list[dict]] = {}
    for page in sorted(dash.page_registry.values(), key=lambda p: p.get("order") or 0):
        module = page.get("nav_module")
        if not module or page.get("hidden"):
            continue
        if authz.has(user, page.get("permission", "")):
            grouped.setdefault(module, []).append(page)
    return grouped


def navigation(user) -> list:
    items = []
    grouped = visible_pages(user)
    for module, label in MODULES:
        pages = grouped.get(module)
        if not pages:
            continue
        items.append(
            dbc.DropdownMenu(
                [dbc.DropdownMenuItem(_(p["label"]), href=p["path"]) for p in pages],
                label=_(label),
                nav=True,
                in_navbar=True,
                id=f"nav-{module}",
            )
        )
    return items


def project_options(user) -> list[dict]:
    return [{"label": p.name, "value": p.id} for p in org_queries.visible_projects(reader(), user)]


def _mail_link(user):
    unread = message_queries.unread_count(reader(), user)
    return html.A(
        [
            html.I(className="bi bi-envelope"),
            dbc.Badge(str(unread), color="danger", pill=True, className="ms-1") if unread else None,
        ],
        href="/desktop/messages",
        id="shell-mail",
        title=_("{n} 条未读消息", n=unread),
        className="text-white me-3 fs-5 text-decoration-none",
    )


def layout():
    user = auth.viewer()
    if user is None:  # the guard redirects first; this only serves Dash's validation pass
        return html.Div([dcc.Location(id=URL), dcc.Location(id=REDIRECT), dash.page_container])
    options = project_options(user)
    role = _(ROLE_LABELS.get(user.role_code.value, user.role_code.value))
    navbar = dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [
                        html.Span(_("Loupan 售楼管理系统"), className="brand-full"),
                        html.Span("Loupan", className="brand-short"),
                    ],
                    href="/",
                ),
                dbc.NavbarToggler(id="shell-toggler"),
                dbc.Collapse(
                    [
                        dbc.Nav(navigation(user), navbar=True, className="me-auto"),
                        html.Div(
                            dcc.Dropdown(
                                id=PROJECT_SELECT,
                                options=options,
                                value=None,
                                placeholder=_("全部项目"),
                                clearable=True,
                                persistence=f"user-{user.id}",
                                persistence_type="local",
                                style={"minWidth": "160px"},
                            ),
                            className="me-2 my-1",
                            title=_("当前项目"),
                        ),
                        # ★ 常用功能: filled by callbacks/desktop_favorites.py on every page.
                        dbc.DropdownMenu(
                            [],
                            label=html.I(className="bi bi-star-fill", title=_("常用功能")),
                            nav=True,
                            in_navbar=True,
                            align_end=True,
                            id=favorites_ids.QUICK_MENU,
                            toggle_class_name="text-warning px-1",
                        ),
                        _mail_link(user),
                        dbc.ButtonGroup(
                            [
                                dbc.Button(
                                    "中文",
                                    id=LANG_ZH,
                                    size="sm",
                                    color="light",
                                    outline=user.language != "zh",
                                ),
                                dbc.Button(
                                    "EN",
                                    id=LANG_EN,
                                    size="sm",
                                    color="light",
                                    outline=user.language != "en",
                                ),
                            ],
                            className="me-2 my-1",
                        ),
                        dbc.DropdownMenu(
                            [
                                dbc.DropdownMenuItem(f"{role}", header=True),
                                dbc.DropdownMenuItem(_("修改密码"), href="/account"),
                                dbc.DropdownMenuItem(divider=True),
                                dbc.DropdownMenuItem(
                                    _("退出登录"), href="/logout", external_link=True
                                ),
                            ],
                            label=user.display_name,
                            nav=True,
                            in_navbar=True,
                            align_end=True,
                            id="shell-user-menu",
                        ),
                    ],
                    id="shell-collapse",
                    navbar=True,
                ),
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        className="loupan-navbar",
        expand="xl",
    )
    return html.Div(
        [
            dcc.Location(id=URL),
            dcc.Location(id=REDIRECT, refresh=True),
            navbar,
            dbc.Container(dash.page_container, fluid=True, className="loupan-main"),
        ]
    )


def register(app: dash.Dash) -> None:
    @auth.callback(
        app,
        None,
        Output(REDIRECT, "href"),
        Input(LANG_ZH, "n_clicks"),
        Input(LANG_EN, "n_clicks"),
        State(URL, "pathname"),
        prevent_initial_call=True,
    )
    def switch_language(_zh, _en, pathname, *, user):
        language = "en" if dash.ctx.triggered_id == LANG_EN else "zh"
        database().run(user_commands.set_language, actor=user, language=language)
        return pathname or "/"

    @auth.callback(
        app,
        None,
        Output("shell-collapse", "is_open"),
        Input("shell-toggler", "n_clicks"),
        State("shell-collapse", "is_open"),
        prevent_initial_call=True,
    )
    def toggle_menu(n, is_open, *, user):
        return not is_open


def wrap_page_layouts() -> None:
    """Enforce each page's permission on the server when its layout is built, and send a user
    who must change their password to the account page first."""
    for page in dash.page_registry.values():
        original = page["layout"]
        if getattr(original, "_loupan_guarded", False):
            continue
        permission = page.get("permission")

        def guarded(_original=original, _permission=permission, _path=page["path"], **query):
            user = auth.viewer()
            if user is None:
                return html.Div()
            if user.must_change_password and _path != "/account":
                return dbc.Alert(
                    [_("请修改初始密码后继续使用。"), " ", html.A(_("修改密码"), href="/account")],
                    color="warning",
                    id="must-change-password",
                )
            if _permission and not authz.has(user, _permission):
                return dbc.Alert(
                    [html.H4(_("没有权限")), html.P(_("您的角色无权打开此页面。"))],
                    color="danger",
                    id="page-forbidden",
                )
            return _original(**query) if callable(_original) else _original

        guarded._loupan_guarded = True
        page["layout"] = guarded
