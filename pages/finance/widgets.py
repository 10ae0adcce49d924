"""Small layout helpers shared by the finance screens."""

from datetime import date, timedelta

import dash_bootstrap_components as dbc
from dash import dcc

from dashboard.i18n import _


def field(label: str, control, md: int = 3):
    return dbc.Col([dbc.Label(_(label), className="small mb-0"), control], md=md)


def date_input(component_id: str, value: date | None = None):
    return dcc.DatePickerSingle(
        id=component_id,
        date=(value or date.today()).isoformat(),
        display_format="YYYY-MM-DD",
        first_day_of_week=1,
    )


def months_ago(days: int) -> date:
    return date.today() - timedelta(days=days)
