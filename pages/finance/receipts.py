"""收款登记: record money received for a deal, allocated to its receivables; print the receipt."""

import uuid

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth, exports
from dashboard.components import feedback, grid, page_title
from dashboard.db import reader
from dashboard.i18n import _, language
from data_layer import authz
from data_layer.queries import deals as deal_queries
from data_layer.queries import finance as finance_queries
from pages.finance import columns, ids
from pages.finance.widgets import date_input, field, no_live_deal

dash.register_page(
    __name__,
    path="/finance/receipts",
    nav_module="finance",
    label="收款登记",
    permission="finance.view",
    order=700,
    title="收款登记 · Loupan",
)


def layout(deal=None, **_query):
    user = auth.viewer()
    can_edit = authz.has(user, "finance.edit")
    methods = deal_queries.code_options(reader(), "payment_method", language())
    # Options in the layout so that ?deal=N preselects a deal before any callback runs.
    deals = finance_queries.deal_options(reader(), user, None)
    chosen = int(deal) if deal and str(deal).isdigit() else None
    # A link to a closed deal (退房, 换房…): it is not offered; say why and where refunds go.
    closed = chosen is not None and chosen not in {d["value"] for d in deals}
    form = dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        field(
                            "交易（房间 客户）",
                            dcc.Dropdown(
                                id=ids.RC_DEAL,
                                placeholder=_("选择交易"),
                                options=deals,
                                value=None if closed else chosen,
                            ),
                            5,
                        ),
                        field(
                            "收款金额（元）",
                            dbc.Input(id=ids.RC_AMOUNT, type="text", inputMode="decimal"),
                            2,
                        ),
                        field(
                            "收款方式",
                            dbc.Select(id=ids.RC_METHOD, options=methods, value="transfer"),
                            2,
                        ),
                        field("收款日期", date_input(ids.RC_DATE), 3),
                    ],
                    className="g-2",
                ),
                dbc.Row(
                    [
                        field("付款人（默认为客户）", dbc.Input(id=ids.RC_PAYER, maxLength=100), 3),
                        field(
                            "收据编号（留空自动编号）", dbc.Input(id=ids.RC_NUMBER, maxLength=32), 3
                        ),
                        field("备注", dbc.Input(id=ids.RC_NOTES, maxLength=200), 4),
                        dbc.Col(
                            dbc.Button(
                                _("登记收款"),
                                id=ids.RC_SUBMIT,
                                color="primary",
                                disabled=not can_edit,
                            ),
                            md=2,
                            className="align-self-end",
                        ),
                    ],
                    className="g-2 mt-1",
                ),
                html.P(
                    _(
                        "不填“本次分配”时，金额按到期先后分配到该付款方的应收款；银行放款自动分配到按揭款。"
                    ),
                    className="text-muted small mt-2 mb-1",
                ),
                dcc.Store(id=ids.RC_TOKEN, data=uuid.uuid4().hex),
                html.Div(
                    feedback(no_live_deal(), ok=False) if closed else None, id=ids.RC_FEEDBACK
                ),
            ]
        ),
        className="mb-3 shadow-sm",
    )
    return html.Div(
        [
            page_title(_("收款登记")),
            form,
            exports.heading(
                _("应收款"), ids.RC_RECEIVABLES_EXPORT, ids.RC_RECEIVABLES_DOWNLOAD, class_name=""
            ),
            grid(
                ids.RC_RECEIVABLES,
                columns.OPEN_RECEIVABLES,
                height=260,
                dashGridOptions={"singleClickEdit": True, "pagination": False},
            ),
            exports.heading(_("该交易的收据"), ids.RC_RECEIPTS_EXPORT, ids.RC_RECEIPTS_DOWNLOAD),
            grid(ids.RC_RECEIPTS, columns.RECEIPTS, height=260),
        ]
    )
