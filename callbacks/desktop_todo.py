"""桌面 → 待办提醒: a row of compact tiles (label, count, link to where the work is done) for
what the viewer's role may act on, in the current project (None: every visible project)."""

from __future__ import annotations

import flask
from dash import Input, Output, dcc, html

from dashboard import auth, format, shell
from dashboard.db import reader
from dashboard.i18n import _
from data_layer import localtime
from data_layer.queries import todo as queries
from pages.desktop import ids, todo_ids

TILE_STYLE = {"width": "10.5rem", "flex": "0 0 10.5rem"}  # equal tiles, five a row at 1024 px


def _hints() -> dict[str, str]:
    """The small line under a tile's label: which items it counts."""
    within = _("{days} 天内到期", days=queries.ENDING_DAYS)
    return {
        "follow_ups": _("今日及逾期"),
        "holds_ending": within,
        "to_sign": _("认购超过 {days} 天", days=queries.SIGN_AFTER_DAYS),
        "quotes_expiring": within,
        "new_deals_unpaid": _("近 {days} 天成交", days=queries.NEW_DEAL_DAYS),
        "changes_approved": _("近 {days} 天批准", days=queries.NEW_DEAL_DAYS),
        "owner_birthdays": _("{days} 天内", days=queries.BIRTHDAY_DAYS),
    }


def _policy() -> queries.LoginPolicy:
    settings = flask.current_app.config.get("LOUPAN_SETTINGS")
    if settings is None:
        return queries.LoginPolicy()
    return queries.LoginPolicy(settings.login_max_failures, settings.login_window_minutes)


def tile(item: queries.TodoItem, hint: str, fmt) -> dcc.Link:
    zero = item.count == 0
    body = [
        # Labels and hints wrap (English is longer); the tiles of a row share their height.
        html.Div(_(item.label), className="small fw-semibold lh-sm"),
        html.Div(
            f"{item.count:,}",
            className="fs-4 fw-semibold lh-sm " + ("text-muted" if zero else "text-primary"),
        ),
    ]
    if item.amount is not None and not zero:
        body.append(html.Div("¥" + fmt.amount(item.amount), className="small text-truncate"))
    elif hint:
        body.append(html.Div(hint, className="small text-muted lh-sm"))
    return dcc.Link(
        body,
        href=item.href,
        id=todo_ids.TILE.format(key=item.key),
        className="d-block border rounded px-2 py-1 text-decoration-none text-body "
        + ("bg-light opacity-75" if zero else "bg-white shadow-sm"),
        style=TILE_STYLE,
    )


def panel(items: list[queries.TodoItem]):
    if not items:
        return None
    hints = _hints()
    fmt = format.current()
    return html.Div(
        [
            html.H2(_("待办提醒"), className="h6 mt-1 mb-2"),
            html.Div(
                [tile(item, hints.get(item.key, ""), fmt) for item in items],
                className="d-flex flex-wrap gap-2",
            ),
        ],
        id=todo_ids.PANEL,
        className="mb-3",
    )


def register(app):
    @auth.callback(
        app,
        "desktop.view",
        Output(ids.TODO, "children"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def todo(project_id, *, user):
        found = queries.items(
            reader(), user, project_id, localtime.today(), policy=_policy(), parallel=True
        )
        return panel(found)
