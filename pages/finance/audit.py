"""收据审核: audit drafts in a batch; void a draft (作废) or reverse an audited receipt (红冲)."""

from datetime import timedelta

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from data_layer import authz, localtime
from pages.finance import columns, ids
from pages.finance.widgets import date_input, field

dash.register_page(
    __name__,
    path="/finance/audit",
    nav_module="finance",
    label="收据审核",
    permission="finance.view",
    order=710,
    title="收据审核 · Loupan",
)


def layout(**_query):
    user = auth.viewer()
    statuses = [
        {"label": _("未审核"), "value": "draft"},
        {"label": _("已审核"), "value": "audited"},
        {"label": _("已作废"), "value": "voided"},
    ]
    can_audit = authz.has(user, "finance.audit")
    can_edit = authz.has(user, "finance.edit")
    return html.Div(
        [
            page_title(_("收据审核")),
            dbc.Row(
                [
                    field(
                        "状态",
                        dcc.Dropdown(
                            id=ids.AU_STATUS, options=statuses, value="draft", placeholder=_("全部")
                        ),
                        2,
                    ),
                    field(
                        "开始日期",
                        date_input(ids.AU_START, localtime.today() - timedelta(days=90)),
                        2,
                    ),
                    field("结束日期", date_input(ids.AU_END), 2),
                    field(
                        "作废/红冲原因",
                        dbc.Input(
                            id=ids.AU_REASON,
                            maxLength=100,
                            placeholder=_("必填：作废或红冲的原因"),
                        ),
                        3,
                    ),
                ],
                className="g-2 mb-2",
            ),
            html.Div(
                [
                    dbc.Button(
                        _("批量审核"),
                        id=ids.AU_AUDIT,
                        color="success",
                        className="me-2",
                        disabled=not can_audit,
                    ),
                    dbc.Button(
                        _("作废"),
                        id=ids.AU_VOID,
                        color="warning",
                        outline=True,
                        className="me-2",
                        disabled=not can_edit,
                    ),
                    dbc.Button(
                        _("红冲"),
                        id=ids.AU_REVERSE,
                        color="danger",
                        outline=True,
                        className="me-2",
                        disabled=not can_audit,
                    ),
                    dbc.Button(
                        _("打印收据"),
                        id=ids.AU_PRINT,
                        color="secondary",
                        outline=True,
                        className="me-2",
                    ),
                    export_button(ids.AU_EXPORT, ids.AU_DOWNLOAD),
                ],
                className="mb-2",
            ),
            html.Div(id=ids.AU_FEEDBACK),
            grid(
                ids.AU_GRID,
                columns.RECEIPTS,
                height=520,
                dashGridOptions={"rowSelection": "multiple", "suppressRowClickSelection": True},
            ),
            dcc.Location(id="fin-au-goto", refresh=True),
        ]
    )
