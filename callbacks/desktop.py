"""Desktop figures and reminders for the viewer's current project."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State

from dashboard import auth, exports, shell
from dashboard.components import kpi_card
from dashboard.db import reader
from dashboard.i18n import _
from data_layer import authz, localtime
from data_layer.queries import desktop as queries
from data_layer.rules.money import format_amount
from pages.desktop import ids


def _records(frame):
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def register(app):
    @auth.callback(
        app,
        "desktop.view",
        Output(ids.FIGURES, "children"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def figures(project_id, *, user):
        f = queries.figures(reader(), user, project_id, localtime.today())
        count = "{:,}".format

        def money(value):
            return "¥" + format_amount(value)

        cards = [
            (_(label), shown(value))
            for label, value, shown in (
                ("客户数", f.customers, count),
                ("本月新增来访", f.new_visits_month, count),
                ("待跟进（今日及逾期）", f.follow_ups_due, count),
                ("在途交易", f.live_deals, count),
                ("本月认购套数", f.subscriptions_month, count),
                ("本月认购金额", f.subscribed_amount_month, money),
                ("可售房源", f.units_available, count),
                ("本月实收", f.received_month, money),
            )
            if value is not None
        ]
        return dbc.Row(
            [
                dbc.Col(kpi_card(label, value, f"desk-kpi-{i}"), xs=6, md=3, className="mb-3")
                for i, (label, value) in enumerate(cards)
            ]
        )

    @auth.callback(
        app,
        "crm.view",
        Output(ids.FOLLOW_UPS, "rowData"),
        Output(ids.BIRTHDAYS, "rowData"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def reminders(project_id, *, user):
        return _reminders(user, project_id)

    follow_ups = (ids.FOLLOW_UPS, ids.FOLLOW_UPS_EXPORT, ids.FOLLOW_UPS_DOWNLOAD)
    _register_export(app, 0, "follow_ups", *follow_ups, ids.REMINDER_COLUMNS, "待跟进客户")
    birthdays = (ids.BIRTHDAYS, ids.BIRTHDAYS_EXPORT, ids.BIRTHDAYS_DOWNLOAD)
    _register_export(app, 1, "birthdays", *birthdays, ids.BIRTHDAY_COLUMNS, "近期生日客户")


def _reminders(user, project_id) -> tuple[list[dict], list[dict]]:
    """Customers to follow up today or overdue, and birthdays in the coming week."""
    today = localtime.today()
    due = queries.follow_ups_due(reader(), user, today, project_id)
    birthdays = queries.birthdays_soon(reader(), user, today, project_id)
    for frame in (due, birthdays):
        for column in ("next_follow_up_on", "birthday"):
            frame[column] = frame[column].map(lambda d: d.isoformat() if d else "")
    return _records(due), _records(birthdays)


def _register_export(app, index, what, grid, button, download, columns, sheet):
    """Export one of the two reminder grids (`index` in _reminders) as shown."""

    @auth.callback(
        app,
        "crm.view",
        Output(download, "data"),
        Input(button, "n_clicks"),
        State(shell.PROJECT_SELECT, "value"),
        State(grid, "virtualRowData"),
        State(grid, "columnDefs"),
        State(grid, "columnState"),
        prevent_initial_call=True,
    )
    def export(_n, project_id, shown, column_defs, column_state, *, user):
        records = _reminders(user, project_id)[index]
        personal = {"personal_data": authz.sees_personal_data(user)}
        return exports.grid_xlsx(
            user,
            what,
            records,
            shown,
            column_defs,
            columns,
            _(sheet),
            details=personal,
            column_state=column_state,
        )
