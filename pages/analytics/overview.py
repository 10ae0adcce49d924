"""经营总览: the executive overview across projects for a chosen period, drilling down to a
project and from there to the detailed pages."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from pages.analytics import ids
from pages.analytics.widgets import chart_card, period_filter

dash.register_page(
    __name__,
    path="/analytics/overview",
    nav_module="analytics",
    label="经营总览",
    permission="analytics.view",
    order=800,
    title="经营总览 · Loupan",
)

MONEY = {
    "type": "rightAligned",
    "minWidth": 130,
    "valueFormatter": {"function": "params.value == null ? '—' : d3.format(',.2f')(params.value)"},
}
RATE = {
    "type": "rightAligned",
    "valueFormatter": {"function": "params.value == null ? '—' : d3.format('.1%')(params.value)"},
}
COUNT = {"type": "rightAligned"}

PROJECT_COLUMNS = [
    {"field": "project", "headerName": "项目", "pinned": "left", "minWidth": 120},
    {"field": "sales_amount", "headerName": "销售金额", **MONEY},
    {"field": "plan_amount", "headerName": "计划金额", **MONEY},
    {"field": "amount_vs_plan", "headerName": "金额完成率", **RATE},
    {"field": "sales_units", "headerName": "销售套数", **COUNT},
    {"field": "plan_units", "headerName": "计划套数", **COUNT},
    {"field": "sell_through_count", "headerName": "去化率(套数)", **RATE},
    {"field": "sell_through_area", "headerName": "去化率(面积)", **RATE},
    {"field": "sell_through_value", "headerName": "去化率(货值)", **RATE},
    {"field": "received", "headerName": "实收", **MONEY},
    {"field": "due", "headerName": "应收", **MONEY},
    {"field": "collection_rate", "headerName": "回款率", **RATE},
    {"field": "stock_value", "headerName": "剩余货值", **MONEY},
    {"field": "visits", "headerName": "来访", **COUNT},
    {"field": "conversion", "headerName": "转化率", **RATE},
    {"field": "avg_price", "headerName": "成交均价(元/㎡)", **MONEY},
    {"field": "marketing_cost", "headerName": "营销费用", **MONEY},
    {"field": "cost_per_deal", "headerName": "营销费用/成交", **MONEY},
]


def project_grid():
    table = grid(ids.PROJECT_GRID, PROJECT_COLUMNS, height=300, getRowId="params.data.project_id")
    table.columnSize = "autoSize"  # wide table: scroll sideways rather than squeeze the figures
    return table


def layout(project=None, start=None, end=None, **_query):
    project_id = int(project) if project and str(project).isdigit() else None
    return html.Div(
        [
            dcc.Location(id=ids.NAVIGATE, refresh="callback-nav"),
            dcc.Store(id=ids.PROJECT, data=project_id),
            dcc.Store(id=ids.MEASURE, data="sales_amount"),
            dbc.Row(
                [
                    dbc.Col(page_title(_("经营总览")), xs="auto"),
                    dbc.Col(html.Div(id=ids.HEADER), className="pt-1"),
                ],
                className="align-items-start",
            ),
            period_filter(ids.PRESET, ids.PERIOD, start=start, end=end),
            html.Div(id=ids.ERROR),
            dcc.Loading(html.Div(id=ids.CARDS, className="ov-cards"), type="dot"),
            html.Div(id=ids.LINKS, className="mb-2"),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card(
                            _("销售金额与计划（按月）"), ids.SALES_CHART, ids.EXPORTS["sales"]
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        chart_card(
                            _("成交均价走势（元/㎡）"), ids.PRICE_CHART, ids.EXPORTS["price"]
                        ),
                        lg=6,
                    ),
                ]
            ),
            chart_card(_("按项目"), ids.PROJECT_CHART, ids.EXPORTS["projects"], height=320),
            dbc.Card(
                [
                    dbc.CardHeader(
                        [
                            html.Span(_("项目明细（点击项目查看）"), className="fw-semibold"),
                            export_button("ov-grid-export", "ov-grid-download"),
                        ],
                        className="d-flex justify-content-between align-items-center py-2",
                    ),
                    dbc.CardBody(project_grid(), className="p-2"),
                ],
                className="shadow-sm mb-3",
            ),
        ]
    )
