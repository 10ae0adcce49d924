"""Internal messages: send, list, read (marks read) and archive."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import flask
from dash import Input, Output, State, html

from dashboard import auth
from dashboard.components import feedback
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer.commands import messages as commands
from data_layer.errors import DomainError
from data_layer.queries import messages as queries
from pages.desktop import ids


def _zone() -> str:
    return flask.current_app.config["LOUPAN_SETTINGS"].timezone


def _rows(frame) -> list[dict]:
    rows = frame.drop(columns=["body"]).to_dict("records")
    for row in rows:
        row["status"] = _("已读") if row["read"] else _("未读")
    return rows


def register(app):
    @auth.callback(
        app,
        "desktop.view",
        Output(ids.MSG_INBOX, "rowData"),
        Output(ids.MSG_SENT, "rowData"),
        Output(ids.MSG_FEEDBACK, "children"),
        Output(ids.MSG_VIEW, "children"),
        Input(ids.MSG_SEND, "n_clicks"),
        Input(ids.MSG_INBOX, "selectedRows"),
        Input(ids.MSG_SENT, "selectedRows"),
        Input(ids.MSG_ARCHIVE, "n_clicks"),
        State(ids.MSG_RECIPIENTS, "value"),
        State(ids.MSG_SUBJECT, "value"),
        State(ids.MSG_BODY, "value"),
        State(ids.MSG_VIEW, "children"),
    )
    def messages(
        _send, inbox_selected, sent_selected, _archive, recipients, subject, body, viewing, *, user
    ):
        trigger = dash.ctx.triggered_id
        db = database()
        message, ok, view = "", True, dash.no_update
        try:
            if trigger == ids.MSG_SEND:
                sent = db.run(
                    commands.send_message,
                    actor=user,
                    recipient_ids=recipients or [],
                    subject=subject or "",
                    body=body or "",
                )
                message = _("已发送给 {n} 人。", n=len(sent))
            elif trigger == ids.MSG_INBOX and inbox_selected:
                chosen = inbox_selected[0]
                db.run(commands.mark_read, actor=user, message_id=int(chosen["id"]))
                view = _show(queries.inbox(reader(), user, _zone()), chosen["id"])
            elif trigger == ids.MSG_SENT and sent_selected:
                view = _show(queries.sent(reader(), user, _zone()), sent_selected[0]["id"])
            elif trigger == ids.MSG_ARCHIVE and inbox_selected:
                db.run(commands.archive, actor=user, message_id=int(inbox_selected[0]["id"]))
                view = html.P(_("已归档。"), className="text-muted")
        except DomainError as err:
            message, ok = err.text(language()), False
        inbox = _rows(queries.inbox(reader(), user, _zone()))
        sent_rows = _rows(queries.sent(reader(), user, _zone()))
        return inbox, sent_rows, feedback(message, ok), view


def _show(frame, message_id):
    match = frame[frame["id"] == int(message_id)]
    if match.empty:
        return html.P(_("消息不存在。"), className="text-muted")
    row = match.iloc[0]
    # Plain text children: whatever a sender typed is shown as text, never as HTML.
    return html.Div(
        [
            html.H3(row["subject"], className="h6"),
            html.Div(f"{row['other']} · {row['sent_at']}", className="text-muted small mb-2"),
            dbc.Card(dbc.CardBody(html.Div(row["body"], style={"whiteSpace": "pre-wrap"}))),
        ]
    )
