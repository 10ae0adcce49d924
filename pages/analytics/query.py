"""领导查询: a filtered, exportable view of deals, customers and receipts across projects."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from pages.analytics import ids
from pages.analytics.widgets import period_filter

dash.register_page(
    __name__,
    path="/analytics/query",
    nav_module="analytics",
    label="领导查询",
    permission="analytics.query",
    order=810,
    title="领导查询 · Loupan",
)

KINDS = {"deals": "成交", "customers": "客户", "receipts": "收款"}


def layout(**_query):
    return html.Div(
        [
            page_title(_("领导查询")),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.RadioItems(
                            id=ids.Q_KIND,
                            options=[{"label": _(v), "value": k} for k, v in KINDS.items()],
                            value="deals",
                            inline=True,
                        ),
                        md="auto",
                    ),
                    dbc.Col(
                        export_button(ids.Q_EXPORT, ids.Q_DOWNLOAD), md="auto", className="ms-auto"
                    ),
                ],
                className="mb-2 align-items-center",
            ),
            period_filter("lq-preset", ids.Q_PERIOD),
            html.Div(id=ids.Q_INFO, className="text-muted small mb-1"),
            grid(ids.Q_GRID, [], height=560),
        ]
    )
