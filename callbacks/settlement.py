"""面积补差: the measured-area import, the list with its cards and export, and 生成补差
(data_layer.commands.settlement.settle_areas)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import dash_bootstrap_components as dbc
from dash import Input, Output, State, no_update

from dashboard import auth, exports, format, imports, shell
from dashboard.components import feedback, kpi_card
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer.commands import settlement as commands
from data_layer.errors import DomainError
from data_layer.excel.measured_import import SPEC
from data_layer.queries import settlement as queries
from data_layer.rules.money import format_amount
from pages.finance import settlement_ids as ids

STATE_CODES = {
    queries.NOT_SETTLED: "open",
    queries.GENERATED: "generated",
    queries.CHANGED: "changed",
    queries.NO_SETTLEMENT: "none",
}


def _frame(user, project_id):
    return queries.settlement_frame(reader(), user, project_id)


def _translate(rows: list[dict]) -> list[dict]:
    for row in rows:
        for field in ids.LABELS:
            if isinstance(row.get(field), str) and row[field]:
                row[field] = _(row[field])
    return rows


def _grid_rows(frame) -> list[dict]:
    rows = format.grid_records(exports.exact_rows(frame))
    for row in rows:
        code = STATE_CODES.get(row.get("state"), "")
        row["state_code"] = code
        row["selectable"] = code in ("open", "changed") and row.get("amount") is not None
        if row.get("due_on") is not None:
            row["due_on"] = str(row["due_on"])[:10]
    return _translate(rows)


def _export_rows(user, project_id):
    return _translate(exports.exact_rows(_frame(user, project_id)))


def _cards(summary: dict):
    cards = [
        (_("已测房间（已签约）"), str(summary["measured"])),
        (_("客户应补合计"), "¥" + format_amount(summary["buyers_pay"])),
        (_("应退客户合计"), "¥" + format_amount(summary["refunds"])),
        (_("可退房（超 ±3%）"), str(summary["may_cancel"])),
    ]
    return dbc.Row(
        [
            dbc.Col(kpi_card(label, value, f"fin-st-kpi-{i}"), xs=6, md=3)
            for i, (label, value) in enumerate(cards)
        ],
        className="g-2",
    )


def _due(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def register(app):
    imports.register(
        app,
        ids.IMPORT,
        spec=SPEC,
        permission="finance.edit",
        context=lambda user, project_id: {"project_id": project_id},
        state=[State(shell.PROJECT_SELECT, "value")],
        template_name="实测面积导入模板.xlsx",
        on_done=Output(ids.IMPORTED, "data"),
    )

    @auth.callback(
        app,
        "finance.view",
        Output(ids.GRID, "rowData"),
        Output(ids.KPIS, "children"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.IMPORTED, "data"),
        Input(ids.REFRESH, "data"),
    )
    def settlement_list(project_id, _imported, _refresh, *, user):
        frame = _frame(user, project_id)
        return _grid_rows(frame), _cards(queries.summary(frame))

    @auth.callback(
        app,
        "finance.edit",
        Output(ids.FEEDBACK, "children"),
        Output(ids.REFRESH, "data"),
        Input(ids.GENERATE, "n_clicks"),
        State(ids.GRID, "selectedRows"),
        State(ids.DUE, "date"),
        prevent_initial_call=True,
        running=[(Output(ids.GENERATE, "disabled"), True, False)],
    )
    def generate(n_clicks, selected, due, *, user):
        if not n_clicks:
            return no_update, no_update
        chosen = [int(r["id"]) for r in selected or [] if r.get("id") is not None]
        try:
            if not chosen:
                raise DomainError("请先勾选要补差的房间。", "Select the units to settle first.")
            due_on = _due(due)
            if due_on is None:
                raise DomainError("请填写补差款的应收日期。", "Enter the due date first.")
            lines = database().run(
                commands.settle_areas, actor=user, deal_ids=chosen, due_on=due_on
            )
        except DomainError as err:
            return feedback(err.text(language()), ok=False), no_update
        pay = sum((r.amount for r in lines if r.amount > 0), start=Decimal(0))
        refund = -sum((r.amount for r in lines if r.amount < 0), start=Decimal(0))
        message = _(
            "已生成 {n} 笔补差应收：客户应补 ¥{pay}，应退客户 ¥{refund}。"
            "客户应补的款项请在「收款登记」收取。",
            n=len(lines),
            pay=format_amount(pay),
            refund=format_amount(refund),
        )
        return feedback(message), n_clicks

    exports.register(
        app,
        "finance.view",
        "settlement",
        ids.GRID,
        ids.EXPORT,
        ids.DOWNLOAD,
        _export_rows,
        ids.COLUMNS,
        "面积补差",
        state=[State(shell.PROJECT_SELECT, "value")],
        key=("id",),
    )
