"""催款: overdue receivables with aging buckets (≤30, 31–60, 61–90, >90 days), exportable."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import exports
from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from pages.finance import columns, ids
from pages.finance.widgets import HEADER_PX, ROW_PX, SUMMARY_ROWS

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
            # No pages: the callback sizes it to its rows (up to 12 shown, then it scrolls).
            grid(
                ids.DN_SUMMARY,
                columns.AGING,
                height=HEADER_PX + SUMMARY_ROWS * ROW_PX + 4,
                dashGridOptions={"pagination": False},
            ),
            exports.heading(_("逾期明细"), ids.DN_GRID_EXPORT, ids.DN_GRID_DOWNLOAD),
            grid(ids.DN_GRID, columns.OVERDUE, height=460),
        ]
    )
