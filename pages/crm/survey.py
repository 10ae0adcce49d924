"""问卷设置: the project's own questions on the registration form (administrator)."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import exports
from dashboard.components import grid, page_title
from dashboard.i18n import _
from pages.crm import columns, ids
from pages.crm.labels import SURVEY_KIND_LABELS

dash.register_page(
    __name__,
    path="/crm/survey",
    nav_module="crm",
    label="问卷设置",
    permission="crm.survey",
    order=450,
    title="问卷设置 · Loupan",
)


def layout(**_query):
    return html.Div(
        [
            page_title(_("问卷设置")),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(
                            _("为顶部所选项目添加登记表上的问卷项。"),
                            className="small text-muted mb-2",
                        ),
                        dbc.Row(
                            [
                                dbc.Col(
                                    dbc.Input(
                                        id=ids.SV_LABEL, placeholder=_("问卷项名称"), maxlength=50
                                    ),
                                    md=3,
                                ),
                                dbc.Col(
                                    dcc.Dropdown(
                                        id=ids.SV_KIND,
                                        options=[
                                            {"label": _(v), "value": k}
                                            for k, v in SURVEY_KIND_LABELS.items()
                                        ],
                                        value="single",
                                        clearable=False,
                                    ),
                                    md=2,
                                ),
                                dbc.Col(
                                    dbc.Input(id=ids.SV_OPTIONS, placeholder=_("选项，用逗号分隔")),
                                    md=4,
                                ),
                                dbc.Col(
                                    dbc.Checkbox(id=ids.SV_REQUIRED, label=_("必填"), value=False),
                                    md=1,
                                ),
                                dbc.Col(
                                    dbc.Button(_("添加"), id=ids.SV_ADD, color="primary"), md=2
                                ),
                            ],
                            className="g-2 align-items-center",
                        ),
                    ]
                ),
                className="shadow-sm mb-3",
            ),
            html.Div(id=ids.SV_FEEDBACK),
            exports.heading(
                dbc.Button(
                    f"{_('启用')} / {_('停用')}",
                    id=ids.SV_TOGGLE,
                    size="sm",
                    color="secondary",
                    outline=True,
                ),
                ids.SV_EXPORT,
                ids.SV_DOWNLOAD,
                class_name="",
            ),
            grid(
                ids.SV_GRID, columns.SURVEY, height=420, dashGridOptions={"rowSelection": "single"}
            ),
        ]
    )
