"""收据 / 退款单: one receipt or refund voucher laid out for printing, with the amount in
人民币大写."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import auth
from dashboard.db import reader
from dashboard.i18n import _
from data_layer.queries import finance as queries
from pages.finance import ids

dash.register_page(
    __name__,
    path="/finance/receipt",
    permission="finance.view",
    title="收据 · Loupan",
)


def sheet(printed: queries.PrintedReceipt):
    rows = [
        html.Tr(
            [
                html.Th(_("收款人") if printed.refund else _("交款人")),
                html.Td(printed.payer),
                html.Th(_("房间")),
                html.Td(f"{printed.project} {printed.unit}"),
            ]
        ),
        html.Tr(
            [
                html.Th(_("客户")),
                html.Td(printed.customer),
                html.Th(_("退款方式") if printed.refund else _("收款方式")),
                html.Td(printed.method),
            ]
        ),
    ]
    for label, amount in printed.lines:
        rows.append(
            html.Tr([html.Th(_("款项")), html.Td(label), html.Th(_("金额")), html.Td("¥" + amount)])
        )
    rows.append(
        html.Tr(
            [
                html.Th(_("金额大写")),
                html.Td(
                    _("人民币") + printed.capital,
                    colSpan=3,
                    className="receipt-capital",
                    id="receipt-capital",
                ),
            ]
        )
    )
    rows.append(
        html.Tr(
            [
                html.Th(_("金额小写")),
                html.Td("¥" + printed.amount_text, colSpan=3, id="receipt-amount"),
            ]
        )
    )
    if printed.notes:
        rows.append(html.Tr([html.Th(_("备注")), html.Td(printed.notes, colSpan=3)]))
    content = [
        html.H1(_("退 款 单") if printed.refund else _("收 款 收 据")),
        html.Div(printed.company, className="text-center mb-2"),
        html.Div(
            [
                html.Span(_("日期：{d}", d=printed.received_on.isoformat())),
                html.Span(_("编号：{n}", n=printed.number), id="receipt-number"),
            ],
            className="receipt-meta",
        ),
        html.Table(rows),
        html.Div(
            [
                html.Span(_("付款单位（盖章）：") if printed.refund else _("收款单位（盖章）：")),
                html.Span(_("经办人：{name}", name=printed.cashier)),
                html.Span(_("收款人签字：") if printed.refund else _("交款人签字：")),
            ],
            className="receipt-sign",
        ),
    ]
    if printed.status != "已审核":
        content.insert(1, html.Div(_(printed.status), className="receipt-void"))
    return html.Div(content, className="receipt-sheet", id=ids.PRINT_SHEET)


def layout(id=None, **_query):
    user = auth.viewer()
    printed = None
    if id and str(id).isdigit():
        printed = queries.receipt_for_print(reader(), user, int(id))
    if printed is None:
        return dbc.Alert(_("收据不存在。"), color="warning")
    return html.Div(
        [
            html.Div(
                [
                    dbc.Button(
                        _("打印"), id=ids.PRINT_BUTTON, color="primary", size="sm", className="me-2"
                    ),
                    html.A(_("返回退款登记"), href="/finance/refunds", className="small")
                    if printed.refund
                    else html.A(_("返回收款登记"), href="/finance/receipts", className="small"),
                ],
                className="no-print mb-3",
            ),
            sheet(printed),
        ]
    )
