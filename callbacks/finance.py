"""Finance screens: thin callbacks over data_layer.commands.finance and the finance and
collections queries."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html

from callbacks.deals import plain_rows
from dashboard import auth, charts, exports, format, shell
from dashboard.components import feedback, kpi_card
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer import authz, localtime
from data_layer.commands import finance as commands
from data_layer.errors import DomainError
from data_layer.queries import collections as coll
from data_layer.queries import finance as queries
from data_layer.rules.money import format_amount
from pages.finance import columns, ids
from pages.finance.widgets import no_live_deal, summary_height

TEN_THOUSAND = Decimal(10000)


def _date(value, default: date | None = None) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else default
    except ValueError:
        return default


def _text(value) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value).strip()


# Fields of receipt rows whose values are Chinese labels, translated for the viewer.
RECEIPT_LABELS = ("kind", "status", "method")
VOUCHER_LABELS = (*RECEIPT_LABELS, "reversed")


def _translate_rows(rows: list[dict], fields: tuple[str, ...]) -> list[dict]:
    for row in rows:
        for f in fields:
            if isinstance(row.get(f), str) and row[f]:
                row[f] = _(row[f])
    return rows


def _recorded(text: str, voucher_id: int, link: str, link_id: str) -> dbc.Alert:
    """The success message of a recorded receipt or refund voucher, with its print link."""
    anchor = html.A(link, href=f"/finance/receipt?id={voucher_id}", target="_blank", id=link_id)
    return dbc.Alert(html.Span([text, " ", anchor]), color="success", className="py-2 mb-2")


def _exact(frame, labels: tuple[str, ...] = ()) -> list[dict]:
    """Rows for an Excel file (exact amounts), labels translated as in the grid."""
    return _translate_rows(exports.exact_rows(frame), labels)


def _export(app, what, grid_ids, records, cols, sheet, state, **kwargs):
    """The export of one finance grid (grid, button, download) as shown, for finance.view."""
    exports.register(app, "finance.view", what, *grid_ids, records, cols, sheet, state, **kwargs)


def _receivables(user, deal_id, exact: bool = False) -> list[dict]:
    """A deal's open receivables (收款登记), amounts as numbers for the grid or exact."""
    if not deal_id:
        return []
    rows = queries.open_receivables(reader(), user, deal_id)
    for row in rows:
        row["kind"], row["payer"] = _(row["kind"]), _(row["payer"])
        for field in ("amount", "paid", "open"):
            row[field] = Decimal(row[field])
    return rows if exact else format.grid_records(rows)


def _columns(defs: list[dict]) -> list[dict]:
    """Column definitions sent by a callback, headers translated as the layout's grid() does."""
    return [{**c, "headerName": _(c.get("headerName", c["field"]))} for c in defs]


def _deal_receipts(user, deal_id, kind: str | None = None):
    """A deal's receipts (or its refund vouchers: kind "refund")."""
    if not deal_id:
        return pd.DataFrame(columns=queries.RECEIPT_COLUMNS)
    return queries.receipts_frame(reader(), user, None, deal_id=deal_id, kind=kind)


def _audit_receipts(user, project_id, status, start, end):
    """收据审核's receipts: by status and date range."""
    return queries.receipts_frame(
        reader(), user, project_id, status=status or None, start=_date(start), end=_date(end)
    )


def _overdue(user, project_id):
    return queries.overdue(reader(), user, project_id, localtime.today())


def _performance(user, project_id, start, end):
    today = localtime.today()
    return queries.performance(
        reader(),
        user,
        project_id,
        _date(start, today.replace(month=1, day=1)),
        _date(end, today),
    )


def _drill_source(trigger, click, aging_click, project_id, grain) -> dict | None:
    """What a click on 回款分析's charts asks to list: an aging bucket, or one series of
    receipts in one period (None: nothing to list)."""
    if trigger == ids.CO_AGING and aging_click:
        return {"project": project_id, "bucket": aging_click["points"][0].get("customdata")}
    if not click:
        return None
    custom = click["points"][0].get("customdata") or []
    if not custom or custom[0] == "due":
        return None
    return {"project": project_id, "series": custom[0], "start": custom[1], "grain": grain}


# Fields of overdue receivable rows whose values are Chinese labels.
OVERDUE_LABELS = ("kind", "payer", "bucket")


def _drill_kind(source: dict | None) -> tuple[list[dict], tuple[str, ...]]:
    """The drill-down grid's columns and translated fields for what it lists: an aging bar's
    overdue receivables, or receipts."""
    if source and "bucket" in source:
        return columns.DRILL_AGING, OVERDUE_LABELS
    return columns.DRILL_RECEIPTS, RECEIPT_LABELS


def _with_deal_links(frame: pd.DataFrame) -> pd.DataFrame:
    """A `deal_link` column opening each row's deal on 交易列表 (the page checks scope)."""
    text = _("查看交易")
    links = [
        f"[{text}](/deals/list?deal={int(d)})" if d == d and d else "" for d in frame["deal_id"]
    ]
    return frame.assign(deal_link=links)


def _drill(user, source: dict):
    """The rows behind a clicked bar (receipts, or the overdue receivables of an aging bucket
    keyed by the receivable as `id`) and the grid's title."""
    project_id = source.get("project")
    if "bucket" in source:
        bucket = source["bucket"]
        frame = _overdue(user, project_id)
        frame = frame[frame["bucket"] == bucket].rename(columns={"receivable_id": "id"})
        frame = _with_deal_links(frame)[["id", *(c["field"] for c in columns.DRILL_AGING)]]
        title = _("账龄 {b} 的欠款明细（{n} 笔）", b=_(bucket), n=len(frame))
        return frame.reset_index(drop=True), title
    series = source.get("series")
    start_d = _date(source.get("start"))
    if start_d is None:  # not a bar of the chart
        return pd.DataFrame(columns=queries.RECEIPT_COLUMNS), ""
    end_d = coll.period_end(start_d, source.get("grain") or "month")
    frame = _with_deal_links(
        coll.series_receipts(reader(), user, project_id, series, start_d, end_d)
    )
    title = _(
        "{label} {start} 至 {end} 的收据（{n} 张）",
        label=_(coll.series_label(series)),
        start=start_d.isoformat(),
        end=end_d.isoformat(),
        n=len(frame),
    )
    return frame, title


def register(app):
    # ---------------------------------------------------------------------------- 收款登记

    @auth.callback(
        app,
        "finance.view",
        Output(ids.RC_DEAL, "options"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def receipt_deals(project_id, *, user):
        return queries.deal_options(reader(), user, project_id)

    @auth.callback(
        app,
        "finance.view",
        Output(ids.RC_RECEIVABLES, "rowData"),
        Output(ids.RC_RECEIPTS, "rowData"),
        Input(ids.RC_DEAL, "value"),
        Input(ids.RC_FEEDBACK, "children"),
    )
    def deal_money(deal_id, _fb, *, user):
        if not deal_id:
            return [], []
        reader().expire_all()
        receipts = _deal_receipts(user, deal_id)
        return _receivables(user, deal_id), _translate_rows(plain_rows(receipts), RECEIPT_LABELS)

    deal_state = [State(ids.RC_DEAL, "value")]
    _export(
        app,
        "open_receivables",
        (ids.RC_RECEIVABLES, ids.RC_RECEIVABLES_EXPORT, ids.RC_RECEIVABLES_DOWNLOAD),
        lambda user, deal_id: _receivables(user, deal_id, exact=True),
        columns.OPEN_RECEIVABLES,
        "应收款",
        deal_state,
    )
    _export(
        app,
        "deal_receipts",
        (ids.RC_RECEIPTS, ids.RC_RECEIPTS_EXPORT, ids.RC_RECEIPTS_DOWNLOAD),
        lambda user, deal_id: _exact(_deal_receipts(user, deal_id), RECEIPT_LABELS),
        columns.RECEIPTS,
        "该交易的收据",
        deal_state,
    )

    @auth.callback(
        app,
        "finance.edit",
        Output(ids.RC_FEEDBACK, "children"),
        Output(ids.RC_TOKEN, "data"),
        # A recorded receipt empties the form (the deal stays chosen; its receivables are read
        # again with no allocations), so a second click cannot record the same money twice.
        Output(ids.RC_AMOUNT, "value"),
        Output(ids.RC_PAYER, "value"),
        Output(ids.RC_NUMBER, "value"),
        Output(ids.RC_NOTES, "value"),
        Input(ids.RC_SUBMIT, "n_clicks"),
        State(ids.RC_DEAL, "value"),
        State(ids.RC_AMOUNT, "value"),
        State(ids.RC_METHOD, "value"),
        State(ids.RC_PAYER, "value"),
        State(ids.RC_DATE, "date"),
        State(ids.RC_NUMBER, "value"),
        State(ids.RC_NOTES, "value"),
        State(ids.RC_RECEIVABLES, "rowData"),
        State(ids.RC_TOKEN, "data"),
        prevent_initial_call=True,
        running=[(Output(ids.RC_SUBMIT, "disabled"), True, False)],
    )
    def record(n, deal_id, amount, method, payer, received_on, number, notes, rows, token, *, user):
        if not n:
            raise dash.exceptions.PreventUpdate
        keep = (dash.no_update,) * 5
        if not deal_id:
            return feedback(no_live_deal(), ok=False), *keep
        if not _text(amount):
            return feedback(_("请填写收款金额。"), ok=False), *keep
        allocations = [
            {"receivable_id": r["id"], "amount": _text(r.get("allocate"))}
            for r in rows or []
            if _text(r.get("allocate")) not in ("", "0", "0.00")
        ]
        try:
            receipt = database().run(
                commands.record_receipt,
                actor=user,
                deal_id=int(deal_id),
                amount=_text(amount),
                method=method or "",
                payer=_text(payer),
                received_on=_date(received_on, localtime.today()),
                allocations=allocations or None,
                number=_text(number) or None,
                notes=_text(notes),
                token=token,
            )
        except DomainError as err:
            return feedback(err.text(language()), ok=False), *keep
        text = _(
            "已登记收据 {no}，金额 ¥{amount}（待审核）。",
            no=receipt.number,
            amount=format_amount(receipt.amount),
        )
        printed = _recorded(text, receipt.id, _("打印收据"), "fin-rc-print-link")
        return printed, uuid.uuid4().hex, "", "", "", ""

    # ---------------------------------------------------------------------------- 退款登记

    def _refund_rows(user, project_id):
        return _translate_rows(
            plain_rows(queries.refunds_frame(reader(), user, project_id)), ("state",)
        )

    @auth.callback(
        app,
        "finance.view",
        Output(ids.RF_GRID, "rowData"),
        Output(ids.RF_DEAL, "options"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.RF_FEEDBACK, "children"),
    )
    def refunds_due(project_id, _fb, *, user):
        s = reader()
        s.expire_all()
        options = [
            {
                "label": _("{name}（待退 ¥{open}）", name=d["name"], open=format_amount(d["open"])),
                "value": d["deal_id"],
            }
            for d in queries.refund_deals(s, user, project_id)
        ]
        return _refund_rows(user, project_id), options

    @auth.callback(
        app,
        "finance.view",
        Output(ids.RF_DEAL, "value"),
        Output(ids.RF_AMOUNT, "value"),
        Input(ids.RF_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    def pick_refund(selected, *, user):
        if not selected:
            raise dash.exceptions.PreventUpdate
        row = selected[0]
        return row["deal_id"], f"{Decimal(str(row['open'])):.2f}"

    @auth.callback(
        app,
        "finance.view",
        Output(ids.RF_VOUCHERS, "rowData"),
        Input(ids.RF_DEAL, "value"),
        Input(ids.RF_FEEDBACK, "children"),
    )
    def refund_vouchers(deal_id, _fb, *, user):
        return _translate_rows(plain_rows(_deal_receipts(user, deal_id, "refund")), VOUCHER_LABELS)

    _export(
        app,
        "refund_vouchers",
        (ids.RF_VOUCHERS, ids.RF_VOUCHERS_EXPORT, ids.RF_VOUCHERS_DOWNLOAD),
        lambda user, deal_id: _exact(_deal_receipts(user, deal_id, "refund"), VOUCHER_LABELS),
        columns.RECEIPTS,
        "该交易的退款单",
        [State(ids.RF_DEAL, "value")],
    )

    @auth.callback(
        app,
        "finance.edit",
        Output(ids.RF_FEEDBACK, "children"),
        Output(ids.RF_TOKEN, "data"),
        Input(ids.RF_SUBMIT, "n_clicks"),
        State(ids.RF_DEAL, "value"),
        State(ids.RF_AMOUNT, "value"),
        State(ids.RF_METHOD, "value"),
        State(ids.RF_PAYEE, "value"),
        State(ids.RF_DATE, "date"),
        State(ids.RF_NUMBER, "value"),
        State(ids.RF_NOTES, "value"),
        State(ids.RF_TOKEN, "data"),
        prevent_initial_call=True,
        running=[(Output(ids.RF_SUBMIT, "disabled"), True, False)],
    )
    def record_refund(n, deal_id, amount, method, payee, paid_on, number, notes, token, *, user):
        if not n:
            raise dash.exceptions.PreventUpdate
        if not deal_id:
            return feedback(_("请先选择交易。"), ok=False), dash.no_update
        try:
            voucher = database().run(
                commands.record_refund,
                actor=user,
                deal_id=int(deal_id),
                amount=_text(amount),
                method=method or "",
                payee=_text(payee),
                paid_on=_date(paid_on, localtime.today()),
                number=_text(number) or None,
                notes=_text(notes),
                token=token,
            )
        except DomainError as err:
            return feedback(err.text(language()), ok=False), dash.no_update
        text = _(
            "已登记退款单 {no}，金额 ¥{amount}（待审核）。",
            no=voucher.number,
            amount=format_amount(-voucher.amount),
        )
        return _recorded(text, voucher.id, _("打印退款单"), "fin-rf-print-link"), uuid.uuid4().hex

    _export(
        app,
        "refunds",
        (ids.RF_GRID, ids.RF_EXPORT, ids.RF_DOWNLOAD),
        lambda user, project_id: _exact(
            queries.refunds_frame(reader(), user, project_id), ("state",)
        ),
        columns.REFUNDS,
        "待退款",
        [State(shell.PROJECT_SELECT, "value")],
        key=("receivable_id",),
        filename=lambda: f"refunds-{localtime.today():%Y%m%d}.xlsx",
    )

    # ---------------------------------------------------------------------------- 收据 (print)

    app.clientside_callback(
        "function(n) { if (n) { window.print(); } return ''; }",
        Output(ids.PRINT_BUTTON, "title"),
        Input(ids.PRINT_BUTTON, "n_clicks"),
        prevent_initial_call=True,
    )

    # ---------------------------------------------------------------------------- 收据审核

    def _audit_rows(user, project_id, status, start, end):
        frame = _audit_receipts(user, project_id, status, start, end)
        return _translate_rows(plain_rows(frame), VOUCHER_LABELS)

    @auth.callback(
        app,
        "finance.view",
        Output(ids.AU_GRID, "rowData"),
        Output(ids.AU_FEEDBACK, "children"),
        Output("fin-au-goto", "href"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.AU_STATUS, "value"),
        Input(ids.AU_START, "date"),
        Input(ids.AU_END, "date"),
        Input(ids.AU_AUDIT, "n_clicks"),
        Input(ids.AU_VOID, "n_clicks"),
        Input(ids.AU_REVERSE, "n_clicks"),
        Input(ids.AU_PRINT, "n_clicks"),
        State(ids.AU_GRID, "selectedRows"),
        State(ids.AU_REASON, "value"),
        running=[(Output(ids.AU_AUDIT, "disabled"), True, False)],
    )
    def receipts_audit(project_id, status, start, end, _a, _v, _r, _p, selected, reason, *, user):
        trigger = dash.ctx.triggered_id
        message, goto = None, dash.no_update
        chosen = [int(r["id"]) for r in selected or []]
        db = database()
        try:
            if trigger in (ids.AU_AUDIT, ids.AU_VOID, ids.AU_REVERSE, ids.AU_PRINT) and not chosen:
                raise DomainError(_("请先勾选收据。"), "Select receipts first.")
            if trigger == ids.AU_AUDIT:
                count = db.run(commands.audit_receipts, actor=user, receipt_ids=chosen)
                message = feedback(_("已审核 {n} 张收据。", n=count))
            elif trigger == ids.AU_VOID:
                for receipt_id in chosen:
                    db.run(
                        commands.void_receipt,
                        actor=user,
                        receipt_id=receipt_id,
                        reason=_text(reason),
                    )
                message = feedback(_("已作废 {n} 张收据。", n=len(chosen)))
            elif trigger == ids.AU_REVERSE:
                numbers = []
                for receipt_id in chosen:
                    entry = db.run(
                        commands.reverse_receipt,
                        actor=user,
                        receipt_id=receipt_id,
                        reason=_text(reason),
                    )
                    numbers.append(entry.number)
                message = feedback(_("已红冲，红字收据：{nos}", nos="、".join(numbers)))
            elif trigger == ids.AU_PRINT:
                goto = f"/finance/receipt?id={chosen[0]}"
        except DomainError as err:
            message = feedback(err.text(language()), ok=False)
        return _audit_rows(user, project_id, status, start, end), message, goto

    _export(
        app,
        "receipts",
        (ids.AU_GRID, ids.AU_EXPORT, ids.AU_DOWNLOAD),
        lambda user, *state: _exact(_audit_receipts(user, *state), VOUCHER_LABELS),
        columns.RECEIPTS,
        "收据",
        [
            State(shell.PROJECT_SELECT, "value"),
            State(ids.AU_STATUS, "value"),
            State(ids.AU_START, "date"),
            State(ids.AU_END, "date"),
        ],
        filename=lambda: f"receipts-{localtime.today():%Y%m%d}.xlsx",
    )

    # ---------------------------------------------------------------------------- 催款

    def _aging_rows(frame, by):
        by = by or "consultant"
        return queries.aging_summary(frame, by).rename(columns={by: "key"})

    @auth.callback(
        app,
        "finance.view",
        Output(ids.DN_GRID, "rowData"),
        Output(ids.DN_SUMMARY, "rowData"),
        Output(ids.DN_SUMMARY, "style"),
        Output(ids.DN_KPIS, "children"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.DN_BY, "value"),
    )
    def dunning(project_id, by, *, user):
        frame = _overdue(user, project_id)
        summary = _aging_rows(frame, by)
        totals = {b: sum(frame[frame["bucket"] == b]["open"], Decimal(0)) for b in queries.BUCKETS}
        cards = dbc.Row(
            [
                dbc.Col(
                    kpi_card(_("逾期 {b}", b=b), "¥" + format_amount(v), f"fin-dn-kpi-{i}"),
                    xs=6,
                    md=3,
                )
                for i, (b, v) in enumerate(totals.items())
            ],
            className="g-2",
        )
        rows = _translate_rows(plain_rows(frame), ("kind", "payer"))
        return rows, plain_rows(summary), summary_height(len(summary)), cards

    dunning_state = [State(shell.PROJECT_SELECT, "value")]
    _export(
        app,
        "aging",
        (ids.DN_SUMMARY, ids.DN_EXPORT, ids.DN_DOWNLOAD),
        lambda user, project_id, by: _exact(_aging_rows(_overdue(user, project_id), by)),
        columns.AGING,
        "账龄汇总",
        [*dunning_state, State(ids.DN_BY, "value")],
        key=("key",),
    )
    _export(
        app,
        "overdue",
        (ids.DN_GRID, ids.DN_GRID_EXPORT, ids.DN_GRID_DOWNLOAD),
        lambda user, project_id: _exact(_overdue(user, project_id), ("kind", "payer")),
        columns.OVERDUE,
        "逾期明细",
        dunning_state,
        key=("receivable_id",),
        details=lambda user: {"personal_data": authz.sees_personal_data(user)},
    )

    # ---------------------------------------------------------------------------- 收款日报

    def _daily(user, project_id, day):
        report = queries.daily_report(reader(), user, project_id, _date(day, localtime.today()))
        totals = []
        for group, frame, column in (
            (_("收款方式"), report.by_method, "method"),
            (_("款项"), report.by_kind, "kind"),
            (_("审核状态"), report.by_status, "status"),  # 已审核 / 未审核 subtotals
        ):
            for row in frame.to_dict("records"):
                totals.append(
                    {
                        "group": group,
                        "name": _(row[column]),
                        "count": row["count"],
                        "amount": row["amount"],
                    }
                )
        totals.append(
            {"group": _("合计"), "name": _("收款"), "count": None, "amount": report.received}
        )
        totals.append(
            {"group": _("合计"), "name": _("退款"), "count": None, "amount": -report.refunded}
        )
        totals.append(
            {
                "group": _("合计"),
                "name": _("净额（全部收据）"),
                "count": report.count,
                "amount": report.total,
            }
        )
        return report, totals

    @auth.callback(
        app,
        "finance.view",
        Output(ids.DR_GRID, "rowData"),
        Output(ids.DR_TOTALS, "rowData"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.DR_DATE, "date"),
    )
    def daily(project_id, day, *, user):
        report, totals = _daily(user, project_id, day)
        rows = _translate_rows(plain_rows(report.rows), RECEIPT_LABELS)
        return rows, [{**t, "amount": float(t["amount"])} for t in totals]

    daily_state = [State(shell.PROJECT_SELECT, "value"), State(ids.DR_DATE, "date")]
    _export(
        app,
        "daily_report",
        (ids.DR_TOTALS, ids.DR_EXPORT, ids.DR_DOWNLOAD),
        lambda user, project_id, day: _daily(user, project_id, day)[1],
        columns.DAILY_TOTALS,
        "汇总",
        daily_state,
        key=("group", "name"),
    )
    _export(
        app,
        "daily_receipts",
        (ids.DR_GRID, ids.DR_GRID_EXPORT, ids.DR_GRID_DOWNLOAD),
        lambda user, project_id, day: _exact(_daily(user, project_id, day)[0].rows, RECEIPT_LABELS),
        columns.DAILY_RECEIPTS,
        "收据明细",
        daily_state,
    )

    # ---------------------------------------------------------------------------- 回款分析

    @auth.callback(
        app,
        "finance.view",
        Output(ids.CO_CHART, "figure"),
        Output(ids.CO_AGING, "figure"),
        Output(ids.CO_KPIS, "children"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.CO_START, "date"),
        Input(ids.CO_END, "date"),
        Input(ids.CO_GRAIN, "value"),
    )
    def collections_chart(project_id, start, end, grain, *, user):
        today = localtime.today()
        start_d = _date(start, today.replace(day=1))
        end_d = _date(end, today)
        if end_d < start_d:
            message = _("结束日期不能早于开始日期。")
            return charts.empty(message), charts.empty(message), None
        data = coll.collections(
            reader(), user, project_id, start_d, end_d, grain or "month", today=today
        )
        return collections_figure(data), aging_figure(data), collections_kpis(data)

    @auth.callback(
        app,
        "finance.view",
        Output(ids.CO_DRILL, "rowData"),
        Output(ids.CO_DRILL_TITLE, "children"),
        Output(ids.CO_DRILL_SOURCE, "data"),
        Output(ids.CO_DRILL, "columnDefs"),  # receipts, or an aging bar's overdue receivables
        Input(ids.CO_CHART, "clickData"),
        Input(ids.CO_AGING, "clickData"),
        State(shell.PROJECT_SELECT, "value"),
        State(ids.CO_GRAIN, "value"),
        prevent_initial_call=True,
    )
    def drill(click, aging_click, project_id, grain, *, user):
        source = _drill_source(dash.ctx.triggered_id, click, aging_click, project_id, grain)
        if source is None:
            raise dash.exceptions.PreventUpdate
        frame, title = _drill(user, source)
        defs, labels = _drill_kind(source)
        return _translate_rows(plain_rows(frame), labels), title, source, _columns(defs)

    def _drill_export(user, source):
        return _exact(_drill(user, source)[0], _drill_kind(source)[1]) if source else None

    _export(
        app,
        "collections_detail",
        (ids.CO_DRILL, ids.CO_DRILL_EXPORT, ids.CO_DRILL_DOWNLOAD),
        _drill_export,
        columns.DRILL_RECEIPTS,
        "回款明细",
        [State(ids.CO_DRILL_SOURCE, "data")],
    )

    # ---------------------------------------------------------------------------- 业绩考核

    @auth.callback(
        app,
        "deal.view",
        Output(ids.PF_GRID, "rowData"),
        Output(ids.PF_CHART, "figure"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.PF_START, "date"),
        Input(ids.PF_END, "date"),
    )
    def performance(project_id, start, end, *, user):
        frame = _performance(user, project_id, start, end)
        return _translate_rows(plain_rows(frame), ("consultant",)), performance_figure(
            frame[frame["consultant"] != "（团队合计）"]
        )

    exports.register(
        app,
        "deal.view",
        "performance",
        ids.PF_GRID,
        ids.PF_EXPORT,
        ids.PF_DOWNLOAD,
        lambda user, *state: _exact(_performance(user, *state), ("consultant",)),
        columns.PERFORMANCE,
        "业绩考核",
        state=[
            State(shell.PROJECT_SELECT, "value"),
            State(ids.PF_START, "date"),
            State(ids.PF_END, "date"),
        ],
        key=("month", "team", "consultant"),
        filename=lambda: f"performance-{localtime.today():%Y%m%d}.xlsx",
    )


def collections_figure(data: coll.Collections) -> dict:
    """Stacked bars of money received by type (万元), the due line and the cumulative rate."""
    x = [p.isoformat() for p in data.periods]
    traces = []
    for index, (code, label) in enumerate(coll.SERIES):
        values = data.received[code]
        if not any(values):
            continue
        traces.append(
            {
                "type": "bar",
                "name": _(label),
                "x": x,
                "y": charts.plain([v / TEN_THOUSAND for v in values]),
                "customdata": [[code, p] for p in x],
                "marker": {"color": charts.COLORS[index % len(charts.COLORS)]},
                "hovertemplate": "%{x}<br>" + _(label) + "：%{y:,.2f} 万元<extra></extra>",
            }
        )
    traces.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("应收（到期）"),
            "x": x,
            "y": charts.plain([v / TEN_THOUSAND for v in data.due]),
            "customdata": [["due", p] for p in x],
            "line": {"color": "#333", "dash": "dot"},
            "hovertemplate": "%{x}<br>" + _("应收") + "：%{y:,.2f} 万元<extra></extra>",
        }
    )
    traces.append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": _("累计回款率 %"),
            "x": x,
            "y": charts.plain(data.cumulative_rate),
            "yaxis": "y2",
            "line": {"color": "#e15759", "width": 3},
            "hovertemplate": "%{x}<br>" + _("累计回款率") + "：%{y:.1f}%<extra></extra>",
        }
    )
    return charts.figure(
        traces,
        title=_("回款与应收（万元）"),
        barmode="relative",  # refunds (negative) below the axis, money received above
        yaxis={**charts.LAYOUT["yaxis"], "title": {"text": _("万元")}},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            # Money paid ahead of its due date can take the rate above 100 %.
            "range": [0, max([105, *(float(r) + 5 for r in data.cumulative_rate if r)])],
            # Whole tens, not ticks synchronised with the money axis (98.1 %, 81.7 % …).
            "tickmode": "linear",
            "tick0": 0,
            "dtick": 20,
            "ticksuffix": "%",
            "showgrid": False,
            "title": {"text": _("累计回款率")},
        },
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 60, "r": 60, "t": 40, "b": 60},
    )


def aging_figure(data: coll.Collections) -> dict:
    labels = list(data.aging)
    values = [data.aging[b] / TEN_THOUSAND for b in labels]
    return charts.figure(
        [
            {
                "type": "bar",
                "x": [_(b) for b in labels],
                "y": charts.plain(values),
                "customdata": labels,
                "marker": {"color": ["#f2c14e", "#f28e2b", "#e15759", "#9c2c2c"]},
                "text": [f"{v:,.1f}" for v in charts.plain(values)],
                "textposition": "outside",
                "hovertemplate": "%{x}：%{y:,.2f} 万元<extra></extra>",
            }
        ],
        title=_("逾期欠款账龄（万元）"),
        yaxis={**charts.LAYOUT["yaxis"], "title": {"text": _("万元")}},
        showlegend=False,
    )


def collections_kpis(data: coll.Collections):
    rate = data.cumulative_rate[-1] if data.cumulative_rate else None
    overdue_total = sum(data.aging.values(), Decimal(0))
    cards = [
        (_("期间实收"), "¥" + format_amount(data.total_received)),
        (_("期间到期应收"), "¥" + format_amount(data.total_due)),
        (_("累计回款率"), f"{rate}%" if rate is not None else "—"),
        (_("逾期欠款"), "¥" + format_amount(overdue_total)),
    ]
    return dbc.Row(
        [
            dbc.Col(kpi_card(label, value, f"fin-co-kpi-{i}"), xs=6, md=3)
            for i, (label, value) in enumerate(cards)
        ],
        className="g-2",
    )


def performance_figure(frame) -> dict:
    if frame.empty:
        return charts.empty(_("所选期间没有认购"))
    by_consultant = {}
    for row in frame.to_dict("records"):
        item = by_consultant.setdefault(row["consultant"] or _("未分配"), [Decimal(0), Decimal(0)])
        item[0] += row["amount"]
        item[1] += row["target_amount"]
    names = list(by_consultant)
    return charts.figure(
        [
            {
                "type": "bar",
                "name": _("认购金额"),
                "x": names,
                "y": charts.plain([by_consultant[n][0] / TEN_THOUSAND for n in names]),
            },
            {
                "type": "bar",
                "name": _("目标金额"),
                "x": names,
                "y": charts.plain([by_consultant[n][1] / TEN_THOUSAND for n in names]),
            },
        ],
        title=_("认购金额与销售计划（万元）"),
        barmode="group",
    )
