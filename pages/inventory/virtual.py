"""虚拟销控 / 放盘: the customer-facing chart of a building, and releasing units in batches."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.charts import GRAPH_CONFIG
from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from data_layer import authz
from pages.inventory import ids
from pages.inventory.columns import RELEASE_COLUMNS

dash.register_page(
    __name__,
    path="/analytics/virtual",
    nav_module="analytics",
    label="虚拟销控",
    permission="inventory.view",
    order=820,
    title="虚拟销控 · Loupan",
)


def layout(**_query):
    # The actions stay in the layout (one callback serves them) but only roles that may
    # release units see them; the others would get a refusal for every click.
    can_edit = {} if authz.has(auth.viewer(), "inventory.edit") else {"display": "none"}
    actions = html.Div(
        [
            dbc.Input(
                id=ids.RELEASE_BATCH,
                placeholder=_("放盘批次，如：二期一批"),
                size="sm",
                style={"width": "180px"},
            ),
            dbc.Button(_("放盘"), id=ids.RELEASE_BUTTON, color="success", size="sm"),
            dbc.Input(
                id=ids.WITHDRAW_REASON,
                placeholder=_("撤盘 / 不可售原因"),
                size="sm",
                style={"width": "180px"},
            ),
            dbc.Button(_("撤盘"), id=ids.WITHDRAW_BUTTON, color="warning", size="sm"),
            dbc.Button(_("设为不可售"), id=ids.NOT_FOR_SALE_BUTTON, color="secondary", size="sm"),
            dbc.Button(
                _("客户销控显示已售"),
                id=ids.VIRTUAL_SOLD_BUTTON,
                color="dark",
                size="sm",
                outline=True,
            ),
            dbc.Button(
                _("恢复真实状态"),
                id=ids.VIRTUAL_UNSOLD_BUTTON,
                color="dark",
                size="sm",
                outline=True,
            ),
        ],
        id=ids.RELEASE_ACTIONS,
        className="d-flex flex-wrap gap-2 align-items-center",
        style=can_edit,
    )
    tools = html.Div(
        [
            actions,
            html.Div(export_button(ids.RELEASE_EXPORT, ids.RELEASE_DOWNLOAD), className="ms-auto"),
        ],
        className="d-flex flex-wrap gap-2 align-items-center mb-2",
    )
    return html.Div(
        [
            page_title(_("虚拟销控")),
            html.P(
                _(
                    "左侧是客户在选房时看到的销控（可售 / 已售 / 未开放）；右侧勾选房间进行放盘、撤盘，或让房间在客户销控中显示为已售（真实状态不变）。"  # noqa: E501
                ),
                className="text-muted small",
            ),
            dcc.Dropdown(
                id=ids.VIRTUAL_BUILDING,
                placeholder=_("选择楼栋"),
                clearable=False,
                style={"maxWidth": "280px"},
                className="mb-2",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Div(id=ids.VIRTUAL_LEGEND, className="mb-1"),
                            dcc.Graph(
                                id=ids.VIRTUAL_GRAPH,
                                config={**GRAPH_CONFIG, "displayModeBar": False},
                            ),
                        ],
                        lg=6,
                    ),
                    dbc.Col(
                        [
                            tools,
                            html.Div(id=ids.RELEASE_FEEDBACK),
                            grid(
                                ids.RELEASE_GRID,
                                RELEASE_COLUMNS,
                                height=560,
                                dashGridOptions={
                                    "rowSelection": "multiple",
                                    "suppressRowClickSelection": True,
                                },
                                getRowId="params.data.id",
                            ),
                        ],
                        lg=6,
                    ),
                ]
            ),
            dcc.Store(id=ids.VIRTUAL_FINGERPRINT),
            dcc.Interval(id=ids.VIRTUAL_INTERVAL, interval=2000),
        ]
    )
