"""费用计划: the marketing expense plan per project, month, channel and category."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.components import export_button, grid, import_panel, page_title
from dashboard.i18n import _
from data_layer import authz, localtime
from pages.marketing import columns, ids
from pages.marketing.widgets import (
    code_options,
    dropdown,
    field,
    project_options,
    read_only_note,
)

dash.register_page(
    __name__,
    path="/marketing/budget",
    nav_module="marketing",
    label="费用计划",
    permission="marketing.view",
    order=200,
    title="费用计划 · Loupan",
)


def layout(**_query):
    user = auth.viewer()
    can_edit = authz.has(user, "marketing.edit")
    year = localtime.today().year
    table = grid(ids.BUDGET_GRID, columns.budget(can_edit), height=420, getRowId="params.data.key")
    table.columnSize = "autoSize"
    # the form exists for every role (its callbacks need it); hidden if read-only
    form = dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        field("项目", dropdown(ids.BUDGET_PROJECT, project_options(), "请选择")),
                        field(
                            "月份",
                            dbc.Input(
                                id=ids.BUDGET_MONTH,
                                type="month",
                                value=localtime.today().strftime("%Y-%m"),
                            ),
                            2,
                        ),
                        field(
                            "渠道",
                            dropdown(ids.BUDGET_CHANNEL, code_options("channel"), "请选择"),
                            2,
                        ),
                        field(
                            "费用类别",
                            dropdown(
                                ids.BUDGET_CATEGORY, code_options("expense_category"), "请选择"
                            ),
                            2,
                        ),
                        field(
                            "计划金额（元）",
                            dbc.Input(id=ids.BUDGET_AMOUNT, type="number", step=0.01),
                            2,
                        ),
                        dbc.Col(
                            dbc.Button(
                                _("保存计划"),
                                id=ids.BUDGET_SAVE,
                                color="primary",
                                className="mt-4",
                            ),
                            md=1,
                        ),
                    ],
                    className="g-2",
                ),
                html.Div(
                    _("提示：也可直接在下表中双击月份单元格修改金额，回车保存。"),
                    className="text-muted small mt-2",
                ),
            ]
        ),
        className="shadow-sm mb-3",
    )
    return html.Div(
        [
            page_title(_("营销费用计划")),
            html.Div(form, hidden=not can_edit),
            None if can_edit else read_only_note(),
            html.Div(id=ids.BUDGET_FEEDBACK),
            dcc.Store(id=ids.BUDGET_REFRESH),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(
                            id=ids.BUDGET_YEAR,
                            options=[
                                {"label": f"{y}", "value": y} for y in range(year - 3, year + 2)
                            ],
                            value=year,
                            clearable=False,
                        ),
                        xs=4,
                        md=2,
                    ),
                    dbc.Col(
                        export_button(ids.BUDGET_EXPORT, ids.BUDGET_DOWNLOAD),
                        md="auto",
                        className="ms-auto",
                    ),
                ],
                className="mb-2 g-2 align-items-center",
            ),
            table,
            html.Div(import_panel(ids.BUDGET_IMPORT, "Excel 导入费用计划"), className="mt-3")
            if can_edit
            else None,
        ]
    )
