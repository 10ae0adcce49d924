"""审计日志: who did what and when, filterable and exportable."""

from datetime import timedelta

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import export_button, grid, page_title
from dashboard.db import reader
from dashboard.i18n import _
from data_layer import localtime
from data_layer.queries import audit
from pages.admin import columns, ids

dash.register_page(
    __name__,
    path="/admin/audit",
    nav_module="admin",
    label="审计日志",
    permission="audit.view",
    order=910,
    title="审计日志 · Loupan",
)

COLUMNS = columns.AUDIT


def layout(**_query):
    today = localtime.today()
    actions = [{"label": a, "value": a} for a in audit.audit_actions(reader())]
    filters = dbc.Row(
        [
            dbc.Col(
                dcc.DatePickerSingle(
                    id=ids.AUDIT_START,
                    date=today - timedelta(days=30),
                    display_format="YYYY-MM-DD",
                    placeholder=_("开始日期"),
                ),
                md="auto",
            ),
            dbc.Col(
                dcc.DatePickerSingle(
                    id=ids.AUDIT_END,
                    date=today,
                    display_format="YYYY-MM-DD",
                    placeholder=_("结束日期"),
                ),
                md="auto",
            ),
            dbc.Col(
                dcc.Dropdown(id=ids.AUDIT_ACTION, options=actions, placeholder=_("操作类型")), md=3
            ),
            dbc.Col(dbc.Input(id=ids.AUDIT_USER, placeholder=_("用户")), md=2),
            dbc.Col(dbc.Button(_("查询"), id=ids.AUDIT_SEARCH, color="primary"), md="auto"),
            dbc.Col(
                export_button(ids.AUDIT_EXPORT, ids.AUDIT_DOWNLOAD), md="auto", className="ms-auto"
            ),
        ],
        className="g-2 mb-2 align-items-center",
    )
    return html.Div(
        [
            page_title(_("审计日志")),
            filters,
            html.Div(id=ids.AUDIT_INFO, className="text-muted small mb-1"),
            grid(ids.AUDIT_GRID, COLUMNS),
        ]
    )
