"""合同管理: sign a subscribed deal's contract, then audit (审核) and file (备案) it; withdraw a
filing (撤销备案) before the deal may be swapped, cancelled, forfeited or renamed."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from data_layer import authz
from pages.deals import columns, ids

dash.register_page(
    __name__,
    path="/deals/contracts",
    nav_module="deals",
    label="合同管理",
    permission="deal.view",
    order=630,
    title="合同管理 · Loupan",
)


def layout(**_query):
    user = auth.viewer()
    # Every button stays in the layout (one callback serves them); roles see only theirs.
    can_sign = {} if authz.has(user, "deal.create") else {"display": "none"}
    can_approve = {} if authz.has(user, "deal.approve") else {"display": "none"}
    sign = [
        dbc.Col(
            dbc.Input(id=ids.CT_NUMBER, placeholder=_("合同编号"), maxLength=50),
            md=3,
            style=can_sign,
        ),
        dbc.Col(
            dbc.Select(
                id=ids.CT_HOMES,
                options=[
                    {"label": _("首套房"), "value": "1"},
                    {"label": _("第二套"), "value": "2"},
                    {"label": _("第三套及以上"), "value": "3"},
                ],
                value="1",
            ),
            md=2,
            style=can_sign,
        ),
        dbc.Col(
            dbc.Button(_("签约"), id=ids.CT_SIGN, color="primary"), width="auto", style=can_sign
        ),
    ]
    approve = [
        dbc.Col(
            dbc.Button(_("审核"), id=ids.CT_AUDIT, color="success"), width="auto", style=can_approve
        ),
        dbc.Col(
            dbc.Input(id=ids.CT_FILING, placeholder=_("备案号"), maxLength=50),
            md=2,
            style=can_approve,
        ),
        dbc.Col(
            dbc.Button(_("备案"), id=ids.CT_FILE, color="secondary"),
            width="auto",
            style=can_approve,
        ),
        dbc.Col(
            dbc.Input(id=ids.CT_UNFILE_REASON, placeholder=_("撤销备案原因"), maxLength=200),
            md=2,
            style=can_approve,
        ),
        dbc.Col(
            dbc.Button(_("撤销备案"), id=ids.CT_UNFILE, color="danger", outline=True),
            width="auto",
            style=can_approve,
        ),
    ]
    return html.Div(
        [
            page_title(_("合同管理")),
            html.P(
                _("在表格中选择交易，然后签约、审核、备案或撤销备案。"),
                className="text-muted small",
            ),
            dbc.Row(
                [
                    *sign,
                    *approve,
                    dbc.Col(export_button(ids.CT_EXPORT, ids.CT_DOWNLOAD), width="auto"),
                ],
                className="g-2 mb-2",
            ),
            html.Div(id=ids.CT_FEEDBACK),
            dcc.Store(id=ids.CT_DEAL),
            grid(
                ids.CT_GRID,
                columns.CONTRACTS,
                height=480,
                dashGridOptions={"rowSelection": "single"},
            ),
        ]
    )
