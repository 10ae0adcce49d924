"""费用设置 (administrator): list, export and add dated versions of the fee rules and the
deed-tax rates."""

from __future__ import annotations

from datetime import date

import dash
from dash import ALL, Input, Output, State

from callbacks.deals import plain_rows
from dashboard import auth, exports
from dashboard.components import feedback
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer import localtime
from data_layer.commands import fees as commands
from data_layer.errors import DomainError
from data_layer.queries import fees as queries
from pages.admin import fee_columns, fee_ids

PERMISSION = commands.PERMISSION
TRANSLATED = ("status", "scope", "city", "source")


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _fee_rows(user) -> list[dict]:
    return _translated(plain_rows(queries.fee_rules_frame(reader(), user)))


def _deed_rows(user) -> list[dict]:
    return _translated(plain_rows(queries.deed_tax_frame(reader(), user)))


def _translated(rows: list[dict]) -> list[dict]:
    for row in rows:
        for key in TRANSLATED:
            if isinstance(row.get(key), str):
                row[key] = _(row[key])
    return rows


def register(app):
    @auth.callback(
        app,
        PERMISSION,
        Output(fee_ids.FEE_GRID, "rowData"),
        Output(fee_ids.FEE_FEEDBACK, "children"),
        Input(fee_ids.FEE_ADD, "n_clicks"),
        State(fee_ids.FEE_CITY, "value"),
        State(fee_ids.FEE_PROJECT, "value"),
        State(fee_ids.FEE_CODE, "value"),
        State(fee_ids.FEE_NAME, "value"),
        State(fee_ids.FEE_FORMULA, "value"),
        State(fee_ids.FEE_FROM, "date"),
        running=[(Output(fee_ids.FEE_ADD, "disabled"), True, False)],
    )
    def fee_rules(n, city, project_id, code, name, formula, start, *, user):
        message = None
        if n:
            try:
                rule = database().run(
                    commands.add_fee_rule,
                    actor=user,
                    code=_text(code),
                    name=_text(name),
                    formula=_text(formula),
                    effective_from=_date(start),
                    city=_text(city),
                    project_id=int(project_id) if project_id else None,
                )
                message = feedback(
                    _(
                        "已新增“{name}”的新版本，自 {d} 起用于新签合同。",
                        name=rule.name,
                        d=rule.effective_from.isoformat(),
                    )
                )
            except DomainError as err:
                message = feedback(err.text(language()), ok=False)
        return _fee_rows(user), message

    @auth.callback(
        app,
        PERMISSION,
        Output(fee_ids.FEE_CODE, "value"),
        Output(fee_ids.FEE_NAME, "value"),
        Output(fee_ids.FEE_FORMULA, "value"),
        Output(fee_ids.FEE_CITY, "value"),
        Output(fee_ids.FEE_PROJECT, "value"),
        Input(fee_ids.FEE_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    def fee_prefill(selected, *, user):
        if not selected:
            raise dash.exceptions.PreventUpdate
        rule = queries.fee_rule(reader(), user, int(selected[0]["id"]))
        if rule is None:
            raise dash.exceptions.PreventUpdate
        city = "" if rule.city == commands.ANY_CITY else rule.city
        return rule.code, rule.name, rule.formula, city, rule.project_id

    @auth.callback(
        app,
        PERMISSION,
        Output(fee_ids.DT_GRID, "rowData"),
        Output(fee_ids.DT_FEEDBACK, "children"),
        Input(fee_ids.DT_ADD, "n_clicks"),
        State(fee_ids.DT_CITY, "value"),
        State(fee_ids.DT_FROM, "date"),
        State(fee_ids.DT_THRESHOLD, "value"),
        State({"type": fee_ids.DT_RATE, "field": ALL}, "value"),
        State({"type": fee_ids.DT_RATE, "field": ALL}, "id"),
        running=[(Output(fee_ids.DT_ADD, "disabled"), True, False)],
    )
    def deed_tax(n, city, start, threshold, rates, rate_ids, *, user):
        message = None
        if n:
            try:
                row = database().run(
                    commands.add_deed_tax_rate,
                    actor=user,
                    city=_text(city),
                    effective_from=_date(start),
                    area_threshold=_text(threshold),
                    rates_percent={
                        i["field"]: _text(v)
                        for i, v in zip(rate_ids or [], rates or [], strict=False)
                    },
                )
                message = feedback(
                    _(
                        "已新增契税税率版本，自 {d} 起用于新签合同。",
                        d=row.effective_from.isoformat(),
                    )
                )
            except DomainError as err:
                message = feedback(err.text(language()), ok=False)
        return _deed_rows(user), message

    def exact(frame_of):
        """Export rows: exact Decimals and dates, labels translated as in the grid."""
        return lambda user: _translated(exports.exact_rows(frame_of(reader(), user)))

    for what, grid, button, download, frame_of, cols, sheet, key in (
        (
            "fee_rules",
            fee_ids.FEE_GRID,
            fee_ids.FEE_EXPORT,
            fee_ids.FEE_DOWNLOAD,
            queries.fee_rules_frame,
            fee_columns.FEE_RULES,
            "费用规则",
            ("id",),
        ),
        (
            "deed_tax_rates",
            fee_ids.DT_GRID,
            fee_ids.DT_EXPORT,
            fee_ids.DT_DOWNLOAD,
            queries.deed_tax_frame,
            fee_columns.DEED_TAX,
            "契税税率",
            ("city", "effective_from"),
        ),
    ):
        exports.register(
            app,
            PERMISSION,
            what,
            grid,
            button,
            download,
            exact(frame_of),
            cols,
            sheet,
            key=key,
            filename=lambda what=what: f"{what}-{localtime.today():%Y%m%d}.xlsx",
        )
