"""价格走势: weekly average list and deal price per m², adjustment events, drill to a unit."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import format
from dashboard.charts import GRAPH_CONFIG
from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from pages.inventory import columns, ids

dash.register_page(
    __name__,
    path="/analytics/price-trend",
    nav_module="analytics",
    label="价格走势",
    permission="inventory.view",
    order=832,
    title="价格走势 · Loupan",
)


def _heading(title, button, download):
    return html.Div(
        [
            html.H6(title, className="mb-0"),
            html.Div(export_button(button, download), className="ms-auto"),
        ],
        className="d-flex align-items-center mb-2",
    )


def layout(**_query):
    fmt = format.current()
    return html.Div(
        [
            page_title(_("价格走势")),
            html.Div(
                [
                    dcc.Dropdown(
                        id=ids.TREND_BUILDING,
                        placeholder=_("全部楼栋（项目汇总）"),
                        style={"minWidth": "260px"},
                    ),
                    dcc.Dropdown(
                        id=ids.TREND_UNIT,
                        placeholder=_("全部房间（楼栋汇总）"),
                        style={"minWidth": "220px"},
                    ),
                    html.Span(
                        _("选择楼栋、房间逐级查看；三角形标记为调价事件。"),
                        className="text-muted small",
                    ),
                ],
                className="d-flex flex-wrap gap-2 align-items-center mb-2",
            ),
            html.Div(id=ids.TREND_TITLE, className="visually-hidden"),
            dcc.Graph(id=ids.TREND_GRAPH, config=GRAPH_CONFIG),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            _heading(
                                _("调价事件"), ids.TREND_EVENTS_EXPORT, ids.TREND_EVENTS_DOWNLOAD
                            ),
                            grid(
                                ids.TREND_EVENTS,
                                columns.trend_event_columns(fmt),
                                height=260,
                            ),
                        ],
                        lg=6,
                    ),
                    dbc.Col(
                        [
                            _heading(
                                _("房间价格历史"),
                                ids.TREND_HISTORY_EXPORT,
                                ids.TREND_HISTORY_DOWNLOAD,
                            ),
                            grid(
                                ids.TREND_HISTORY,
                                columns.history_columns(fmt),
                                height=260,
                            ),
                        ],
                        lg=6,
                    ),
                ],
                className="g-3",
            ),
        ]
    )
