"""Small layout helpers shared by the finance screens."""

from datetime import date, timedelta

import dash_bootstrap_components as dbc
from dash import dcc

from dashboard.i18n import _
from data_layer import localtime


def field(label: str, control, md: int = 3):
    return dbc.Col([dbc.Label(_(label), className="small mb-0"), control], md=md)


def date_input(component_id: str, value: date | None = None):
    return dcc.DatePickerSingle(
        id=component_id,
        date=(value or localtime.today()).isoformat(),
        display_format="YYYY-MM-DD",
        first_day_of_week=1,
    )


def months_ago(days: int) -> date:
    return localtime.today() - timedelta(days=days)


def no_live_deal() -> str:
    """收款登记 without a deal: only live deals are offered and take receipts."""
    return _(
        "请先选择交易。只有进行中的交易可以登记收款；已退房、已换房等已关闭的交易不在列表中，"
        "其退款请在「退款登记」开具退款单。"
    )


# Most rows 催款's summary shows at once before it scrolls; ag-grid alpine's row and header
# heights in pixels (a fixed 220px showed three rows of nineteen).
SUMMARY_ROWS = 12
ROW_PX, HEADER_PX = 42, 49


def summary_height(rows: int) -> dict:
    """The style of a grid without pagination tall enough for `rows` rows (at least two, for
    the empty grid's message; at most SUMMARY_ROWS, then it scrolls)."""
    shown = min(max(rows, 2), SUMMARY_ROWS)
    return {"height": f"{HEADER_PX + shown * ROW_PX + 4}px", "width": "100%"}
