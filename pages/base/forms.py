"""Small form helpers shared by the base-data screens."""

import dash_bootstrap_components as dbc
from dash import html

from dashboard.i18n import _


def field(label: str, component, width: str | None = None) -> html.Div:
    return html.Div(
        [dbc.Label(_(label), className="small mb-0"), component],
        style={"width": width} if width else {"minWidth": "120px"},
    )


def text(component_id: str, **kwargs) -> dbc.Input:
    return dbc.Input(id=component_id, size="sm", **kwargs)


def number(component_id: str, **kwargs) -> dbc.Input:
    return dbc.Input(id=component_id, type="number", size="sm", **kwargs)


def row(*children) -> html.Div:
    return html.Div(list(children), className="d-flex flex-wrap gap-2 align-items-end mb-2")
