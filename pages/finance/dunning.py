"""催款: overdue receivables with aging buckets (≤30, 31–60, 61–90, >90 days), exportable."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import exports
from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from pages.finance import columns, ids

dash.register_page(
    __name__,
    path="/finance/dunning",
    nav_module="finance",
    label="催款管理",
    permission="finance.view",
    order=720,
    title="催款管理 · Loupan",
)


def layout(**_query):
    return html.Div(
        [
            page_title(_("催款管理")),
            html.Div(id=ids.DN_KPIS, className="mb-2"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.RadioItems(
                            id=ids.DN_BY,
                            options=[
                                {"label": _("按置业顾问"), "value": "consultant"},
                                {"label": _("按项目"), "value": "project"},
                            ],
                            value="consultant",
                            inline=True,
                        ),
                        md=6,
                    ),
                    dbc.Col(
                        export_button(ids.DN_EXPORT, ids.DN_DOWNLOAD), md=6, className="text-end"
                    ),
                ],
                className="mb-2",
            ),
            grid(ids.DN_SUMMARY, columns.AGING, height=220),
            exports.heading(_("逾期明细"), ids.DN_GRID_EXPORT, ids.DN_GRID_DOWNLOAD),
            grid(ids.DN_GRID, columns.OVERDUE, height=460),
        ]
    )
