"""桌面: a user's own figures and reminders."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import auth
from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from data_layer import authz
from data_layer.models import RoleCode
from pages.desktop import ids

dash.register_page(
    __name__,
    path="/",
    nav_module="desktop",
    label="桌面",
    permission="desktop.view",
    order=0,
    title="Loupan 售楼管理系统",
)

# An executive's home is the group overview (决策分析 → 经营总览).
EXECUTIVE_HOME = "/analytics/overview"


def _heading(title, button, download):
    return html.Div(
        [
            html.H2(title, className="h6 mb-0"),
            html.Div(export_button(button, download), className="ms-auto"),
        ],
        className="d-flex align-items-center mt-3 mb-2",
    )


def _page_at(path: str):
    return next((p for p in dash.page_registry.values() if p["path"] == path), None)


def layout(**query):
    user = auth.viewer()
    if user.role_code == RoleCode.EXECUTIVE:
        overview = _page_at(EXECUTIVE_HOME)
        if overview is not None:
            return overview["layout"](**query)
    reminders = []
    if authz.has(user, "crm.view"):
        reminders = [
            dbc.Col(
                [
                    _heading(_("待跟进客户"), ids.FOLLOW_UPS_EXPORT, ids.FOLLOW_UPS_DOWNLOAD),
                    grid(ids.FOLLOW_UPS, ids.REMINDER_COLUMNS, height=360),
                ],
                lg=7,
            ),
            dbc.Col(
                [
                    _heading(_("近期生日客户"), ids.BIRTHDAYS_EXPORT, ids.BIRTHDAYS_DOWNLOAD),
                    grid(ids.BIRTHDAYS, ids.BIRTHDAY_COLUMNS, height=360),
                ],
                lg=5,
            ),
        ]
    return html.Div(
        [
            page_title(_("欢迎，{name}", name=user.display_name)),
            # 常用功能 (favourites, callbacks/desktop_favorites.py) and 待办提醒 (the role's
            # to-do counts, callbacks/desktop_todo.py) are filled by their own callbacks.
            html.Div(id=ids.FAVORITES),
            html.Div(id=ids.FIGURES),
            html.Div(id=ids.TODO),
            dbc.Row(reminders),
        ]
    )
