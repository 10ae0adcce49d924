"""广告活动: ad campaigns of a project on a channel over a period."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from data_layer import authz
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
    path="/marketing/campaigns",
    nav_module="marketing",
    label="广告活动",
    permission="marketing.view",
    order=220,
    title="广告活动 · Loupan",
)


def layout(**_query):
    user = auth.viewer()
    can_edit = authz.has(user, "marketing.edit")
    # the form exists for every role (its callbacks need it); hidden if read-only
    form = dbc.Card(
        dbc.CardBody(
            [
                dcc.Store(id="mk-camp-editing"),
                dbc.Row(
                    [
                        field("项目", dropdown(ids.CAMP_PROJECT, project_options(), "请选择")),
                        field("活动名称", dbc.Input(id=ids.CAMP_NAME, maxLength=100)),
                        field(
                            "渠道",
                            dropdown(ids.CAMP_CHANNEL, code_options("channel"), "请选择"),
                            2,
                        ),
                        field(
                            "活动期间",
                            dcc.DatePickerRange(
                                id=ids.CAMP_PERIOD,
                                display_format="YYYY-MM-DD",
                                first_day_of_week=1,
                                minimum_nights=0,
                                start_date_placeholder_text=_("开始日期"),
                                end_date_placeholder_text=_("结束日期"),
                            ),
                            4,
                        ),
                        field(
                            "预算（元）",
                            dbc.Input(id=ids.CAMP_BUDGET, type="number", step=0.01),
                            2,
                        ),
                        field("说明", dbc.Input(id=ids.CAMP_NOTES), 6),
                        dbc.Col(
                            [
                                dbc.Button(
                                    _("保存活动"),
                                    id=ids.CAMP_SAVE,
                                    color="primary",
                                    className="mt-4 me-2",
                                ),
                                dbc.Button(
                                    _("新建"),
                                    id=ids.CAMP_NEW,
                                    color="secondary",
                                    outline=True,
                                    className="mt-4",
                                ),
                            ],
                            md="auto",
                        ),
                    ],
                    className="g-2",
                ),
                html.Div(id="mk-camp-mode", className="text-muted small mt-2"),
            ]
        ),
        className="shadow-sm mb-3",
    )
    return html.Div(
        [
            page_title(_("广告活动")),
            html.Div(form, hidden=not can_edit),
            None if can_edit else read_only_note(),
            html.Div(id=ids.CAMP_FEEDBACK),
            html.Div(
                export_button(ids.CAMP_EXPORT, ids.CAMP_DOWNLOAD),
                className="d-flex justify-content-end mb-2",
            ),
            grid(
                ids.CAMP_GRID,
                columns.CAMPAIGNS,
                height=420,
                getRowId="params.data.id",
                dashGridOptions={"rowSelection": "single"},
            ),
        ]
    )
