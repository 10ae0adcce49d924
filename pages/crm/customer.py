"""客户详情: one customer with every contact, visit, ownership change and deal in time order.
Reached from the lists (no menu entry); the content is loaded by a scoped callback."""

from datetime import timedelta

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.components import page_title
from dashboard.db import reader
from dashboard.i18n import _, language
from data_layer import authz, localtime
from data_layer.queries import crm as crm_queries
from pages.crm import ids
from pages.crm.labels import CONTACT_LABELS, LEVELS, STAGE_LABELS, one

dash.register_page(
    __name__,
    path_template="/crm/customer/<customer_id>",
    path="/crm/customer/0",
    permission="crm.customers",
    title="客户详情 · Loupan",
)


def _actions(user):
    cards = []
    if authz.has(user, "crm.edit"):
        reasons = crm_queries.code_labels(reader(), "lost_reason", language())
        cards.append(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2(_("添加跟进"), className="h6"),
                        dbc.RadioItems(
                            id=ids.FU_KIND,
                            options=[
                                {"label": one(v), "value": k} for k, v in CONTACT_LABELS.items()
                            ],
                            value="call",
                            inline=True,
                            className="mb-2",
                        ),
                        dbc.Textarea(
                            id=ids.FU_NOTES, placeholder=_("跟进内容"), maxlength=2000, rows=3
                        ),
                        dbc.Label(_("下次跟进日期"), className="mt-2 small"),
                        html.Div(
                            dcc.DatePickerSingle(
                                id=ids.FU_NEXT,
                                date=(localtime.today() + timedelta(days=7)).isoformat(),
                                min_date_allowed=localtime.today().isoformat(),
                                display_format="YYYY-MM-DD",
                                clearable=True,
                            )
                        ),
                        dbc.Button(
                            _("保存跟进"),
                            id=ids.FU_SUBMIT,
                            color="primary",
                            size="sm",
                            className="mt-2",
                        ),
                    ]
                ),
                className="shadow-sm mb-3",
            )
        )
        cards.append(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2(_("客户阶段"), className="h6"),
                        dcc.Dropdown(
                            id=ids.STAGE_VALUE,
                            options=[
                                {"label": one(v), "value": k}
                                for k, v in STAGE_LABELS.items()
                                if k != "deal"
                            ],
                            placeholder=_("转为…"),
                            className="mb-2",
                        ),
                        dcc.Dropdown(
                            id=ids.STAGE_LEVEL,
                            options=[{"label": lv, "value": lv} for lv in LEVELS],
                            placeholder=_("等级（机会客户必填）"),
                            className="mb-2",
                        ),
                        dcc.Dropdown(
                            id=ids.STAGE_REASON,
                            options=[{"label": v, "value": k} for k, v in reasons.items()],
                            placeholder=_("流失原因（流失必填）"),
                            className="mb-2",
                        ),
                        dbc.Button(
                            _("更新阶段"), id=ids.STAGE_SUBMIT, color="secondary", size="sm"
                        ),
                    ]
                ),
                className="shadow-sm mb-3",
            )
        )
    if authz.has(user, "crm.edit"):
        channels = crm_queries.code_labels(reader(), "channel", language())
        purposes = crm_queries.code_labels(reader(), "purpose", language())

        def row(label, component):
            return html.Div(
                [dbc.Label(_(label), className="small mb-0"), component], className="mb-2"
            )

        cards.append(
            dbc.Card(
                [
                    dbc.CardHeader(html.Span(_("修改资料"), className="h6"), className="bg-white"),
                    dbc.CardBody(
                        [
                            row("姓名", dbc.Input(id=ids.ED_NAME, maxlength=50, size="sm")),
                            row("身份证号", dbc.Input(id=ids.ED_ID, maxlength=18, size="sm")),
                            row(
                                "认知途径",
                                dcc.Dropdown(
                                    id=ids.ED_CHANNEL,
                                    options=[{"label": v, "value": k} for k, v in channels.items()],
                                ),
                            ),
                            row("意向户型", dbc.Input(id=ids.ED_LAYOUT, maxlength=50, size="sm")),
                            row(
                                "意向面积（㎡）",
                                dbc.InputGroup(
                                    [
                                        dbc.Input(id=ids.ED_AREA_MIN, type="number", min=0),
                                        dbc.InputGroupText("–"),
                                        dbc.Input(id=ids.ED_AREA_MAX, type="number", min=0),
                                    ],
                                    size="sm",
                                ),
                            ),
                            row(
                                "预算（元）",
                                dbc.Input(id=ids.ED_BUDGET, type="number", min=0, size="sm"),
                            ),
                            row(
                                "置业目的",
                                dcc.Dropdown(
                                    id=ids.ED_PURPOSE,
                                    options=[{"label": v, "value": k} for k, v in purposes.items()],
                                ),
                            ),
                            row("备注", dbc.Textarea(id=ids.ED_NOTES, maxlength=2000, rows=3)),
                            dbc.Button(
                                _("保存资料"), id=ids.ED_SUBMIT, color="secondary", size="sm"
                            ),
                        ]
                    ),
                ],
                className="shadow-sm mb-3",
            )
        )
    if authz.has(user, "crm.override"):
        cards.append(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2(_("改归属（经理）"), className="h6"),
                        dcc.Dropdown(
                            id=ids.OVR_TO, placeholder=_("新的置业顾问"), className="mb-2"
                        ),
                        dbc.Input(
                            id=ids.OVR_REASON,
                            placeholder=_("原因（必填）"),
                            maxlength=200,
                            className="mb-2",
                        ),
                        dbc.Button(_("改归属"), id=ids.OVR_SUBMIT, color="warning", size="sm"),
                    ]
                ),
                className="shadow-sm mb-3",
            )
        )
    return cards


def layout(customer_id=None, **_query):
    user = auth.viewer()
    return html.Div(
        [
            dcc.Store(id=ids.DETAIL_ID, data=customer_id),
            dcc.Store(id=ids.DETAIL_REFRESH, data=0),
            html.Div(
                [
                    html.A(
                        [html.I(className="bi bi-arrow-left me-1"), _("客户列表")],
                        href="/crm/customers",
                        className="small",
                    )
                ],
                className="no-print",
            ),
            page_title(_("客户详情")),
            html.Div(id=ids.DETAIL_FEEDBACK),
            dbc.Row(
                [
                    dbc.Col(dcc.Loading(html.Div(id=ids.DETAIL_BODY), type="dot"), lg=9),
                    dbc.Col(_actions(user), lg=3, className="no-print"),
                ]
            ),
        ]
    )
