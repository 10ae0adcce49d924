"""客户接转: a manager moves all or selected customers of a consultant (who leaves) to another."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import exports
from dashboard.components import grid, page_title
from dashboard.i18n import _
from pages.crm import columns, ids

dash.register_page(
    __name__,
    path="/crm/transfer",
    nav_module="crm",
    label="客户接转",
    permission="crm.transfer",
    order=430,
    title="客户接转 · Loupan",
)


def layout(**_query):
    return html.Div(
        [
            page_title(_("客户接转")),
            dbc.Alert(
                _(
                    "请先在顶部选择项目。选择原置业顾问后，可勾选部分客户接转，或一次接转其全部客户。"
                ),
                color="light",
                className="py-2 small",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label(_("原置业顾问")),
                            dcc.Dropdown(id=ids.TR_FROM, placeholder=_("请选择")),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label(_("接手置业顾问")),
                            dcc.Dropdown(id=ids.TR_TO, placeholder=_("请选择")),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label(_("接转原因")),
                            dbc.Input(id=ids.TR_REASON, maxlength=200, placeholder=_("如：离职")),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label(" ", className="d-block"),
                            dbc.Button(
                                _("接转所选"), id=ids.TR_SELECTED, color="primary", className="me-2"
                            ),
                            dbc.Button(_("全部接转"), id=ids.TR_ALL, color="warning", outline=True),
                        ],
                        md=3,
                    ),
                ],
                className="g-2 mb-2",
            ),
            html.Div(id=ids.TR_FEEDBACK),
            exports.heading(
                html.Div(id=ids.TR_INFO, className="text-muted small"),
                ids.TR_EXPORT,
                ids.TR_DOWNLOAD,
                class_name="",
            ),
            grid(
                ids.TR_GRID,
                columns.TRANSFER,
                height=520,
                dashGridOptions={"rowSelection": "multiple", "suppressRowClickSelection": True},
            ),
        ]
    )
