"""交易变更: request 挞定/退房/换房/更名/额外优惠 on a deal; managers approve or reject."""

import uuid

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
    path="/deals/changes",
    nav_module="deals",
    label="交易变更",
    permission="deal.view",
    order=620,
    title="交易变更 · Loupan",
)


def _field(label, control, md=3):
    return dbc.Col([dbc.Label(_(label), className="small mb-0"), control], md=md)


def layout(**_query):
    user = auth.viewer()
    kinds = [
        {"label": _("挞定"), "value": "forfeit"},
        {"label": _("退房"), "value": "cancel"},
        {"label": _("换房"), "value": "swap"},
        {"label": _("更名"), "value": "rename"},
        {"label": _("额外优惠"), "value": "discount"},
    ]
    request_form = dbc.Card(
        dbc.CardBody(
            [
                html.H2(_("申请变更"), className="h6"),
                dbc.Row(
                    [
                        _field("交易", dcc.Dropdown(id=ids.CH_DEAL, placeholder=_("选择交易")), 4),
                        _field("变更类型", dcc.Dropdown(id=ids.CH_KIND, options=kinds), 2),
                        _field("挞定/退房原因", dcc.Dropdown(id=ids.CH_REASON_CODE), 2),
                        _field("换至房间", dcc.Dropdown(id=ids.CH_UNIT), 2),
                        _field("新客户", dcc.Dropdown(id=ids.CH_CUSTOMER), 2),
                    ],
                    className="g-2",
                ),
                dbc.Row(
                    [
                        _field("额外优惠（元）", dbc.Input(id=ids.CH_EXTRA, type="text"), 2),
                        _field(
                            "新合同编号（已签约换房）",
                            dbc.Input(id=ids.CH_CONTRACT, maxLength=50),
                            2,
                        ),
                        _field("说明", dbc.Input(id=ids.CH_REASON, maxLength=200), 3),
                        dbc.Col(
                            dbc.Checkbox(
                                id=ids.CH_FAULT, label=_("开发商原因（双倍返还定金）"), value=False
                            ),
                            md=3,
                            className="align-self-end",
                        ),
                        dbc.Col(
                            dbc.Button(_("提交申请"), id=ids.CH_SUBMIT, color="primary"),
                            md=2,
                            className="align-self-end",
                        ),
                    ],
                    className="g-2 mt-1",
                ),
                dcc.Store(id=ids.CH_TOKEN, data=uuid.uuid4().hex),
                html.Div(id=ids.CH_FEEDBACK, className="mt-2"),
            ]
        ),
        className="mb-3 shadow-sm",
    )
    # The buttons are always in the layout (their callback needs them); only approvers see them.
    hidden = {} if authz.has(user, "deal.approve") else {"display": "none"}
    decide = [
        dbc.Col(
            dbc.Input(id=ids.AP_NOTE, placeholder=_("审批意见"), maxLength=200), md=4, style=hidden
        ),
        dbc.Col(
            dbc.Button(_("批准"), id=ids.AP_APPROVE, color="success"), width="auto", style=hidden
        ),
        dbc.Col(
            dbc.Button(_("驳回"), id=ids.AP_REJECT, color="danger", outline=True),
            width="auto",
            style=hidden,
        ),
    ]
    statuses = [
        {"label": _("待审批"), "value": "pending"},
        {"label": _("已批准"), "value": "approved"},
        {"label": _("已驳回"), "value": "rejected"},
    ]
    return html.Div(
        [
            page_title(_("交易变更")),
            request_form,
            html.H2(_("变更审批"), className="h6"),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(id=ids.AP_STATUS, options=statuses, value="pending"), md=2
                    ),
                    *decide,
                    dbc.Col(export_button(ids.AP_EXPORT, ids.AP_DOWNLOAD), className="text-end"),
                ],
                className="g-2 mb-2",
            ),
            html.Div(id=ids.AP_FEEDBACK),
            grid(
                ids.AP_GRID,
                columns.APPROVALS,
                height=380,
                dashGridOptions={"rowSelection": "single"},
            ),
        ]
    )
