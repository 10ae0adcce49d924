"""Changing one's own password."""

from __future__ import annotations

from dash import Input, Output, State
from flask_login import login_user

from dashboard import auth
from dashboard.components import feedback
from dashboard.db import database
from dashboard.i18n import _, language
from data_layer.commands import users as user_commands
from data_layer.errors import DomainError
from pages.account import ids as account


def register(app):
    @auth.callback(
        app,
        None,
        Output(account.FEEDBACK, "children"),
        Input(account.SAVE, "n_clicks"),
        State(account.CURRENT, "value"),
        State(account.NEW, "value"),
        State(account.CONFIRM, "value"),
        prevent_initial_call=True,
    )
    def change_password(_n, current, new, confirm, *, user):
        if (new or "") != (confirm or ""):
            return feedback(_("两次输入的新密码不一致。"), ok=False)
        try:
            updated = database().run(
                user_commands.change_password,
                actor=user,
                current_password=current or "",
                new_password=new or "",
            )
        except DomainError as err:
            return feedback(err.text(language()), ok=False)
        # The new password ends other sessions; keep this one by re-issuing its login.
        login_user(auth.SessionUser(updated))
        return feedback(_("密码已修改。"))
