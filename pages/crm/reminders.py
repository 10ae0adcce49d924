"""跟进提醒: overdue and due follow-ups, coming birthdays and customers handed over to me."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth, exports
from dashboard.components import grid, page_title
from dashboard.i18n import _
from data_layer.models import RoleCode
from pages.crm import columns, ids

dash.register_page(
    __name__,
    path="/crm/reminders",
    nav_module="crm",
    label="跟进提醒",
    permission="crm.customers",
    order=420,
    title="跟进提醒 · Loupan",
)


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
                    exports.heading(
                        _("待跟进（今日及逾期）"),
                        ids.REM_OVERDUE_EXPORT,
                        ids.REM_OVERDUE_DOWNLOAD,
                        class_name="mt-2",
                    ),
                    grid(ids.REM_OVERDUE, columns.OVERDUE, height=330),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    exports.heading(
                                        _("近期生日"),
                                        ids.REM_BIRTHDAYS_EXPORT,
                                        ids.REM_BIRTHDAYS_DOWNLOAD,
                                    ),
                                    grid(ids.REM_BIRTHDAYS, columns.BIRTHDAYS, height=300),
                                ],
                                lg=6,
                            ),
                            dbc.Col(
                                [
                                    exports.heading(
                                        _("接转给我的客户（30 天内）"),
                                        ids.REM_TRANSFERRED_EXPORT,
                                        ids.REM_TRANSFERRED_DOWNLOAD,
                                    ),
                                    grid(ids.REM_TRANSFERRED, columns.TRANSFERRED, height=300),
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
