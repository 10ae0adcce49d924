"""试算统计: how often consultants priced which units (试算 and saved 置业计划书), by layout,
orientation, floor band, odd/even floor and building, the most tried units and the layouts'
interest against their subscriptions — for pricing and price changes (定价、调价)."""

from datetime import timedelta

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import exports
from dashboard.charts import GRAPH_CONFIG
from dashboard.components import grid, page_title
from dashboard.i18n import _
from data_layer import localtime
from pages.plan import trial_ids as ids

dash.register_page(
    __name__,
    path="/plan/trials",
    nav_module="plan",
    label="试算统计",
    permission="quote.view",
    order=525,
    title="试算统计 · Loupan",
)

DEFAULT_DAYS = 30


def _chart(chart_id: str, height: int = 330) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            dcc.Graph(id=chart_id, config=GRAPH_CONFIG, style={"height": f"{height}px"}),
            className="p-2",
        ),
        className="shadow-sm h-100",
    )


def layout(**_query):
    today = localtime.today()
    filters = html.Div(
        [
            html.Div(
                dcc.DatePickerRange(
                    id=ids.DATES,
                    start_date=(today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
                    end_date=today.isoformat(),
                    display_format="YYYY-MM-DD",
                    minimum_nights=0,
                ),
                style={"width": "300px"},
            ),
            html.Div(
                dcc.Dropdown(id=ids.BUILDING, placeholder=_("全部楼栋"), clearable=True),
                style={"width": "220px"},
            ),
            html.Div(
                dcc.Dropdown(
                    id=ids.BAND,
                    options=[
                        {"label": _("每 {n} 层一段", n=n), "value": n} for n in ids.BAND_SIZES
                    ],
                    value=5,
                    clearable=False,
                ),
                style={"width": "170px"},
                title=_("楼层段"),
            ),
        ],
        className="d-flex flex-wrap gap-2 align-items-center mb-2",
    )
    return html.Div(
        [
            page_title(_("试算统计")),
            html.P(
                _(
                    "系统自动记录每次试算和保存的置业计划书（按房间、户型、朝向、楼层），"
                    "为定价和调价提供参考；不含客户姓名。"
                ),
                className="small text-muted mb-2",
            ),
            filters,
            html.Div(id=ids.SUMMARY, className="mb-2"),
            html.Div(id=ids.EMPTY),
            dbc.Row(
                [
                    dbc.Col(_chart(ids.LAYOUT_CHART, 400), lg=7, className="mb-3"),
                    dbc.Col(_chart(ids.ORIENTATION_CHART, 400), lg=5, className="mb-3"),
                ],
                className="g-3",
            ),
            dbc.Row(
                [
                    dbc.Col(_chart(ids.BAND_CHART), lg=5, className="mb-3"),
                    dbc.Col(_chart(ids.PARITY_CHART), lg=3, className="mb-3"),
                    dbc.Col(_chart(ids.BUILDING_CHART), lg=4, className="mb-3"),
                ],
                className="g-3",
            ),
            exports.heading(_("试算最多的房间（前 20 套）"), ids.TOP_EXPORT, ids.TOP_DOWNLOAD),
            grid(ids.TOP_GRID, ids.top_columns(), height=460),
            exports.heading(_("户型试算与认购"), ids.LAYOUT_EXPORT, ids.LAYOUT_DOWNLOAD),
            html.Div(
                _("认购（套）：期间内新增且有效的认购与签约；认购/试算：关注转为成交的比例。"),
                className="small text-muted mb-1",
            ),
            grid(ids.LAYOUT_GRID, ids.layout_columns(), height=320),
        ],
        className="pb-4",
    )
