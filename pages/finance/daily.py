"""收款日报: the day's receipts with totals by method and by type; the totals are the sums of
the listed receipts. Exportable to Excel."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import exports
from dashboard.components import grid, page_title
from dashboard.i18n import _
from pages.finance import columns, ids
from pages.finance.widgets import date_input, field

dash.register_page(
    __name__,
    path="/finance/daily",
    nav_module="finance",
    label="收款日报",
    permission="finance.view",
    order=730,
    title="收款日报 · Loupan",
)


def layout(**_query):
    return html.Div(
        [
            page_title(_("收款日报")),
            dbc.Row(
                [
                    field("日期", date_input(ids.DR_DATE), 3),
                ],
                className="g-2 mb-2",
            ),
            exports.heading(_("汇总"), ids.DR_EXPORT, ids.DR_DOWNLOAD, class_name=""),
            grid(
                ids.DR_TOTALS,
                columns.DAILY_TOTALS,
                height=560,  # by method, by kind, by status, then 收款 / 退款 / 净额
                dashGridOptions={"pagination": False},
            ),
            exports.heading(_("收据明细"), ids.DR_GRID_EXPORT, ids.DR_GRID_DOWNLOAD),
            grid(ids.DR_GRID, columns.DAILY_RECEIPTS, height=460),
        ]
    )
