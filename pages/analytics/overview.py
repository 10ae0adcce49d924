"""经营总览: the executive overview across projects for a chosen period, drilling down to a
project and from there to the detailed pages."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from pages.analytics import ids
from pages.analytics.columns import PROJECT_COLUMNS
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
                            export_button(ids.GRID_EXPORT, ids.GRID_DOWNLOAD),
                        ],
                        className="d-flex justify-content-between align-items-center py-2",
                    ),
                    dbc.CardBody(project_grid(), className="p-2"),
                ],
                className="shadow-sm mb-3",
            ),
        ]
    )
