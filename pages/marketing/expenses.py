"""实际费用: marketing money actually spent, by form or Excel."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.components import export_button, grid, import_panel, page_title
from dashboard.i18n import _
from data_layer import authz, localtime
from pages.analytics.widgets import period_filter
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
    path="/marketing/expenses",
    nav_module="marketing",
    label="实际费用",
    permission="marketing.view",
    order=210,
    title="实际费用 · Loupan",
)


def layout(**_query):
    user = auth.viewer()
    can_edit = authz.has(user, "marketing.edit")
    # the form exists for every role (its callbacks need it); hidden if read-only
    form = dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    field("项目", dropdown(ids.EXP_PROJECT, project_options(), "请选择")),
                    field(
                        "费用日期",
                        dcc.DatePickerSingle(
                            id=ids.EXP_DATE,
                            date=localtime.today().isoformat(),
                            display_format="YYYY-MM-DD",
                            first_day_of_week=1,
                        ),
                        2,
                    ),
                    field("渠道", dropdown(ids.EXP_CHANNEL, code_options("channel"), "请选择"), 2),
                    field(
                        "费用类别",
                        dropdown(ids.EXP_CATEGORY, code_options("expense_category"), "请选择"),
                        2,
                    ),
                    field("广告活动", dropdown(ids.EXP_CAMPAIGN, [], "可不选"), 3),
                    field("供应商", dbc.Input(id=ids.EXP_VENDOR, maxLength=100), 3),
                    field("发票号", dbc.Input(id=ids.EXP_INVOICE, maxLength=50), 2),
                    field(
                        "金额（元）",
                        dbc.Input(id=ids.EXP_AMOUNT, type="number", step=0.01),
                        2,
                    ),
                    dbc.Col(
                        dbc.Button(
                            _("保存费用"), id=ids.EXP_SAVE, color="primary", className="mt-4"
                        ),
                        md="auto",
                    ),
                ],
                className="g-2",
            )
        ),
        className="shadow-sm mb-3",
    )
    actions = [
        dbc.Button(
            _("删除所选"),
            id=ids.EXP_DELETE,
            color="danger",
            outline=True,
            size="sm",
            className="me-2" + ("" if can_edit else " d-none"),
        ),
        export_button(ids.EXP_EXPORT, ids.EXP_DOWNLOAD),
    ]
    return html.Div(
        [
            page_title(_("营销实际费用")),
            html.Div(form, hidden=not can_edit),
            None if can_edit else read_only_note(),
            html.Div(id=ids.EXP_FEEDBACK),
            dcc.Store(id=ids.EXP_REFRESH),
            dbc.Row(
                [
                    dbc.Col(period_filter("mk-exp-preset", ids.EXP_PERIOD), md=8),
                    dbc.Col(html.Div(actions, className="d-flex justify-content-end"), md=4),
                ],
                className="align-items-start",
            ),
            grid(
                ids.EXP_GRID,
                columns.EXPENSES,
                height=420,
                getRowId="params.data.id",
                dashGridOptions={"rowSelection": "single"},
            ),
            html.Div(import_panel(ids.EXP_IMPORT, "Excel 导入实际费用"), className="mt-3")
            if can_edit
            else None,
        ]
    )
