"""收款日报: the day's receipts with totals by method and by type; the totals are the sums of
the listed receipts. Exportable to Excel."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import export_button, grid, page_title
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
    receipt_columns = [c for c in columns.RECEIPTS if c["field"] != "number"]
    receipt_columns.insert(0, {"field": "number", "headerName": "收据编号", "minWidth": 140})
    return html.Div(
        [
            page_title(_("收款日报")),
            dbc.Row(
                [
                    field("日期", date_input(ids.DR_DATE), 3),
                    dbc.Col(
                        export_button(ids.DR_EXPORT, ids.DR_DOWNLOAD),
                        md=3,
                        className="align-self-end",
                    ),
                ],
                className="g-2 mb-2",
            ),
            html.H2(_("汇总"), className="h6"),
            grid(
                ids.DR_TOTALS,
                columns.DAILY_TOTALS,
                height=420,  # by method, by kind, then 收款 / 退款 / 净额
                dashGridOptions={"pagination": False},
            ),
            html.H2(_("收据明细"), className="h6 mt-3"),
            grid(ids.DR_GRID, receipt_columns, height=460),
        ]
    )
