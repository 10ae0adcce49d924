"""业绩考核: subscriptions per month, team and consultant against the sales plan."""

from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.charts import GRAPH_CONFIG
from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from data_layer import localtime
from pages.finance import columns, ids
from pages.finance.widgets import date_input, field

dash.register_page(
    __name__,
    path="/deals/performance",
    nav_module="deals",
    label="业绩考核",
    permission="deal.view",
    order=640,
    title="业绩考核 · Loupan",
)


def layout(**_query):
    today = localtime.today()
    return html.Div(
        [
            page_title(_("业绩考核")),
            dbc.Row(
                [
                    field("开始日期", date_input(ids.PF_START, date(today.year, 1, 1)), 2),
                    field("结束日期", date_input(ids.PF_END, today), 2),
                    dbc.Col(
                        export_button(ids.PF_EXPORT, ids.PF_DOWNLOAD),
                        md=3,
                        className="align-self-end",
                    ),
                ],
                className="g-2 mb-2",
            ),
            dcc.Graph(id=ids.PF_CHART, config=GRAPH_CONFIG, style={"height": "380px"}),
            grid(ids.PF_GRID, columns.PERFORMANCE, height=380),
        ]
    )
