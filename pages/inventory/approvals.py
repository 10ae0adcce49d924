"""调价审批: adjustments above the threshold wait here for a sales manager's decision."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import format
from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from pages.inventory import columns, ids

dash.register_page(
    __name__,
    path="/analytics/price-approvals",
    nav_module="analytics",
    label="调价审批",
    permission="pricing.approve",
    order=831,
    title="调价审批 · Loupan",
)


def layout(**_query):
    fmt = format.current()
    statuses = [
        {"label": _("待审批"), "value": "pending"},
        {"label": _("已批准"), "value": "approved"},
        {"label": _("已驳回"), "value": "rejected"},
        {"label": _("已生效"), "value": "applied"},
    ]
    return html.Div(
        [
            page_title(_("调价审批")),
            html.Div(
                [
                    dcc.Dropdown(
                        id=ids.APPROVAL_STATUS,
                        options=statuses,
                        value="pending",
                        placeholder=_("全部状态"),
                        style={"width": "180px"},
                    ),
                    dbc.Input(
                        id=ids.APPROVAL_NOTE,
                        placeholder=_("审批意见（驳回时必填）"),
                        size="sm",
                        style={"maxWidth": "320px"},
                    ),
                    dbc.Button(_("批准"), id=ids.APPROVE, color="success", size="sm"),
                    dbc.Button(_("驳回"), id=ids.REJECT, color="danger", size="sm", outline=True),
                    html.Div(
                        export_button(ids.APPROVAL_EXPORT, ids.APPROVAL_DOWNLOAD),
                        className="ms-auto",
                    ),
                ],
                className="d-flex flex-wrap gap-2 align-items-center mb-2",
            ),
            html.Div(id=ids.APPROVAL_FEEDBACK),
            grid(
                ids.APPROVAL_GRID,
                columns.with_numbers(columns.ADJUSTMENTS, columns.ADJUSTMENT_NUMBERS, fmt),
                height=300,
                dashGridOptions={"rowSelection": "single"},
                getRowId="params.data.id",
            ),
            html.Div(
                [
                    html.H6(_("调价明细（选中调价单后显示）"), className="mb-0"),
                    html.Div(
                        export_button(ids.APPROVAL_ITEMS_EXPORT, ids.APPROVAL_ITEMS_DOWNLOAD),
                        className="ms-auto",
                    ),
                ],
                className="d-flex align-items-center mt-3 mb-2",
            ),
            grid(
                ids.APPROVAL_ITEMS,
                columns.with_numbers(
                    columns.ADJUSTMENT_ITEMS, columns.ADJUSTMENT_ITEM_NUMBERS, fmt
                ),
                height=300,
            ),
        ]
    )
