"""退款登记: pay out what a closed deal (退房, 挞定, 换房, 过期) owes the buyer by a numbered
refund voucher (退款单), audited and reversed like a receipt."""

import uuid

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth, exports
from dashboard.components import export_button, grid, page_title
from dashboard.db import reader
from dashboard.i18n import _, language
from data_layer import authz
from data_layer.queries import deals as deal_queries
from pages.finance import columns, ids
from pages.finance.widgets import date_input, field

dash.register_page(
    __name__,
    path="/finance/refunds",
    nav_module="finance",
    label="退款登记",
    permission="finance.view",
    order=705,
    title="退款登记 · Loupan",
)


def layout(**_query):
    user = auth.viewer()
    methods = [
        o
        for o in deal_queries.code_options(reader(), "payment_method", language())
        if o["value"] != "bank"
    ]
    form = dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        field(
                            "交易（待退款：已关闭，或面积补差应退）",
                            dcc.Dropdown(id=ids.RF_DEAL, placeholder=_("选择交易")),
                            5,
                        ),
                        field(
                            "退款金额（元）",
                            dbc.Input(id=ids.RF_AMOUNT, type="text", inputMode="decimal"),
                            2,
                        ),
                        field(
                            "退款方式",
                            dbc.Select(id=ids.RF_METHOD, options=methods, value="transfer"),
                            2,
                        ),
                        field("退款日期", date_input(ids.RF_DATE), 3),
                    ],
                    className="g-2",
                ),
                dbc.Row(
                    [
                        field("收款人（默认为客户）", dbc.Input(id=ids.RF_PAYEE, maxLength=100), 3),
                        field(
                            "退款单号（留空自动编号）",
                            dbc.Input(id=ids.RF_NUMBER, maxLength=32),
                            3,
                        ),
                        field("备注", dbc.Input(id=ids.RF_NOTES, maxLength=200), 4),
                        dbc.Col(
                            dbc.Button(
                                _("登记退款"),
                                id=ids.RF_SUBMIT,
                                color="primary",
                                disabled=not authz.has(user, "finance.edit"),
                            ),
                            md=2,
                            className="align-self-end",
                        ),
                    ],
                    className="g-2 mt-1",
                ),
                html.P(
                    _(
                        "退款单登记后须在“收据审核”中审核才计为已退；审核后不能修改或作废，只能红冲。"
                    ),
                    className="text-muted small mt-2 mb-1",
                ),
                dcc.Store(id=ids.RF_TOKEN, data=uuid.uuid4().hex),
                html.Div(id=ids.RF_FEEDBACK),
            ]
        ),
        className="mb-3 shadow-sm",
    )
    return html.Div(
        [
            page_title(_("退款登记")),
            form,
            dbc.Row(
                [
                    dbc.Col(html.H2(_("待退款"), className="h6 mb-0"), width="auto"),
                    dbc.Col(export_button(ids.RF_EXPORT, ids.RF_DOWNLOAD), width="auto"),
                ],
                className="g-2 mb-1 align-items-center justify-content-between",
            ),
            grid(
                ids.RF_GRID, columns.REFUNDS, height=300, dashGridOptions={"rowSelection": "single"}
            ),
            exports.heading(_("该交易的退款单"), ids.RF_VOUCHERS_EXPORT, ids.RF_VOUCHERS_DOWNLOAD),
            grid(ids.RF_VOUCHERS, columns.RECEIPTS, height=240),
        ]
    )
