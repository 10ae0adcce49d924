"""站内消息: write to colleagues and read what they sent."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth
from dashboard.components import grid, page_title
from dashboard.db import reader
from dashboard.i18n import _
from data_layer.queries import messages
from pages.desktop import ids

dash.register_page(
    __name__,
    path="/desktop/messages",
    nav_module="desktop",
    label="站内消息",
    permission="desktop.view",
    order=10,
    title="站内消息 · Loupan",
)


def layout(**_query):
    user = auth.viewer()
    compose = dbc.Card(
        dbc.CardBody(
            [
                html.H2(_("写消息"), className="h6"),
                dcc.Dropdown(
                    id=ids.MSG_RECIPIENTS,
                    options=messages.recipients(reader(), user),
                    multi=True,
                    placeholder=_("收件人"),
                    className="mb-2",
                ),
                dbc.Input(
                    id=ids.MSG_SUBJECT, placeholder=_("主题"), maxLength=100, className="mb-2"
                ),
                dbc.Textarea(
                    id=ids.MSG_BODY,
                    placeholder=_("正文"),
                    maxLength=5000,
                    style={"height": "140px"},
                    className="mb-2",
                ),
                dbc.Button(_("发送"), id=ids.MSG_SEND, color="primary"),
                html.Div(id=ids.MSG_FEEDBACK, className="mt-2"),
            ]
        ),
        className="shadow-sm",
    )
    boxes = dbc.Tabs(
        [
            dbc.Tab(
                grid(
                    ids.MSG_INBOX,
                    ids.MSG_COLUMNS,
                    height=300,
                    dashGridOptions={"rowSelection": "single"},
                ),
                label=_("收件箱"),
                tab_id="inbox",
            ),
            dbc.Tab(
                grid(
                    ids.MSG_SENT,
                    ids.MSG_SENT_COLUMNS,
                    height=300,
                    dashGridOptions={"rowSelection": "single"},
                ),
                label=_("已发送"),
                tab_id="sent",
            ),
        ],
        id=ids.MSG_TABS,
        active_tab="inbox",
    )
    reading = dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    id=ids.MSG_VIEW,
                    children=html.P(_("点击一条消息查看内容。"), className="text-muted"),
                ),
                dbc.Button(
                    _("归档"),
                    id=ids.MSG_ARCHIVE,
                    size="sm",
                    color="secondary",
                    outline=True,
                    className="mt-2",
                ),
            ]
        ),
        className="mt-3 shadow-sm",
    )
    return html.Div(
        [
            page_title(_("站内消息")),
            dbc.Row([dbc.Col(compose, lg=4), dbc.Col([boxes, reading], lg=8)]),
        ]
    )
