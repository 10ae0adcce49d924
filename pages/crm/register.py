"""来访/来电登记: the fast form for a walk-in visitor or a caller, with the duplicate check."""

from datetime import timedelta

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth, exports
from dashboard.components import grid, page_title
from dashboard.db import reader
from dashboard.i18n import _, language
from data_layer import authz, localtime
from data_layer.queries import crm as crm_queries
from data_layer.queries import org
from pages.crm import columns, ids
from pages.crm.labels import LEVELS, one

dash.register_page(
    __name__,
    path="/crm/register",
    nav_module="crm",
    label="来访/来电登记",
    permission="crm.edit",
    order=400,
    title="来访/来电登记 · Loupan",
)


def _field(label: str, component, md: int = 3, required: bool = False, hint: str = ""):
    children = [
        dbc.Label([_(label), html.Span(" *", className="text-danger") if required else None]),
        component,
    ]
    if hint:
        children.append(dbc.FormText(hint))
    return dbc.Col(children, md=md, className="mb-2")


def code_options(category: str) -> list[dict]:
    labels = crm_queries.code_labels(reader(), category, language())
    return [{"label": label, "value": code} for code, label in labels.items()]


def layout(**_query):
    user = auth.viewer()
    projects = [
        {"label": p.name, "value": p.id}
        for p in org.visible_projects(reader(), user)
        if authz.scope(user).allows_project(p.id)
    ]
    tomorrow = localtime.today() + timedelta(days=3)
    form = dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        _field(
                            "项目",
                            dcc.Dropdown(
                                id=ids.REG_PROJECT,
                                options=projects,
                                value=projects[0]["value"] if len(projects) == 1 else None,
                                clearable=False,
                                placeholder=_("请选择项目"),
                            ),
                            required=True,
                        ),
                        _field(
                            "来访/来电",
                            dbc.RadioItems(
                                id=ids.REG_KIND,
                                options=[
                                    {"label": one("来访"), "value": "visit"},
                                    {"label": _("来电"), "value": "call"},
                                ],
                                value="visit",
                                inline=True,
                            ),
                        ),
                        _field(
                            "置业顾问",
                            dcc.Dropdown(id=ids.REG_CONSULTANT, placeholder=_("请选择置业顾问")),
                            required=True,
                        ),
                        _field(
                            "下次跟进日期",
                            dcc.DatePickerSingle(
                                id=ids.REG_NEXT,
                                date=tomorrow.isoformat(),
                                min_date_allowed=localtime.today().isoformat(),
                                display_format="YYYY-MM-DD",
                            ),
                        ),
                    ]
                ),
                dbc.Row(
                    [
                        _field(
                            "姓名",
                            dbc.Input(id=ids.REG_NAME, maxlength=50, autocomplete="off"),
                            required=True,
                        ),
                        _field(
                            "手机号码",
                            dbc.Input(
                                id=ids.REG_MOBILE,
                                type="tel",
                                maxlength=20,
                                debounce=400,
                                autocomplete="off",
                            ),
                            required=True,
                            hint=_("11 位手机号，输入时自动查重"),
                        ),
                        _field(
                            "身份证号",
                            dbc.Input(
                                id=ids.REG_ID, maxlength=18, debounce=400, autocomplete="off"
                            ),
                            hint=_("选填；18 位，自动校验末位"),
                        ),
                        _field(
                            "认知途径",
                            dcc.Dropdown(
                                id=ids.REG_CHANNEL,
                                options=code_options("channel"),
                                placeholder=_("如何得知本项目"),
                            ),
                        ),
                    ]
                ),
                html.Div(
                    [
                        html.Div(id=ids.REG_DUPLICATE),
                        dbc.Button(
                            _("登记为该客户的复访/来电"),
                            id=ids.REG_REVISIT,
                            color="info",
                            size="sm",
                            className="me-2",
                            style={"display": "none"},
                        ),
                        dbc.Button(
                            _("接手该客户"),
                            id=ids.REG_CLAIM,
                            color="warning",
                            size="sm",
                            style={"display": "none"},
                        ),
                    ],
                    className="mb-2",
                ),
                dbc.Row(
                    [
                        _field("意向户型", dbc.Input(id=ids.REG_LAYOUT, maxlength=50), md=2),
                        _field(
                            "意向面积（㎡）",
                            dbc.InputGroup(
                                [
                                    dbc.Input(id=ids.REG_AREA_MIN, type="number", min=0),
                                    dbc.InputGroupText("–"),
                                    dbc.Input(id=ids.REG_AREA_MAX, type="number", min=0),
                                ]
                            ),
                        ),
                        _field(
                            "预算（元）",
                            dbc.Input(id=ids.REG_BUDGET, type="number", min=0, step=10000),
                            md=2,
                        ),
                        _field(
                            "置业目的",
                            dcc.Dropdown(
                                id=ids.REG_PURPOSE,
                                options=code_options("purpose"),
                                placeholder=_("自住、改善、投资…"),
                            ),
                            md=2,
                        ),
                        _field(
                            "客户等级",
                            dcc.Dropdown(
                                id=ids.REG_LEVEL,
                                options=[{"label": lv, "value": lv} for lv in LEVELS],
                                placeholder=_("选填：填写即为机会客户"),
                            ),
                        ),
                    ]
                ),
                html.Div(id=ids.REG_SURVEY),
                dbc.Row(
                    _field(
                        "备注",
                        dbc.Textarea(id=ids.REG_NOTES, maxlength=2000, rows=2),
                        md=12,
                    )
                ),
                dbc.Button(
                    [html.I(className="bi bi-person-plus me-1"), _("登记")],
                    id=ids.REG_SUBMIT,
                    color="primary",
                ),
                html.Div(id=ids.REG_FEEDBACK, className="mt-2"),
            ]
        ),
        className="shadow-sm mb-3",
    )
    return html.Div(
        [
            page_title(_("来访/来电登记")),
            form,
            exports.heading(
                _("我今天登记的客户"), ids.REG_RECENT_EXPORT, ids.REG_RECENT_DOWNLOAD, class_name=""
            ),
            grid(ids.REG_RECENT, columns.RECENT, height=260),
        ]
    )
