"""The one layout of 按揭办理 and 产权办理, parameterised by the kind: status progress chart,
filters, the work list (exported as shown) and the side panel of the selected case."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import exports
from dashboard import format as number_format
from dashboard.charts import GRAPH_CONFIG
from dashboard.components import grid, page_title
from dashboard.i18n import _
from data_layer.models import CaseKind
from data_layer.rules import aftersales as rules
from pages.aftersales import case_ids as ids

INTRO = {
    CaseKind.MORTGAGE: "已签约的按揭付款业主：收齐按揭资料后送办银行，放款后登记已办。",
    CaseKind.CERTIFICATE: "已付清房款的业主：收齐产权资料后申请、送办，出证时登记产权证号。",
}


def build(kind: CaseKind | str) -> html.Div:
    kind = CaseKind(kind)
    fmt = number_format.current()
    statuses = [{"label": _("全部状态"), "value": "all"}] + [
        {"label": _(rules.STATUS_LABELS[s]), "value": s.value} for s in rules.ORDER[kind]
    ]
    return html.Div(
        [
            page_title(_(rules.KIND_LABELS[kind])),
            html.P(
                _(INTRO[kind]) + " " + _("点击进度图的柱形可只看该状态。"),
                className="text-muted small mb-2",
            ),
            dcc.Store(id=ids.KIND, data=kind.value),
            dcc.Store(id=ids.CURRENT),
            dcc.Store(id=ids.REFRESH, data=0),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dcc.Graph(
                                id=ids.CHART,
                                config={**GRAPH_CONFIG, "displayModeBar": False},
                                style={"height": "230px"},
                            ),
                            dbc.Row(
                                [
                                    dbc.Col(
                                        [
                                            dbc.Label(_("状态"), className="small mb-0"),
                                            dbc.Select(
                                                id=ids.STATUS, options=statuses, value="all"
                                            ),
                                        ],
                                        md=3,
                                    ),
                                    dbc.Col(
                                        [
                                            dbc.Label(_("搜索"), className="small mb-0"),
                                            dbc.Input(
                                                id=ids.SEARCH,
                                                placeholder=_("业主姓名、房间或合同编号"),
                                                debounce=True,
                                                maxLength=50,
                                            ),
                                        ],
                                        md=5,
                                    ),
                                ],
                                className="g-2 mb-1",
                            ),
                            exports.heading(
                                _("业主列表"), ids.EXPORT, ids.DOWNLOAD, class_name="mt-2"
                            ),
                            grid(
                                ids.GRID,
                                ids.columns(kind.value, fmt.amount_places),
                                height=520,
                                getRowId="params.data.deal_id",
                                dashGridOptions={"rowSelection": "single"},
                            ),
                        ],
                        xl=8,
                        lg=7,
                    ),
                    dbc.Col(
                        [
                            html.Div(id=ids.FEEDBACK),
                            html.Div(
                                id=ids.PANEL,
                                children=dbc.Card(
                                    dbc.CardBody(
                                        _("在列表中选择一位业主，查看资料清单、办理信息和历史。"),
                                        className="text-muted small",
                                    ),
                                    className="shadow-sm",
                                ),
                            ),
                        ],
                        xl=4,
                        lg=5,
                    ),
                ],
                className="g-3",
            ),
        ]
    )
