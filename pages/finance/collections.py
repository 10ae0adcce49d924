"""回款分析: money received by type against receivables due, cumulative collection rate,
outstanding by aging bucket; click a bar to list the receipts or overdue deals behind it."""

from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import exports
from dashboard.charts import GRAPH_CONFIG
from dashboard.components import grid, page_title
from dashboard.i18n import _
from data_layer import localtime
from pages.finance import columns, ids
from pages.finance.widgets import date_input, field

dash.register_page(
    __name__,
    path="/finance/collections",
    nav_module="finance",
    label="回款分析",
    permission="finance.view",
    order=740,
    title="回款分析 · Loupan",
)


def layout(**_query):
    today = localtime.today()
    grains = [
        {"label": _("按日"), "value": "day"},
        {"label": _("按周"), "value": "week"},
        {"label": _("按月"), "value": "month"},
    ]
    return html.Div(
        [
            page_title(_("回款分析")),
            dbc.Row(
                [
                    field(
                        "开始日期",
                        date_input(ids.CO_START, date(today.year - 1, today.month, 1)),
                        2,
                    ),
                    field("结束日期", date_input(ids.CO_END, today), 2),
                    dbc.Col(
                        dbc.RadioItems(id=ids.CO_GRAIN, options=grains, value="month", inline=True),
                        md=4,
                        className="align-self-end",
                    ),
                ],
                className="g-2 mb-2",
            ),
            html.Div(id=ids.CO_KPIS, className="mb-2"),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Graph(id=ids.CO_CHART, config=GRAPH_CONFIG, style={"height": "440px"}),
                        lg=8,
                    ),
                    dbc.Col(
                        dcc.Graph(id=ids.CO_AGING, config=GRAPH_CONFIG, style={"height": "440px"}),
                        lg=4,
                    ),
                ]
            ),
            exports.heading(
                html.H2(id=ids.CO_DRILL_TITLE, className="h6 mb-0", children=_("点击柱形查看明细")),
                ids.CO_DRILL_EXPORT,
                ids.CO_DRILL_DOWNLOAD,
                class_name="mt-2",
            ),
            dcc.Store(id=ids.CO_DRILL_SOURCE),
            # The drill callback switches the columns: receipts, or an aging bar's receivables.
            grid(ids.CO_DRILL, columns.DAILY_RECEIPTS, height=320),
        ]
    )
