"""销控表: a building's floors × units coloured by status, live, with filters and a unit panel."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.charts import GRAPH_CONFIG
from dashboard.components import page_title
from dashboard.i18n import _
from pages.inventory import ids

dash.register_page(
    __name__,
    path="/deals/chart",
    nav_module="deals",
    label="销控表",
    permission="inventory.view",
    order=500,
    title="销控表 · Loupan",
)

STATUS_OPTIONS = [
    ("unreleased", "未放盘"),
    ("available", "待售"),
    ("reserved", "预留"),
    ("held", "临定"),
    ("subscribed", "认购"),
    ("contracted", "签约"),
    ("not_for_sale", "不可售"),
]


def _number(component_id: str, placeholder: str) -> dbc.Input:
    return dbc.Input(
        id=component_id,
        type="number",
        min=0,
        placeholder=placeholder,
        size="sm",
        debounce=True,
        style={"width": "90px"},
    )


def layout(building=None, **_query):
    filters = html.Div(
        [
            dcc.Dropdown(
                id=ids.BUILDING_SELECT,
                placeholder=_("选择楼栋"),
                clearable=False,
                style={"minWidth": "200px"},
            ),
            dcc.Dropdown(
                id=ids.FILTER_LAYOUT, multi=True, placeholder=_("户型"), style={"minWidth": "140px"}
            ),
            dcc.Dropdown(
                id=ids.FILTER_ORIENTATION,
                multi=True,
                placeholder=_("朝向"),
                style={"minWidth": "120px"},
            ),
            dcc.Dropdown(
                id=ids.FILTER_STATUS,
                multi=True,
                placeholder=_("状态"),
                options=[{"label": _(label), "value": value} for value, label in STATUS_OPTIONS],
                style={"minWidth": "140px"},
            ),
            html.Span(_("面积"), className="small text-muted"),
            _number(ids.FILTER_AREA_MIN, _("最小㎡")),
            html.Span("–"),
            _number(ids.FILTER_AREA_MAX, _("最大㎡")),
            html.Span(_("总价(万)"), className="small text-muted"),
            _number(ids.FILTER_PRICE_MIN, _("最低")),
            html.Span("–"),
            _number(ids.FILTER_PRICE_MAX, _("最高")),
            dbc.Button(
                _("清除筛选"), id=ids.FILTER_RESET, size="sm", color="secondary", outline=True
            ),
        ],
        className="d-flex flex-wrap gap-2 align-items-center mb-2 chart-filters",
    )
    panel = dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    html.Div(_("点击销控表中的房间查看详情。"), className="text-muted"),
                    id=ids.UNIT_DETAIL,
                ),
                # Filled by the deals area from SELECTED_UNIT (reserve / hold / subscribe / sign).
                html.Div(id=ids.UNIT_ACTIONS, className="mt-2"),
            ]
        ),
        id=ids.UNIT_PANEL,
        className="shadow-sm unit-panel",
    )
    return html.Div(
        [
            page_title(_("销控表")),
            filters,
            html.Div(id=ids.CHART_LEGEND, className="mb-2"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Div(id=ids.CHART_INFO, className="small text-muted mb-1"),
                            dcc.Graph(
                                id=ids.CHART_GRAPH,
                                config={**GRAPH_CONFIG, "displayModeBar": False},
                                figure={"data": [], "layout": {"height": 400}},
                            ),
                        ],
                        lg=8,
                        className="chart-column",
                    ),
                    dbc.Col(panel, lg=4),
                ],
                className="g-3",
            ),
            dcc.Store(id=ids.SELECTED_UNIT),
            dcc.Store(id=ids.FINGERPRINT),
            dcc.Store(id=ids.CHART_CELLS),
            dcc.Store(id=ids.URL_BUILDING, data=building),
            dcc.Interval(id=ids.LIVE_INTERVAL, interval=1000),
        ]
    )
