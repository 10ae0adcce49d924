"""业主台帐: every owner (a customer holding a live signed contract) with payment, mortgage and
certificate progress and coming birthdays; a row opens the owner's payments and history."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import exports, format
from dashboard.components import grid, page_title
from dashboard.i18n import _
from pages.aftersales import owner_ids as ids

dash.register_page(
    __name__,
    path="/aftersales/owners",
    nav_module="aftersales",
    label="业主台帐",
    permission="owners.view",
    order=750,
    title="业主台帐 · Loupan",
)


def _filters() -> dbc.Row:
    paid = [
        {"label": _("全部"), "value": "all"},
        {"label": _("已付清"), "value": "yes"},
        {"label": _("未付清"), "value": "no"},
    ]
    birthdays = [
        {"label": _("全部"), "value": "all"},
        {"label": _("7 天内"), "value": "7"},
        {"label": _("30 天内"), "value": "30"},
    ]
    return dbc.Row(
        [
            dbc.Col(
                dbc.Input(
                    id=ids.SEARCH,
                    type="search",
                    debounce=True,
                    placeholder=_("搜索业主姓名、房间或合同编号"),
                    size="sm",
                ),
                md=4,
            ),
            dbc.Col(
                dbc.InputGroup(
                    [
                        dbc.InputGroupText(_("房款")),
                        dbc.Select(id=ids.PAID, options=paid, value="all"),
                    ],
                    size="sm",
                ),
                md=4,
                lg=3,
            ),
            dbc.Col(
                dbc.InputGroup(
                    [
                        dbc.InputGroupText(_("生日")),
                        dbc.Select(id=ids.BIRTHDAY, options=birthdays, value="all"),
                    ],
                    size="sm",
                ),
                md=4,
                lg=3,
            ),
        ],
        className="g-2 mb-2 align-items-center",
    )


def layout(**_query):
    fmt = format.current()
    return html.Div(
        [
            page_title(_("业主台帐")),
            html.Div(id=ids.KPIS, className="mb-3"),
            _filters(),
            exports.heading(
                html.Div(
                    [
                        html.H2(_("业主列表"), className="h6 mb-0 me-3"),
                        html.Span(id=ids.NOTE, className="text-muted small"),
                    ],
                    className="d-flex align-items-baseline",
                ),
                ids.EXPORT,
                ids.DOWNLOAD,
                class_name="mt-1",
            ),
            dcc.Loading(
                grid(
                    ids.GRID,
                    ids.columns(fmt),
                    height=460,
                    dashGridOptions={"rowSelection": "single"},
                    getRowId="params.data.id",
                ),
                delay_show=400,
            ),
            html.P(
                _("点击一行查看该业主的付款记录和交易历史。"),
                className="text-muted small mt-1 mb-2",
            ),
            html.Div(id=ids.DETAIL, className="mt-2"),
        ]
    )
