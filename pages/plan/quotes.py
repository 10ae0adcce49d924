"""置业计划书列表: saved quotes of the viewer's customers, sortable, filterable, exportable."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from data_layer import authz
from pages.plan import quote_ids as ids
from pages.plan.quote_columns import columns

dash.register_page(
    __name__,
    path="/plan/quotes",
    nav_module="plan",
    label="计划书列表",
    permission="quote.view",
    order=520,
    title="置业计划书列表 · Loupan",
)


def _date_picker(picker_id: str, placeholder: str) -> html.Div:
    return html.Div(
        dcc.DatePickerSingle(
            id=picker_id,
            display_format="YYYY-MM-DD",
            placeholder=_(placeholder),
            clearable=True,
        ),
        style={"width": "170px"},
    )


def layout(**_query):
    return html.Div(
        [
            page_title(_("置业计划书列表")),
            html.Div(
                [
                    _date_picker(ids.LIST_START, "开始日期"),
                    html.Span("–"),
                    _date_picker(ids.LIST_END, "结束日期"),
                    dbc.Button(
                        [html.I(className="bi bi-plus-lg me-1"), _("新建置业计划书")],
                        href="/plan/quote",
                        color="primary",
                        size="sm",
                        outline=True,
                        id="plan-ql-new",
                    )
                    if authz.has(auth.viewer(), "quote.create")
                    else None,
                    export_button(ids.LIST_EXPORT, ids.LIST_DOWNLOAD),
                ],
                className="d-flex flex-wrap gap-2 align-items-center mb-2",
            ),
            html.Div(id=ids.LIST_INFO, className="small text-muted mb-1"),
            grid(ids.LIST_GRID, columns(), height=560),
        ]
    )
