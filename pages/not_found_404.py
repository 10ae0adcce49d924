"""The page shown for an unknown address."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.i18n import _

dash.register_page(__name__, path="/404", label="页面不存在")


def layout(**_query):
    return dbc.Alert([html.H4(_("页面不存在")), html.A(_("返回桌面"), href="/")], color="warning")
