"""修改密码: every user changes their own password here."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import page_title
from dashboard.i18n import _
from pages.account.ids import CONFIRM, CURRENT, FEEDBACK, NEW, SAVE

dash.register_page(
    __name__, path="/account", label="修改密码", order=1000, title="修改密码 · Loupan"
)


def layout(**_query):
    return dbc.Row(
        dbc.Col(
            [
                page_title(_("修改密码")),
                dbc.Label(_("当前密码"), html_for=CURRENT),
                dbc.Input(
                    id=CURRENT, type="password", className="mb-2", autocomplete="current-password"
                ),
                dbc.Label(_("新密码"), html_for=NEW),
                dbc.Input(id=NEW, type="password", className="mb-2", autocomplete="new-password"),
                dbc.Label(_("确认新密码"), html_for=CONFIRM),
                dbc.Input(
                    id=CONFIRM, type="password", className="mb-3", autocomplete="new-password"
                ),
                dbc.Button(_("保存"), id=SAVE, color="primary"),
                html.Div(id=FEEDBACK, className="mt-3"),
            ],
            md=5,
            lg=4,
        )
    )
