"""按揭计算器: 等额本息, 等额本金 and 组合贷款 quotes with the month-by-month schedule."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from pages.plan import mortgage_ids as ids

dash.register_page(
    __name__,
    path="/plan/mortgage",
    nav_module="plan",
    label="按揭计算器",
    permission="inventory.view",
    order=530,
    title="按揭计算器 · Loupan",
)


def _field(label, control, md=2):
    return dbc.Col([dbc.Label(_(label), className="small mb-0"), control], md=md)


def layout(price=None, **_query):
    kinds = [
        {"label": _("商业贷款"), "value": "commercial"},
        {"label": _("公积金贷款"), "value": "provident"},
        {"label": _("组合贷款"), "value": "combined"},
    ]
    methods = [
        {"label": _("等额本息"), "value": "equal_installment"},
        {"label": _("等额本金"), "value": "equal_principal"},
    ]
    form = dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        _field(
                            "房屋总价（元）",
                            dbc.Input(id=ids.PRICE, value=price or "2000000", inputMode="decimal"),
                        ),
                        _field(
                            "首付比例（%）",
                            dbc.Input(id=ids.DOWN_RATIO, value="30", inputMode="decimal"),
                        ),
                        _field(
                            "贷款类型", dbc.Select(id=ids.KIND, options=kinds, value="commercial")
                        ),
                        _field(
                            "还款方式",
                            dbc.Select(id=ids.METHOD, options=methods, value="equal_installment"),
                        ),
                        _field(
                            "贷款年限",
                            dbc.Input(id=ids.YEARS, type="number", value=30, min=1, max=30, step=1),
                            1,
                        ),
                        dbc.Col(
                            dbc.Button(_("计算"), id=ids.CALCULATE, color="primary"),
                            md=1,
                            className="align-self-end",
                        ),
                    ],
                    className="g-2",
                ),
                dbc.Row(
                    [
                        _field(
                            "商业贷款金额（元，留空按首付计算）",
                            dbc.Input(id=ids.COMMERCIAL, inputMode="decimal"),
                            3,
                        ),
                        _field(
                            "商业贷款年利率（%）",
                            dbc.Input(id=ids.COMMERCIAL_RATE, value="3.5", inputMode="decimal"),
                        ),
                        _field(
                            "公积金贷款金额（元）",
                            dbc.Input(id=ids.PROVIDENT, inputMode="decimal"),
                            3,
                        ),
                        _field(
                            "公积金年利率（%）",
                            dbc.Input(id=ids.PROVIDENT_RATE, value="2.6", inputMode="decimal"),
                        ),
                    ],
                    className="g-2 mt-1",
                ),
                html.Div(id=ids.FEEDBACK, className="mt-2"),
            ]
        ),
        className="mb-3 shadow-sm",
    )
    return html.Div(
        [
            page_title(_("按揭计算器")),
            form,
            html.Div(id=ids.SUMMARY, className="mb-3"),
            dbc.Row(
                [
                    dbc.Col(html.H2(_("还款计划"), className="h6"), width="auto"),
                    dbc.Col(export_button(ids.EXPORT, ids.DOWNLOAD), width="auto"),
                ],
                className="mb-1",
            ),
            grid(ids.SCHEDULE, ids.SCHEDULE_COLUMNS, height=420),
        ]
    )
