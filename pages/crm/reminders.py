"""跟进提醒: overdue and due follow-ups, coming birthdays and customers handed over to me."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.components import grid, page_title
from dashboard.i18n import _
from data_layer.models import RoleCode
from pages.crm import ids

dash.register_page(
    __name__,
    path="/crm/reminders",
    nav_module="crm",
    label="跟进提醒",
    permission="crm.customers",
    order=420,
    title="跟进提醒 · Loupan",
)

LINK = {
    "field": "detail",
    "headerName": "详情",
    "cellRenderer": "markdown",
    "maxWidth": 80,
    "filter": False,
    "sortable": False,
}
OVERDUE = [
    LINK,
    {"field": "name", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机", "minWidth": 120},
    {"field": "stage_label", "headerName": "阶段", "maxWidth": 90},
    {"field": "level", "headerName": "等级", "maxWidth": 80},
    {"field": "next_follow_up_on", "headerName": "应跟进日期"},
    {
        "field": "days_overdue",
        "headerName": "逾期天数",
        "filter": "agNumberColumnFilter",
        "maxWidth": 110,
    },
    {"field": "last_contact_on", "headerName": "最近联系"},
    {"field": "follow_up_count", "headerName": "已跟进次数", "maxWidth": 120},
    {"field": "consultant", "headerName": "置业顾问 "},
    {"field": "project", "headerName": "项目"},
]
BIRTHDAYS = [
    LINK,
    {"field": "name", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机", "minWidth": 120},
    {"field": "birthday", "headerName": "生日", "maxWidth": 100},
    {"field": "days_to_birthday", "headerName": "还有天数", "maxWidth": 110},
    {"field": "age", "headerName": "岁数", "maxWidth": 90},
    {"field": "stage_label", "headerName": "阶段", "maxWidth": 90},
    {"field": "consultant", "headerName": "置业顾问 "},
]
TRANSFERRED = [
    LINK,
    {"field": "name", "headerName": "客户"},
    {"field": "mobile", "headerName": "手机", "minWidth": 120},
    {"field": "stage_label", "headerName": "阶段", "maxWidth": 90},
    {"field": "transferred_at", "headerName": "接转时间"},
    {"field": "transferred_from", "headerName": "原置业顾问"},
    {"field": "reason", "headerName": "原因"},
    {"field": "next_follow_up_on", "headerName": "下次跟进"},
]


def layout(**_query):
    user = auth.viewer()
    owner = user.role_code in (RoleCode.CONSULTANT, RoleCode.MANAGER)
    controls = dbc.Row(
        [
            dbc.Col(
                dbc.Checklist(
                    id=ids.REM_MINE,
                    options=[{"label": _("只看我自己的客户"), "value": "mine"}],
                    value=["mine"] if user.role_code == RoleCode.CONSULTANT else [],
                    switch=True,
                ),
                width="auto",
                style={} if owner else {"display": "none"},
            ),
            dbc.Col(
                dbc.InputGroup(
                    [
                        dbc.InputGroupText(_("生日提前天数")),
                        dbc.Select(
                            id=ids.REM_DAYS,
                            options=[{"label": str(d), "value": d} for d in (7, 15, 30, 60)],
                            value=30,
                        ),
                    ],
                    size="sm",
                ),
                width="auto",
            ),
            dbc.Col(html.Div(id=ids.REM_SUMMARY, className="text-muted small pt-1")),
        ],
        className="mb-2 g-3 align-items-center",
    )
    return html.Div(
        [
            page_title(_("跟进提醒")),
            controls,
            dcc.Loading(
                [
                    html.H2(_("待跟进（今日及逾期）"), className="h6 mt-2"),
                    grid(ids.REM_OVERDUE, OVERDUE, height=330),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    html.H2(_("近期生日"), className="h6 mt-3"),
                                    grid(ids.REM_BIRTHDAYS, BIRTHDAYS, height=300),
                                ],
                                lg=6,
                            ),
                            dbc.Col(
                                [
                                    html.H2(_("接转给我的客户（30 天内）"), className="h6 mt-3"),
                                    grid(ids.REM_TRANSFERRED, TRANSFERRED, height=300),
                                ],
                                lg=6,
                            ),
                        ]
                    ),
                ],
                type="dot",
            ),
        ]
    )
