"""桌面: a user's own figures and reminders."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import auth
from dashboard.components import grid, page_title
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

REMINDER_COLUMNS = [
    {"field": "name", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机"},
    {"field": "level", "headerName": "等级", "maxWidth": 90},
    {"field": "next_follow_up_on", "headerName": "下次跟进"},
    {"field": "project", "headerName": "项目"},
    {"field": "consultant", "headerName": "置业顾问 "},
]
BIRTHDAY_COLUMNS = [
    {"field": "name", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机"},
    {"field": "birthday", "headerName": "生日"},
    {"field": "project", "headerName": "项目"},
    {"field": "consultant", "headerName": "置业顾问 "},
]


# An executive's home is the group overview (决策分析 → 经营总览).
EXECUTIVE_HOME = "/analytics/overview"


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
                    html.H2(_("待跟进客户"), className="h6 mt-3"),
                    grid(ids.FOLLOW_UPS, REMINDER_COLUMNS, height=360),
                ],
                lg=7,
            ),
            dbc.Col(
                [
                    html.H2(_("近期生日客户"), className="h6 mt-3"),
                    grid(ids.BIRTHDAYS, BIRTHDAY_COLUMNS, height=360),
                ],
                lg=5,
            ),
        ]
    return html.Div(
        [
            page_title(_("欢迎，{name}", name=user.display_name)),
            html.Div(id=ids.FIGURES),
            dbc.Row(reminders),
        ]
    )
