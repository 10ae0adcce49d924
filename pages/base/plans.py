"""销售计划: monthly targets (units, area, amount) of the project, a team or a consultant."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import format
from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from data_layer import localtime
from pages.base import columns, ids
from pages.base.forms import field, number, row
from pages.inventory.columns import with_numbers

dash.register_page(
    __name__,
    path="/base/plans",
    nav_module="base",
    label="销售计划",
    permission="plan.edit",
    order=150,
    title="销售计划 · Loupan",
)


def layout(**_query):
    fmt = format.current()
    today = localtime.today()
    return html.Div(
        [
            page_title(_("销售计划")),
            row(
                field("年份", number(ids.PLAN_YEAR, value=today.year, min=2000, max=2100), "90px"),
                field(
                    "月份",
                    dcc.Dropdown(
                        id=ids.PLAN_MONTH,
                        value=today.month,
                        clearable=False,
                        options=[{"label": f"{m}月", "value": m} for m in range(1, 13)],
                    ),
                    "90px",
                ),
                field("小组", dcc.Dropdown(id=ids.PLAN_TEAM, placeholder=_("整个项目")), "150px"),
                field("置业顾问", dcc.Dropdown(id=ids.PLAN_USER, placeholder=_("不指定")), "150px"),
                field("目标套数", number(ids.PLAN_UNITS, min=0), "90px"),
                field("目标面积㎡", number(ids.PLAN_AREA, min=0, step=0.01), "110px"),
                field("目标金额元", number(ids.PLAN_AMOUNT, min=0, step=0.01), "140px"),
                dbc.Button(_("保存计划"), id=ids.PLAN_SAVE, color="primary", size="sm"),
                dbc.Button(
                    _("删除选中"), id=ids.PLAN_DELETE, color="danger", outline=True, size="sm"
                ),
                html.Div(export_button(ids.PLAN_EXPORT, ids.PLAN_DOWNLOAD), className="ms-auto"),
            ),
            html.P(
                _("同一月份、同一对象再次保存即覆盖该计划。计划属于右上角所选项目。"),
                className="text-muted small",
            ),
            html.Div(id=ids.PLAN_FEEDBACK),
            grid(
                ids.PLAN_GRID,
                with_numbers(columns.PLANS, columns.PLAN_NUMBERS, fmt),
                height=460,
                getRowId="params.data.id",
                dashGridOptions={"rowSelection": "single"},
            ),
        ]
    )
