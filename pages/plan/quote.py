"""置业计划书: price a unit for a customer — plan, extra discount, down payment, loan — then try
it out (试算) or save it numbered; opened from the sales control chart or a customer's page."""

import uuid

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import page_title
from dashboard.i18n import _
from pages.plan import quote_ids as ids

dash.register_page(
    __name__,
    path="/plan/quote",
    nav_module="plan",
    label="置业计划书",
    permission="quote.create",
    order=510,
    title="置业计划书 · Loupan",
)

LOAN_OPTIONS = [
    ("none", "不贷款"),
    ("commercial", "商业贷款"),
    ("provident", "公积金贷款"),
    ("combined", "组合贷款"),
]
HOME_OPTIONS = [(1, "首套"), (2, "二套"), (3, "三套及以上")]


def _field(label, control, md=3):
    return dbc.Col([dbc.Label(_(label), className="small mb-0"), control], md=md, xs=12)


def _int(value):
    return int(value) if value and str(value).isdigit() else None


def layout(unit=None, customer=None, **_query):
    unit_id, customer_id = _int(unit), _int(customer)
    choose = dbc.Row(
        [
            _field("项目", dcc.Dropdown(id=ids.PROJECT, clearable=False)),
            _field(
                "房间（待售）",
                dcc.Dropdown(id=ids.UNIT, placeholder=_("选择或输入房号")),
            ),
            _field(
                "客户",
                dcc.Dropdown(
                    id=ids.CUSTOMER,
                    placeholder=_("输入姓名或手机号查找（试算可不选）"),
                ),
            ),
            _field("付款方案", dcc.Dropdown(id=ids.PLAN, clearable=False)),
        ],
        className="g-2",
    )
    money_row = dbc.Row(
        [
            _field("额外优惠（元）", dbc.Input(id=ids.EXTRA, value="0", inputMode="decimal")),
            _field("定金（元）", dbc.Input(id=ids.DEPOSIT, value="50000", inputMode="decimal")),
            _field("首付比例（%）", dbc.Input(id=ids.DOWN, value="30", inputMode="decimal")),
            _field(
                "家庭住房套数（契税）",
                dbc.Select(
                    id=ids.HOMES,
                    options=[{"label": _(label), "value": v} for v, label in HOME_OPTIONS],
                    value=1,
                ),
            ),
        ],
        className="g-2 mt-1",
    )
    loan_row = dbc.Row(
        [
            _field(
                "贷款类型",
                dbc.Select(
                    id=ids.LOAN_KIND,
                    options=[{"label": _(label), "value": v} for v, label in LOAN_OPTIONS],
                    value="commercial",
                ),
                2,
            ),
            _field(
                "贷款年限",
                dbc.Input(id=ids.YEARS, type="number", value=30, min=1, max=30, step=1),
                2,
            ),
            _field(
                "商业贷款年利率（%）",
                dbc.Input(id=ids.COMMERCIAL_RATE, value="3.5", inputMode="decimal"),
                2,
            ),
            _field(
                "公积金年利率（%）",
                dbc.Input(id=ids.PROVIDENT_RATE, value="2.6", inputMode="decimal"),
                2,
            ),
            _field(
                "公积金贷款金额（元，组合贷款）",
                dbc.Input(id=ids.PROVIDENT, inputMode="decimal"),
                4,
            ),
        ],
        className="g-2 mt-1",
    )
    form = dbc.Card(
        dbc.CardBody(
            [
                choose,
                money_row,
                loan_row,
                dbc.Row(
                    _field(
                        "备注",
                        dbc.Textarea(id=ids.NOTES, maxlength=1000, rows=2),
                        12,
                    ),
                    className="g-2 mt-1",
                ),
                html.Div(
                    [
                        dbc.Button(
                            [html.I(className="bi bi-calculator me-1"), _("试算")],
                            id=ids.TRY,
                            color="secondary",
                            className="me-2",
                        ),
                        dbc.Button(
                            [html.I(className="bi bi-save me-1"), _("保存置业计划书")],
                            id=ids.SAVE,
                            color="primary",
                        ),
                        html.A(_("计划书列表"), href="/plan/quotes", className="small ms-3"),
                    ],
                    className="mt-3",
                ),
                html.Div(id=ids.FEEDBACK, className="mt-2"),
            ]
        ),
        className="mb-3 shadow-sm",
    )
    return html.Div(
        [
            page_title(_("置业计划书")),
            dcc.Store(id=ids.PRESET, data={"unit": unit_id, "customer": customer_id}),
            dcc.Store(id=ids.TOKEN, data=uuid.uuid4().hex),
            form,
            dcc.Loading(html.Div(id=ids.RESULT), type="dot"),
        ]
    )
