"""费用设置: fee rules (维修基金, 印花税, 配套费…) and deed-tax rates (契税) as dated versions per
city or project; a new version starts on a date and never overwrites an older one."""

from datetime import timedelta

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.components import export_button, grid, page_title
from dashboard.db import reader
from dashboard.i18n import _
from data_layer import localtime
from data_layer.commands.fees import RATE_FIELDS
from data_layer.queries import org
from pages.admin import fee_columns, fee_ids

dash.register_page(
    __name__,
    path="/admin/fees",
    nav_module="admin",
    label="费用设置",
    permission="admin.fees",
    order=920,
    title="费用设置 · Loupan",
)


def _field(label, control, md=2):
    return dbc.Col([dbc.Label(_(label), className="small mb-0"), control], md=md)


def _date(component_id: str):
    return dcc.DatePickerSingle(
        id=component_id,
        date=(localtime.today() + timedelta(days=1)).isoformat(),
        min_date_allowed=localtime.today().isoformat(),
        display_format="YYYY-MM-DD",
        first_day_of_week=1,
    )


def _section(title: str, export_ids: tuple[str, str], body: list) -> dbc.Card:
    header = dbc.Row(
        [
            dbc.Col(html.H2(_(title), className="h6 mb-0"), width="auto"),
            dbc.Col(export_button(*export_ids), width="auto"),
        ],
        className="g-2 mb-2 align-items-center justify-content-between",
    )
    return dbc.Card(dbc.CardBody([header, *body]), className="mb-3 shadow-sm")


def layout(**_query):
    user = auth.viewer()
    projects = [{"label": p.name, "value": p.id} for p in org.visible_projects(reader(), user)]
    fee_form = dbc.Row(
        [
            _field("城市（空=全部城市）", dbc.Input(id=fee_ids.FEE_CITY, maxLength=50)),
            _field(
                "项目（可选，优先于城市）",
                dcc.Dropdown(id=fee_ids.FEE_PROJECT, options=projects, placeholder=_("全部项目")),
            ),
            _field(
                "费用代码", dbc.Input(id=fee_ids.FEE_CODE, maxLength=32, placeholder="maintenance")
            ),
            _field("费用名称", dbc.Input(id=fee_ids.FEE_NAME, maxLength=50)),
            _field("生效日期", _date(fee_ids.FEE_FROM)),
            _field(
                "公式",
                dbc.Input(id=fee_ids.FEE_FORMULA, maxLength=500, placeholder="area * 80"),
                12,
            ),
        ],
        className="g-2",
    )
    fee_actions = dbc.Row(
        [
            dbc.Col(
                html.Small(
                    _(
                        "可用变量：area（建筑面积㎡）、price（成交总价）、unit_price（成交单价）；"
                        "函数：min、max、round_half_up(数值, 小数位)。"
                        "在表格中勾选一行可基于它新增版本。"
                    ),
                    className="text-muted",
                ),
                md=10,
            ),
            dbc.Col(
                dbc.Button(_("新增版本"), id=fee_ids.FEE_ADD, color="primary", className="w-100"),
                md=2,
            ),
        ],
        className="g-2 mt-1 align-items-center",
    )
    rate_inputs = [
        _field(
            f"{label}（%）",
            dbc.Input(
                id={"type": fee_ids.DT_RATE, "field": field},
                type="text",
                inputMode="decimal",
                maxLength=6,
            ),
        )
        for field, label in RATE_FIELDS
    ]
    deed_form = dbc.Row(
        [
            _field("城市（空=全部城市）", dbc.Input(id=fee_ids.DT_CITY, maxLength=50)),
            _field("生效日期", _date(fee_ids.DT_FROM)),
            _field(
                "面积分界（㎡）",
                dbc.Input(id=fee_ids.DT_THRESHOLD, type="text", inputMode="decimal", value="140"),
            ),
            *rate_inputs,
            dbc.Col(
                dbc.Button(_("新增版本"), id=fee_ids.DT_ADD, color="primary", className="w-100"),
                md=2,
                className="align-self-end",
            ),
        ],
        className="g-2",
    )
    return html.Div(
        [
            page_title(_("费用设置")),
            html.P(
                _(
                    "规则按生效日期分版本保存：新增版本从生效日起用于新签合同，旧版本保留，"
                    "已成交的交易仍按签约当日的规则计算。"
                ),
                className="text-muted small",
            ),
            _section(
                "费用规则",
                (fee_ids.FEE_EXPORT, fee_ids.FEE_DOWNLOAD),
                [
                    grid(
                        fee_ids.FEE_GRID,
                        fee_columns.FEE_RULES,
                        height=260,
                        dashGridOptions={"rowSelection": "single"},
                    ),
                    html.H3(_("新增费用规则版本"), className="h6 mt-3"),
                    fee_form,
                    fee_actions,
                    html.Div(id=fee_ids.FEE_FEEDBACK, className="mt-2"),
                ],
            ),
            _section(
                "契税税率",
                (fee_ids.DT_EXPORT, fee_ids.DT_DOWNLOAD),
                [
                    grid(fee_ids.DT_GRID, fee_columns.DEED_TAX, height=220),
                    html.H3(_("新增契税税率版本"), className="h6 mt-3"),
                    html.Small(
                        _("小面积指面积不超过分界值；税率按百分比填写，如 1.5 表示 1.5%。"),
                        className="text-muted d-block mb-1",
                    ),
                    deed_form,
                    html.Div(id=fee_ids.DT_FEEDBACK, className="mt-2"),
                ],
            ),
        ]
    )
