"""交易登记: pick a building and a unit, then reserve, hold, subscribe or sign on it (the same
unit panel as on the sales control chart)."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import export_button, grid, page_title
from dashboard.i18n import _
from pages.deals import columns, ids
from pages.inventory import ids as inventory_ids

dash.register_page(
    __name__,
    path="/deals/register",
    nav_module="deals",
    label="交易登记",
    permission="deal.view",
    order=600,
    title="交易登记 · Loupan",
)


def layout(**_query):
    legend = html.Div(
        [
            html.Span(_(label), className=f"deal-legend {css} me-2")
            for label, css in (
                ("待售", "deal-st-available"),
                ("预留", "deal-st-reserved"),
                ("临定", "deal-st-held"),
                ("认购", "deal-st-subscribed"),
                ("签约", "deal-st-contracted"),
                ("未放盘/不可售", "deal-st-off"),
            )
        ],
        id=ids.REG_LEGEND,
        className="mb-2 small",
    )
    return html.Div(
        [
            page_title(_("交易登记")),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label(_("楼栋"), className="small mb-0"),
                            dcc.Dropdown(id=ids.REG_BUILDING, placeholder=_("请选择楼栋")),
                        ],
                        md=4,
                    ),
                    dbc.Col(legend, md=6, className="align-self-end"),
                    dbc.Col(
                        export_button(ids.REG_EXPORT, ids.REG_DOWNLOAD),
                        md=2,
                        className="align-self-end text-end mb-2",
                    ),
                ],
                className="mb-2",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        grid(
                            ids.REG_GRID,
                            columns.UNITS,
                            height=560,
                            dashGridOptions={"rowSelection": "single"},
                            getRowId="params.data.id",
                        ),
                        lg=7,
                    ),
                    dbc.Col(
                        dbc.Card(
                            dbc.CardBody(html.Div(id=inventory_ids.UNIT_ACTIONS)),
                            className="shadow-sm",
                        ),
                        lg=5,
                    ),
                ]
            ),
            dcc.Store(id=inventory_ids.SELECTED_UNIT),
        ]
    )
