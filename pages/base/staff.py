"""销售人员: consultants and managers of the project and their sales teams (销售小组)."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from pages.base import columns, ids
from pages.base.forms import field, row, text

dash.register_page(
    __name__,
    path="/base/staff",
    nav_module="base",
    label="销售人员",
    permission="plan.edit",
    order=140,
    title="销售人员 · Loupan",
)


def layout(**_query):
    return html.Div(
        [
            page_title(_("销售人员")),
            html.P(
                _(
                    "账号由系统管理员在「用户管理」中建立；此处按右上角所选项目管理销售小组及人员分组。"
                ),
                className="text-muted small",
            ),
            row(
                field("新小组名称", text(ids.TEAM_NAME), "160px"),
                dbc.Button(_("新建小组"), id=ids.TEAM_CREATE, color="secondary", size="sm"),
                html.Div(className="vr mx-2"),
                field(
                    "分到小组", dcc.Dropdown(id=ids.STAFF_TEAM, placeholder=_("不分组")), "200px"
                ),
                dbc.Button(
                    _("调整选中人员的小组"), id=ids.STAFF_ASSIGN, color="primary", size="sm"
                ),
                html.Div(export_button(ids.STAFF_EXPORT, ids.STAFF_DOWNLOAD), className="ms-auto"),
            ),
            html.Div(id=ids.STAFF_FEEDBACK),
            grid(
                ids.STAFF_GRID,
                columns.STAFF,
                height=480,
                getRowId="params.data.id",
                dashGridOptions={"rowSelection": "multiple"},
            ),
        ]
    )
