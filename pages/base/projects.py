"""楼盘资料: projects and their buildings (楼栋), and copying a building."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from pages.base import columns, ids
from pages.base.forms import field, number, row, text

dash.register_page(
    __name__,
    path="/base/projects",
    nav_module="base",
    label="楼盘资料",
    permission="inventory.edit",
    order=110,
    title="楼盘资料 · Loupan",
)


def layout(**_query):
    project_form = row(
        field("项目编号", text(ids.PROJECT_CODE), "110px"),
        field("项目名称", text(ids.PROJECT_NAME), "180px"),
        field("城市", text(ids.PROJECT_CITY), "100px"),
        field("地址", text(ids.PROJECT_ADDRESS), "220px"),
        field(
            "开盘日期",
            dcc.DatePickerSingle(
                id=ids.PROJECT_OPENED,
                display_format="YYYY-MM-DD",
                placeholder=_("选择日期"),
                className="d-block",
            ),
        ),
        field("客户保护天数", number(ids.PROJECT_PROTECTION, value=30, min=1), "110px"),
        field("临定天数", number(ids.PROJECT_HOLD, value=3, min=1), "90px"),
        dbc.Checkbox(id=ids.PROJECT_ACTIVE, label=_("启用"), value=True, className="mb-1"),
        dbc.Button(_("保存项目"), id=ids.PROJECT_SAVE, color="primary", size="sm"),
        dbc.Button(_("新建"), id=ids.PROJECT_NEW, color="secondary", outline=True, size="sm"),
        html.Div(export_button(ids.PROJECT_EXPORT, ids.PROJECT_DOWNLOAD), className="ms-auto"),
    )
    building_form = row(
        field("楼栋编号", text(ids.BUILDING_CODE), "90px"),
        field("楼栋名称", text(ids.BUILDING_NAME), "120px"),
        field("楼层数", number(ids.BUILDING_FLOORS, min=1), "90px"),
        field("单元数", number(ids.BUILDING_SECTIONS, value=1, min=1), "80px"),
        field("每层户数", number(ids.BUILDING_PER_FLOOR, min=1), "90px"),
        dbc.Button(_("保存楼栋"), id=ids.BUILDING_SAVE, color="primary", size="sm"),
        dbc.Button(_("新建"), id=ids.BUILDING_NEW, color="secondary", outline=True, size="sm"),
        html.Div(className="vr mx-2"),
        field("复制为楼栋编号", text(ids.COPY_CODE), "120px"),
        field("名称", text(ids.COPY_NAME), "110px"),
        dbc.Checkbox(id=ids.COPY_PRICES, label=_("含价格"), value=False, className="mb-1"),
        dbc.Button(_("复制选中楼栋"), id=ids.COPY_BUTTON, color="info", size="sm"),
        html.Div(export_button(ids.BUILDING_EXPORT, ids.BUILDING_DOWNLOAD), className="ms-auto"),
    )
    return html.Div(
        [
            page_title(_("楼盘资料")),
            html.H6(_("项目")),
            project_form,
            html.Div(id=ids.PROJECT_FEEDBACK),
            grid(
                ids.PROJECT_GRID,
                columns.PROJECTS,
                height=240,
                dashGridOptions={"rowSelection": "single"},
                getRowId="params.data.id",
            ),
            html.H6(_("楼栋（右上角所选项目）"), className="mt-3"),
            building_form,
            html.Div(id=ids.BUILDING_FEEDBACK),
            grid(
                ids.BUILDING_GRID,
                columns.BUILDINGS,
                height=300,
                dashGridOptions={"rowSelection": "single"},
                getRowId="params.data.id",
            ),
        ]
    )
