"""客户列表: every customer the viewer may see, with search, filters, the Excel export of the
grid as shown and 完整导出 (every column) for viewers of personal data."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.components import export_button, grid, page_title
from dashboard.db import reader
from dashboard.i18n import _, language
from data_layer import authz
from data_layer.queries import crm as crm_queries
from pages.crm import ids
from pages.crm.labels import CUSTOMER_COLUMNS, LEVELS, STAGE_LABELS, one

dash.register_page(
    __name__,
    path="/crm/customers",
    nav_module="crm",
    label="客户列表",
    permission="crm.customers",
    order=410,
    title="客户列表 · Loupan",
)


def _full_export():
    """完整导出: every column, the ID number, lost reason and notes included (audited)."""
    return html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-file-earmark-lock me-1"), _("完整导出（含身份证号）")],
                id=ids.LIST_FULL_EXPORT,
                color="secondary",
                outline=True,
                size="sm",
                title=_("表格中的客户及全部列（含身份证号、流失原因、备注），导出会记入审计日志"),
            ),
            dcc.Download(id=ids.LIST_FULL_DOWNLOAD),
        ],
        className="d-inline-block",
    )


def layout(stage=None, level=None, q=None, **_query):
    user = auth.viewer()
    channels = crm_queries.code_labels(reader(), "channel", language())
    consultants = crm_queries.owners(reader(), user)
    filters = dbc.Row(
        [
            dbc.Col(
                dbc.Input(
                    id=ids.LIST_SEARCH,
                    placeholder=_("搜索姓名、手机号或身份证号"),
                    debounce=400,
                    value=q or "",
                    type="search",
                ),
                md=2,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id=ids.LIST_STAGE,
                    options=[{"label": one(v), "value": k} for k, v in STAGE_LABELS.items()],
                    value=stage if stage in STAGE_LABELS else None,
                    placeholder=_("阶段"),
                ),
                md=2,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id=ids.LIST_LEVEL,
                    options=[{"label": lv, "value": lv} for lv in LEVELS],
                    value=level if level in LEVELS else None,
                    placeholder=_("等级"),
                ),
                md=1,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id=ids.LIST_CHANNEL,
                    options=[{"label": v, "value": k} for k, v in channels.items()],
                    placeholder=_("认知途径"),
                ),
                md=2,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id=ids.LIST_CONSULTANT,
                    options=[{"label": u.display_name, "value": u.id} for u in consultants],
                    placeholder=_("置业顾问"),
                ),
                md=2,
            ),
            dbc.Col(
                dcc.DatePickerRange(
                    id=ids.LIST_DATES,
                    display_format="YYYY-MM-DD",
                    start_date_placeholder_text=_("首次到访起"),
                    end_date_placeholder_text=_("止"),
                    clearable=True,
                ),
                md=3,
            ),
        ],
        className="g-2 mb-2",
    )
    return html.Div(
        [
            page_title(_("客户列表")),
            filters,
            dbc.Row(
                [
                    dbc.Col(html.Div(id=ids.LIST_INFO, className="text-muted small pt-1")),
                    dbc.Col(export_button(ids.LIST_EXPORT, ids.LIST_DOWNLOAD), width="auto"),
                    *(
                        [dbc.Col(_full_export(), width="auto")]
                        if authz.sees_personal_data(user)
                        else []
                    ),
                ],
                className="mb-2",
            ),
            grid(ids.LIST_GRID, CUSTOMER_COLUMNS, height=600),
        ]
    )
