"""置业计划书 (print): one saved quote laid out for printing and handing to the customer."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import auth
from dashboard.db import reader
from dashboard.i18n import _
from data_layer.queries import quotes as queries
from pages.plan import quote_ids as ids
from pages.plan.quote_sheet import sheet

dash.register_page(
    __name__,
    path="/plan/quote/print",
    permission="quote.view",
    title="置业计划书 · Loupan",
)


def layout(id=None, **_query):
    printed = queries.quote_for_print(reader(), auth.viewer(), id)
    if printed is None:
        return dbc.Alert(_("置业计划书不存在或您无权查看。"), color="warning", id="quote-missing")
    customer = printed.quote.customer_id
    return html.Div(
        [
            html.Div(
                [
                    dbc.Button(
                        [html.I(className="bi bi-printer me-1"), _("打印")],
                        id=ids.PRINT_BUTTON,
                        color="primary",
                        size="sm",
                        className="me-3",
                    ),
                    html.A(_("返回客户"), href=f"/crm/customer/{customer}", className="small me-3"),
                    html.A(_("计划书列表"), href="/plan/quotes", className="small"),
                ],
                className="no-print mb-3",
            ),
            sheet(printed, sheet_id=ids.PRINT_SHEET),
        ]
    )
