"""Form pieces shared by the 营销管理 screens (options from the code dictionary)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.db import reader
from dashboard.format import grid_number
from dashboard.i18n import _, language
from data_layer.queries import base as base_queries
from data_layer.queries import org

MONEY = grid_number(",.2f", minWidth=130)
RATE = grid_number(".1%")
COUNT = {"type": "rightAligned"}


def project_options() -> list[dict]:
    return [{"label": p.name, "value": p.id} for p in org.visible_projects(reader(), auth.viewer())]


def code_options(category: str) -> list[dict]:
    """The category's active codes, labelled in the viewer's language."""
    return base_queries.code_options(reader(), category, language())


def field(label: str, control, width: int = 3):
    return dbc.Col([dbc.Label(_(label), className="small mb-0"), control], xs=12, sm=6, md=width)


def dropdown(component_id: str, options, placeholder: str = "", value=None):
    return dcc.Dropdown(
        id=component_id, options=options, value=value, placeholder=_(placeholder) or None
    )


def read_only_note():
    return html.Div(_("您的角色只能查看营销费用。"), className="text-muted small mb-2")
