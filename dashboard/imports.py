"""Wiring of an Excel import screen: template download, upload as a background job with a
progress bar, the error table and its Excel download. Layout: components.import_panel(prefix).

    imports.register(app, "inv-units", spec=units_spec, permission="inventory.edit",
                     context=lambda user, project_id: {"project_id": project_id},
                     state=[State(shell.PROJECT_SELECT, "value")],
                     on_done=[Output(ids.GRID_REFRESH, "data")])
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from types import SimpleNamespace

from dash import Input, Output, State, no_update

from data_layer.errors import DomainError
from data_layer.excel import importer

STAGES = {
    "read": "读取文件",
    "validate": "逐格检查",
    "check": "与数据库核对",
    "write": "写入",
    "done": "完成",
}


def ids(prefix: str) -> SimpleNamespace:
    return SimpleNamespace(
        upload=f"{prefix}-upload",
        progress=f"{prefix}-progress",
        status=f"{prefix}-status",
        errors=f"{prefix}-errors",
        error_box=f"{prefix}-error-box",
        error_button=f"{prefix}-error-button",
        error_download=f"{prefix}-error-download",
        template_button=f"{prefix}-template-button",
        template_download=f"{prefix}-template-download",
        done=f"{prefix}-done",
    )


def decode_upload(contents: str) -> bytes:
    """dcc.Upload's data URL → the file's bytes."""
    _header, _, data = (contents or "").partition(",")
    return base64.b64decode(data)


def register(
    app,
    prefix: str,
    *,
    spec: Callable[..., importer.ImportSpec] | importer.ImportSpec,
    permission: str,
    context: Callable[..., dict] | None = None,
    state: list[State] | None = None,
    template_name: str = "导入模板.xlsx",
    on_done: Output | None = None,
) -> None:
    """`spec` may be a callable(user, *state values) returning the ImportSpec; `context` a
    callable(user, *state values) returning the import context (e.g. the project id);
    `on_done` an extra Output receiving the number of rows written (e.g. to refresh a grid)."""
    from . import auth, background
    from .components import feedback
    from .db import database, reader
    from .i18n import _, language

    names = ids(prefix)
    state = list(state or [])

    def spec_for(user, values):
        return spec(user, *values) if callable(spec) else spec

    def context_for(user, values):
        return context(user, *values) if context else {}

    @auth.callback(
        app,
        permission,
        Output(names.template_download, "data"),
        Input(names.template_button, "n_clicks"),
        *state,
        prevent_initial_call=True,
    )
    def template(n_clicks, *values, user):
        if not n_clicks:
            return no_update
        the_spec = spec_for(user, values)
        content = importer.template_xlsx(the_spec, reader(), context_for(user, values))
        return {
            "content": base64.b64encode(content).decode(),
            "filename": template_name,
            "base64": True,
        }

    outputs = [
        Output(names.status, "children"),
        Output(names.errors, "rowData"),
        Output(names.error_box, "style"),
    ]
    if on_done is not None:
        outputs.append(on_done)

    @background.callback(
        app,
        permission,
        *outputs,
        Input(names.upload, "contents"),
        State(names.upload, "filename"),
        *state,
        progress=[Output(names.progress, "value"), Output(names.progress, "label")],
        running=[(Output(names.upload, "disabled"), True, False)],
        prevent_initial_call=True,
    )
    def run(set_progress, contents, filename, *values, user):
        hidden = {"display": "none"}
        if not contents:
            return (no_update,) * len(outputs)
        last = [0.0]

        def report(done, total, stage):
            now = time.monotonic()
            if stage != "done" and now - last[0] < 0.25:
                return
            last[0] = now
            percent = 100 if stage == "done" else int(done * 100 / total) if total else 0
            set_progress((percent, f"{_(STAGES.get(stage, stage))} {percent}%"))

        # A writer may append (Chinese, English) notices for the success message here, e.g.
        # that the prices wait for approval.
        notices: list[tuple[str, str]] = []
        try:
            content = decode_upload(contents)
            result = importer.run_import(
                database(),
                spec_for(user, values),
                content,
                actor=user,
                context={**context_for(user, values), "notices": notices},
                progress=report,
            )
        except DomainError as err:
            set_progress((0, ""))
            extra = [no_update] if on_done is not None else []
            return (feedback(err.text(language()), ok=False), [], hidden, *extra)
        if result.ok:
            set_progress((100, _("完成")))
            message = _("「{name}」已导入 {n} 行。", name=filename or "", n=result.written)
            if result.neutralised:
                message += _("（{n} 个以 = + - @ 开头的单元格已按文本保存）", n=result.neutralised)
            for zh, en in notices:
                message += " " + (en if language() == "en" else zh)
            extra = [result.written] if on_done is not None else []
            return (feedback(message), [], hidden, *extra)
        set_progress((0, ""))
        message = _(
            "「{name}」有 {n} 处错误，整个文件未导入。请按下表修改后重新上传。",
            name=filename or "",
            n=len(result.errors),
        )
        extra = [no_update] if on_done is not None else []
        records = result.error_records(language())  # each message in the viewer's language
        return (feedback(message, ok=False), records, {"display": "block"}, *extra)

    @auth.callback(
        app,
        permission,
        Output(names.error_download, "data"),
        Input(names.error_button, "n_clicks"),
        State(names.errors, "rowData"),
        prevent_initial_call=True,
    )
    def download_errors(n_clicks, rows, *, user):
        if not n_clicks or not rows:
            return no_update
        return {
            "content": base64.b64encode(importer.errors_xlsx(rows, language())).decode(),
            "filename": "导入错误清单.xlsx",
            "base64": True,
        }
