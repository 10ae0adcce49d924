"""Administration: users (create, reset password, enable/disable) and the audit log."""

from __future__ import annotations

from datetime import date

import dash
import flask
from dash import Input, Output, State

from dashboard import auth, exports, shell
from dashboard.components import feedback
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer import localtime
from data_layer.commands import users as user_commands
from data_layer.errors import DomainError
from data_layer.queries import audit as audit_queries
from data_layer.queries import org
from pages.admin import columns, ids


def _user_rows(user) -> list[dict]:
    frame = org.users_frame(reader(), user)
    rows = frame.to_dict("records")
    for row in rows:
        row["role_label"] = _(shell.ROLE_LABELS.get(row["role"], row["role"]))
        row["status"] = _("已启用") if row["active"] else _("已停用")
    return rows


# Readable names of the commonest actions; other areas' actions show their code.
ACTION_LABELS = {
    "auth.login": "登录",
    "auth.logout": "退出登录",
    "auth.login_failed": "登录失败",
    "auth.login_blocked": "登录被锁定",
    "user.create": "新建用户",
    "user.reset_password": "重置密码",
    "user.change_password": "修改密码",
    "user.language": "切换语言",
    "user.set_active": "启用/停用账号",
    "export.users": "导出用户",
    "export.audit_log": "导出审计日志",
    "demo.load": "载入演示数据",
}


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return f"{_(label)} ({code})" if label else code


def _selected_id(selected) -> int | None:
    return selected[0]["id"] if selected else None


def register(app):
    @auth.callback(
        app,
        "admin.users",
        Output(ids.USERS_GRID, "rowData"),
        Output(ids.USERS_FEEDBACK, "children"),
        Input(ids.CREATE, "n_clicks"),
        Input(ids.RESET, "n_clicks"),
        Input(ids.TOGGLE_ACTIVE, "n_clicks"),
        State(ids.NEW_USERNAME, "value"),
        State(ids.NEW_NAME, "value"),
        State(ids.NEW_ROLE, "value"),
        State(ids.NEW_PASSWORD, "value"),
        State(ids.NEW_PROJECTS, "value"),
        State(ids.RESET_PASSWORD, "value"),
        State(ids.USERS_GRID, "selectedRows"),
    )
    def users(
        _create,
        _reset,
        _toggle,
        username,
        name,
        role,
        password,
        projects,
        new_password,
        selected,
        *,
        user,
    ):
        trigger = dash.ctx.triggered_id
        message, ok = "", True
        db = database()
        try:
            if trigger == ids.CREATE:
                created = db.run(
                    user_commands.create_user,
                    actor=user,
                    username=(username or "").strip(),
                    display_name=name or "",
                    role=role or "",
                    password=password or "",
                    project_ids=[int(p) for p in projects or []],
                )
                message = _("用户 {name} 已创建。", name=created.username)
            elif trigger in (ids.RESET, ids.TOGGLE_ACTIVE):
                target_id = _selected_id(selected)
                if target_id is None:
                    raise DomainError(_("请先在表格中选择一个用户。"))
                if trigger == ids.RESET:
                    target = db.run(
                        user_commands.reset_password,
                        actor=user,
                        user_id=target_id,
                        new_password=new_password or "",
                    )
                    message = _("{name} 的密码已重置，下次登录须修改。", name=target.username)
                else:
                    target = db.run(
                        user_commands.set_active,
                        actor=user,
                        user_id=target_id,
                        active=not selected[0]["active"],
                    )
                    message = _(
                        "{name} 已启用。" if target.active else "{name} 已停用。",
                        name=target.username,
                    )
        except DomainError as err:
            message, ok = err.text(language()), False
        return _user_rows(user), feedback(message, ok)

    exports.register(
        app,
        "admin.users",
        "users",
        ids.USERS_GRID,
        ids.USERS_EXPORT,
        ids.USERS_DOWNLOAD,
        _user_rows,
        columns.USERS,
        "用户管理",
        filename=lambda: f"users-{localtime.today():%Y%m%d}.xlsx",
    )

    def _audit_rows(user, start, end, action, username):
        frame = audit_queries.audit_frame(
            reader(),
            user,
            start=date.fromisoformat(start) if start else None,
            end=date.fromisoformat(end) if end else None,
            action=action,
            username=username,
            zone=flask.current_app.config["LOUPAN_SETTINGS"].timezone,
        )
        rows = frame.to_dict("records")
        for row in rows:
            row["result"] = _("成功") if row["success"] else _("失败")
            row["action"] = action_label(row["action"])
        return rows

    @auth.callback(
        app,
        "audit.view",
        Output(ids.AUDIT_GRID, "rowData"),
        Output(ids.AUDIT_INFO, "children"),
        Input(ids.AUDIT_SEARCH, "n_clicks"),
        State(ids.AUDIT_START, "date"),
        State(ids.AUDIT_END, "date"),
        State(ids.AUDIT_ACTION, "value"),
        State(ids.AUDIT_USER, "value"),
    )
    def audit_search(_n, start, end, action, username, *, user):
        try:
            rows = _audit_rows(user, start, end, action, username)
        except DomainError as err:
            return [], feedback(err.text(language()), ok=False)
        info = _("共 {n} 条", n=len(rows))
        if len(rows) >= audit_queries.MAX_ROWS:
            info += " · " + _("最多显示最近 {n} 条，请缩小范围。", n=audit_queries.MAX_ROWS)
        return rows, info

    def _audit_export_rows(user, start, end, action, username):
        try:
            return _audit_rows(user, start, end, action, username)
        except DomainError:
            return None  # a period the grid refused: nothing to export

    exports.register(
        app,
        "audit.view",
        "audit_log",
        ids.AUDIT_GRID,
        ids.AUDIT_EXPORT,
        ids.AUDIT_DOWNLOAD,
        _audit_export_rows,
        columns.AUDIT,
        "审计日志",
        state=[
            State(ids.AUDIT_START, "date"),
            State(ids.AUDIT_END, "date"),
            State(ids.AUDIT_ACTION, "value"),
            State(ids.AUDIT_USER, "value"),
        ],
        filename=lambda: f"audit-{localtime.today():%Y%m%d}.xlsx",
    )
