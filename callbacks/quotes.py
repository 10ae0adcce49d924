"""置业计划书: the form's choices, 试算 and saving, the quote list with its export, and the
print button. Every figure comes from data_layer.commands.quotes."""

from __future__ import annotations

import logging
import uuid
from datetime import date

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import auth, exports, format, shell
from dashboard.components import feedback
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer import localtime
from data_layer.commands import quote_trials as trial_commands
from data_layer.commands import quotes as commands
from data_layer.errors import DomainError
from data_layer.queries import deals as deal_queries
from data_layer.queries import quotes as queries
from pages.plan import quote_ids as ids
from pages.plan.quote_columns import columns
from pages.plan.quote_sheet import sheet

log = logging.getLogger(__name__)


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _preset(preset, key: str) -> int | None:
    """The unit or customer the page was opened with (?unit=…, ?customer=…)."""
    value = preset.get(key) if isinstance(preset, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def list_rows(frame) -> list[dict]:
    """The quote list's rows with labels and links (exact Decimals: the grid gets numbers at
    the edge through format.grid_records, the export keeps them exact)."""
    rows = frame.to_dict("records")
    for row in rows:
        row["open"] = f"[{_('打开')}](/plan/quote/print?id={int(row['id'])})"
        row["quoted_on"] = row["quoted_on"].isoformat()
        row["valid_label"] = _("已过期") if row["expired"] else row["valid_until"].isoformat()
        row["loan_label"] = _(commands.LOAN_LABELS[commands.LoanKind(row["loan_kind"])][0])
        row["approval_label"] = _("待审批") if row["needs_approval"] else ""
        for key in ("valid_until", "expired", "needs_approval"):
            row.pop(key)
    return rows


def _count_trial(user, quote) -> None:
    """试算统计: one row in a short writer transaction of its own; a failure is logged and the
    consultant still gets the figures."""
    try:
        database().run(trial_commands.record_try, actor=user, quote=quote)
    except Exception:  # never lose the figures over the statistics
        log.exception("试算 of unit %s by user %s not counted", quote.unit_id, user.id)


def register(app):
    # ------------------------------------------------------------------------------- the form

    @auth.callback(
        app,
        "quote.create",
        Output(ids.PROJECT, "options"),
        Output(ids.PROJECT, "value"),
        Input(ids.PRESET, "data"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def projects(preset, shell_project, *, user):
        session = reader()
        options = deal_queries.projects(session, user)
        allowed = [o["value"] for o in options]
        unit = queries.unit_choice(session, user, _preset(preset, "unit"))
        value = None
        if ctx.triggered_id != shell.PROJECT_SELECT:
            value = (unit or {}).get("project_id") or queries.customer_project(
                session, user, _preset(preset, "customer")
            )
        value = value or shell_project
        if value not in allowed:
            value = allowed[0] if allowed else None
        return options, value

    @auth.callback(
        app,
        "quote.create",
        Output(ids.UNIT, "options"),
        Output(ids.UNIT, "value"),
        Input(ids.PROJECT, "value"),
        State(ids.UNIT, "value"),
        State(ids.PRESET, "data"),
    )
    def units(project_id, current, preset, *, user):
        session = reader()
        options = deal_queries.available_unit_options(session, user, project_id)
        current = current or _preset(preset, "unit")
        if current and all(o["value"] != current for o in options):
            # A unit reserved or held for the customer is quoted too (the command decides).
            chosen = queries.unit_choice(session, user, current)
            if chosen and chosen["project_id"] == project_id:
                options.insert(0, {"label": chosen["label"], "value": chosen["value"]})
            else:
                current = None
        return options, current

    @auth.callback(
        app,
        "quote.create",
        Output(ids.CUSTOMER, "options"),
        Output(ids.CUSTOMER, "value"),
        Input(ids.PROJECT, "value"),
        Input(ids.CUSTOMER, "search_value"),
        State(ids.CUSTOMER, "value"),
        State(ids.PRESET, "data"),
    )
    def customers(project_id, search, current, preset, *, user):
        typing = ctx.triggered_id == ids.CUSTOMER
        selected = current if isinstance(current, int) else None
        if not typing:
            selected = selected or _preset(preset, "customer")
        options = queries.customer_choices(reader(), user, project_id, search or "", selected)
        if typing:
            return options, no_update
        return options, selected if any(o["value"] == selected for o in options) else None

    @auth.callback(
        app,
        "quote.create",
        Output(ids.PLAN, "options"),
        Output(ids.PLAN, "value"),
        Input(ids.PROJECT, "value"),
        State(ids.PLAN, "value"),
    )
    def plans(project_id, current, *, user):
        if project_id and project_id not in {
            o["value"] for o in deal_queries.projects(reader(), user)
        }:
            return [], None
        options = deal_queries.plan_options(reader(), project_id)
        values = [o["value"] for o in options]
        return options, current if current in values else (values[0] if values else None)

    @auth.callback(
        app,
        "quote.create",
        Output(ids.LOAN_KIND, "value"),
        Output(ids.DOWN, "value"),
        Input(ids.PLAN, "value"),
        prevent_initial_call=True,
    )
    def plan_defaults(plan_id, *, user):
        terms = queries.plan_terms(reader(), user, plan_id)
        if terms is None:
            raise PreventUpdate
        kind, down = terms
        return kind, f"{down.normalize():f}"

    @auth.callback(
        app,
        "quote.create",
        Output(ids.RESULT, "children"),
        Output(ids.FEEDBACK, "children"),
        Output(ids.TOKEN, "data"),
        Input(ids.TRY, "n_clicks"),
        Input(ids.SAVE, "n_clicks"),
        State(ids.UNIT, "value"),
        State(ids.CUSTOMER, "value"),
        State(ids.PLAN, "value"),
        State(ids.EXTRA, "value"),
        State(ids.DEPOSIT, "value"),
        State(ids.DOWN, "value"),
        State(ids.HOMES, "value"),
        State(ids.LOAN_KIND, "value"),
        State(ids.YEARS, "value"),
        State(ids.COMMERCIAL_RATE, "value"),
        State(ids.PROVIDENT_RATE, "value"),
        State(ids.PROVIDENT, "value"),
        State(ids.NOTES, "value"),
        State(ids.TOKEN, "data"),
        prevent_initial_call=True,
    )
    def calculate(_try, _save, unit, customer, plan, *values, user):
        extra, deposit, down, homes, loan_kind, years, c_rate, p_rate, provident, notes, token = (
            values
        )
        saving = ctx.triggered_id == ids.SAVE
        try:
            terms = commands.read_terms(
                unit_id=unit,
                plan_id=plan,
                customer_id=customer,
                extra_discount=extra,
                deposit=deposit,
                down_payment_percent=down,
                loan_kind=loan_kind,
                loan_years=years,
                commercial_rate_percent=c_rate,
                provident_rate_percent=p_rate,
                provident_loan=provident,
                home_count=homes,
                notes=notes,
            )
            if saving:
                quote = database().run(
                    commands.create_quote, actor=user, terms=terms, token=str(token or "")
                )
            else:
                # 试算: the figures from the read session, as before; counted just below.
                quote = commands.build(reader(), actor=user, terms=terms)
            shown = queries.sheet(reader(), user, quote)
        except DomainError as err:
            return None, feedback(err.text(language()), ok=False), no_update
        if not saving:
            _count_trial(user, quote)
            note = _("试算结果（未保存）。") + (
                " " + _("额外优惠超出权限，保存后须经理审批。") if quote.needs_approval else ""
            )
            return sheet(shown), dbc.Alert(note, color="info", className="py-2 mb-2"), token
        saved = dbc.Alert(
            [
                _("置业计划书 {n} 已保存。", n=quote.number),
                " ",
                html.A(
                    _("打开打印页"),
                    href=f"/plan/quote/print?id={quote.id}",
                    id="plan-qt-print-link",
                    className="alert-link",
                ),
                " · ",
                html.A(
                    _("客户详情"),
                    href=f"/crm/customer/{quote.customer_id}",
                    className="alert-link",
                ),
            ],
            color="success",
            className="py-2 mb-2",
        )
        # A new token: the next save is a new quote; a second click of this one is refused.
        return sheet(shown), saved, uuid.uuid4().hex

    # ------------------------------------------------------------------------------- the list

    def _frame(user, project_id, start, end):
        return queries.quotes_frame(
            reader(), user, project_id or None, start=_date(start), end=_date(end)
        )

    @auth.callback(
        app,
        "quote.view",
        Output(ids.LIST_GRID, "rowData"),
        Output(ids.LIST_INFO, "children"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.LIST_START, "date"),
        Input(ids.LIST_END, "date"),
    )
    def quote_list(project_id, start, end, *, user):
        frame = _frame(user, project_id, start, end)
        info = _("共 {n} 份", n=len(frame))
        if len(frame) >= queries.MAX_LIST_ROWS:
            info += " · " + _("最多显示 {n} 条，请缩小日期范围。", n=queries.MAX_LIST_ROWS)
        return format.grid_records(list_rows(frame)), info

    exports.register(
        app,
        "quote.view",
        "quotes",
        ids.LIST_GRID,
        ids.LIST_EXPORT,
        ids.LIST_DOWNLOAD,
        lambda user, *filters: list_rows(_frame(user, *filters)),
        columns,
        "置业计划书",
        state=[
            State(shell.PROJECT_SELECT, "value"),
            State(ids.LIST_START, "date"),
            State(ids.LIST_END, "date"),
        ],
        details=lambda user: {"personal_data": False},
        filename=lambda: f"quotes-{localtime.today():%Y%m%d}.xlsx",
    )

    # ------------------------------------------------------------------------------ printing

    app.clientside_callback(
        "function(n) { if (n) { window.print(); } return ''; }",
        Output(ids.PRINT_BUTTON, "title"),
        Input(ids.PRINT_BUTTON, "n_clicks"),
        prevent_initial_call=True,
    )
