"""交易列表: every deal the viewer may see, with its history, receivables and receipts."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from pages.deals import columns, ids

dash.register_page(
    __name__,
    path="/deals/list",
    nav_module="deals",
    label="交易列表",
    permission="deal.view",
    order=610,
    title="交易列表 · Loupan",
)


def _deal_id(value) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def layout(deal=None, **_query):
    """`deal`: a deal to open at once (a link from another page); every state is listed then,
    since a linked deal may be closed. The detail is read within the viewer's scope."""
    focus = _deal_id(deal)
    states = [
        {"label": _("在途"), "value": "live"},
        {"label": _("已过期"), "value": "expired"},
        {"label": _("已退房"), "value": "cancelled"},
        {"label": _("已挞定"), "value": "forfeited"},
        {"label": _("已换房"), "value": "swapped"},
    ]
    return html.Div(
        [
            page_title(_("交易列表")),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(
                            id=ids.LIST_STATE,
                            options=states,
                            value=None if focus else "live",
                            placeholder=_("全部状态"),
                        ),
                        md=3,
                    ),
                    dbc.Col(export_button(ids.LIST_EXPORT, ids.LIST_DOWNLOAD), md=3),
                ],
                className="mb-2 g-2",
            ),
            grid(
                ids.LIST_GRID, columns.DEALS, height=420, dashGridOptions={"rowSelection": "single"}
            ),
            dcc.Store(id=ids.LIST_FOCUS, data=focus),
            html.Div(id=ids.LIST_DETAIL, className="mt-3"),
        ]
    )
