"""Pieces shared by the 决策分析 and 营销管理 screens: the period filter and a chart card
with its image (Plotly's camera button) and Excel download."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.charts import GRAPH_CONFIG
from dashboard.components import export_button
from dashboard.i18n import _
from data_layer import localtime
from data_layer.queries.overview import preset_period

PRESET_LABELS = {
    "month": "本月",
    "last_month": "上月",
    "quarter": "本季度",
    "year": "本年",
    "last12": "近12个月",
    "last_year": "去年",
}


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def period_filter(
    preset_id: str, period_id: str, preset: str = "year", start=None, end=None
) -> dbc.Row:
    """Preset periods and a date range; ?start=&end= in the address give a custom period (a
    drill-down keeps its period, a link can be shared)."""
    custom_start, custom_end = _day(start), _day(end)
    if custom_start and custom_end:
        start, end, preset = custom_start, custom_end, None
    else:
        start, end = preset_period(preset, localtime.today())
    return dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=preset_id,
                    options=[{"label": _(v), "value": k} for k, v in PRESET_LABELS.items()],
                    value=preset,
                    placeholder=_("自定义"),
                    clearable=False,
                    searchable=False,
                ),
                xs=5,
                md=2,
            ),
            dbc.Col(
                dcc.DatePickerRange(
                    id=period_id,
                    start_date=start.isoformat(),
                    end_date=end.isoformat(),
                    display_format="YYYY-MM-DD",
                    first_day_of_week=1,
                    minimum_nights=0,
                    start_date_placeholder_text=_("开始日期"),
                    end_date_placeholder_text=_("结束日期"),
                ),
                xs=7,
                md="auto",
            ),
        ],
        className="g-2 mb-3 align-items-center",
    )


def chart_card(title: str, graph_id: str, export: tuple[str, str], height: int = 340):
    """A titled chart: the modebar's camera saves it as PNG, the button exports its data."""
    button, download = export
    return dbc.Card(
        [
            dbc.CardHeader(
                [html.Span(title, className="fw-semibold"), export_button(button, download)],
                className="d-flex justify-content-between align-items-center py-2",
            ),
            dbc.CardBody(
                dcc.Loading(
                    dcc.Graph(
                        id=graph_id,
                        config={**GRAPH_CONFIG, "responsive": True},
                        style={"height": f"{height}px"},
                    ),
                    type="dot",
                ),
                className="p-2",
            ),
        ],
        className="shadow-sm mb-3",
    )


def section(title: str, body, export: tuple[str, str] | None = None):
    header = [html.Span(title, className="fw-semibold")]
    if export:
        header.append(export_button(*export))
    return dbc.Card(
        [
            dbc.CardHeader(
                header, className="d-flex justify-content-between align-items-center py-2"
            ),
            dbc.CardBody(body, className="p-2"),
        ],
        className="shadow-sm mb-3",
    )
