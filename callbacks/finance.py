"""Finance screens: thin callbacks over data_layer.commands.finance and the finance and
collections queries."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from callbacks.deals import plain_rows
from dashboard import auth, charts, shell
from dashboard.components import export_columns, feedback, kpi_card
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer import audit, authz
from data_layer.commands import finance as commands
from data_layer.errors import DomainError
from data_layer.excel.export import to_xlsx
from data_layer.queries import collections as coll
from data_layer.queries import finance as queries
from data_layer.rules.money import format_amount
from pages.finance import columns, ids

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


def _headers(cols: list[dict]) -> list[tuple[str, str]]:
    return export_columns([{**c, "headerName": _(c.get("headerName", c["field"]))} for c in cols])


def _audit_export(session, *, actor, what: str, count: int):
    authz.require(actor, "finance.view")
    audit.record(session, actor, f"export.{what}", after={"rows": count})


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
        s = reader()
        s.expire_all()
        rows = queries.open_receivables(s, user, deal_id)
        for row in rows:
            row["kind"], row["payer"] = _(row["kind"]), _(row["payer"])
        receipts = queries.receipts_frame(s, user, None, deal_id=deal_id)
        return rows, _translate_rows(plain_rows(receipts), ("kind", "status", "method"))

    @auth.callback(
        app,
        "finance.edit",
        Output(ids.RC_FEEDBACK, "children"),
        Output(ids.RC_TOKEN, "data"),
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
        if not deal_id:
            return feedback(_("请先选择交易。"), ok=False), dash.no_update
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
                received_on=_date(received_on, date.today()),
                allocations=allocations or None,
                number=_text(number) or None,
                notes=_text(notes),
                token=token,
            )
        except DomainError as err:
            return feedback(err.text(language()), ok=False), dash.no_update
        text = _(
            "已登记收据 {no}，金额 ¥{amount}（待审核）。",
            no=receipt.number,
            amount=format_amount(receipt.amount),
        )
        return _recorded(text, receipt.id, _("打印收据"), "fin-rc-print-link"), uuid.uuid4().hex

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
        if not deal_id:
            return []
        frame = queries.receipts_frame(reader(), user, None, deal_id=deal_id, kind="refund")
        return _translate_rows(plain_rows(frame), ("kind", "status", "method", "reversed"))

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
                paid_on=_date(paid_on, date.today()),
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

    @auth.callback(
        app,
        "finance.view",
        Output(ids.RF_DOWNLOAD, "data"),
        Input(ids.RF_EXPORT, "n_clicks"),
        State(shell.PROJECT_SELECT, "value"),
        prevent_initial_call=True,
    )
    def export_refunds(_n, project_id, *, user):
        frame = queries.refunds_frame(reader(), user, project_id)
        rows = _translate_rows(frame.to_dict("records"), ("state",))
        database().run(_audit_export, actor=user, what="refunds", count=len(rows))
        return dcc.send_bytes(
            to_xlsx(_headers(columns.REFUNDS), rows, _("待退款")),
            f"refunds-{date.today():%Y%m%d}.xlsx",
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
        frame = queries.receipts_frame(
            reader(),
            user,
            project_id,
            status=status or None,
            start=_date(start),
            end=_date(end),
        )
        return _translate_rows(plain_rows(frame), ("kind", "status", "method", "reversed"))

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

    @auth.callback(
        app,
        "finance.view",
        Output(ids.AU_DOWNLOAD, "data"),
        Input(ids.AU_EXPORT, "n_clicks"),
        State(shell.PROJECT_SELECT, "value"),
        State(ids.AU_STATUS, "value"),
        State(ids.AU_START, "date"),
        State(ids.AU_END, "date"),
        prevent_initial_call=True,
    )
    def export_receipts(_n, project_id, status, start, end, *, user):
        frame = queries.receipts_frame(
            reader(), user, project_id, status=status or None, start=_date(start), end=_date(end)
        )
        rows = frame.to_dict("records")
        database().run(_audit_export, actor=user, what="receipts", count=len(rows))
        return dcc.send_bytes(
            to_xlsx(_headers(columns.RECEIPTS), rows, _("收据")),
            f"receipts-{date.today():%Y%m%d}.xlsx",
        )

    # ---------------------------------------------------------------------------- 催款

    def _aging_rows(frame, by):
        summary = queries.aging_summary(frame, by)
        summary = summary.rename(columns={by: "key"})
        return summary

    @auth.callback(
        app,
        "finance.view",
        Output(ids.DN_GRID, "rowData"),
        Output(ids.DN_SUMMARY, "rowData"),
        Output(ids.DN_KPIS, "children"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.DN_BY, "value"),
    )
    def dunning(project_id, by, *, user):
        frame = queries.overdue(reader(), user, project_id, date.today())
        summary = _aging_rows(frame, by or "consultant")
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
        return rows, plain_rows(summary), cards

    @auth.callback(
        app,
        "finance.view",
        Output(ids.DN_DOWNLOAD, "data"),
        Input(ids.DN_EXPORT, "n_clicks"),
        State(shell.PROJECT_SELECT, "value"),
        State(ids.DN_BY, "value"),
        prevent_initial_call=True,
    )
    def export_dunning(_n, project_id, by, *, user):
        import io

        from openpyxl import Workbook

        from data_layer.excel.export import write_sheet

        frame = queries.overdue(reader(), user, project_id, date.today())
        summary = _aging_rows(frame, by or "consultant")
        wb = Workbook()
        ws = wb.active
        ws.title = _("账龄汇总")
        write_sheet(ws, _headers(columns.AGING), summary.to_dict("records"))
        write_sheet(
            wb.create_sheet(_("逾期明细")), _headers(columns.OVERDUE), frame.to_dict("records")
        )
        buffer = io.BytesIO()
        wb.save(buffer)
        database().run(_audit_export, actor=user, what="overdue", count=len(frame))
        return dcc.send_bytes(buffer.getvalue(), f"overdue-{date.today():%Y%m%d}.xlsx")

    # ---------------------------------------------------------------------------- 收款日报

    def _daily(user, project_id, day):
        report = queries.daily_report(reader(), user, project_id, _date(day, date.today()))
        totals = []
        for group, frame, column in (
            (_("收款方式"), report.by_method, "method"),
            (_("款项"), report.by_kind, "kind"),
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
        rows = _translate_rows(plain_rows(report.rows), ("kind", "status", "method"))
        return rows, [{**t, "amount": float(t["amount"])} for t in totals]

    @auth.callback(
        app,
        "finance.view",
        Output(ids.DR_DOWNLOAD, "data"),
        Input(ids.DR_EXPORT, "n_clicks"),
        State(shell.PROJECT_SELECT, "value"),
        State(ids.DR_DATE, "date"),
        prevent_initial_call=True,
    )
    def export_daily(_n, project_id, day, *, user):
        import io

        from openpyxl import Workbook

        from data_layer.excel.export import write_sheet

        report, totals = _daily(user, project_id, day)
        wb = Workbook()
        ws = wb.active
        ws.title = _("汇总")
        write_sheet(ws, _headers(columns.DAILY_TOTALS), totals)
        write_sheet(
            wb.create_sheet(_("收据明细")),
            _headers(columns.RECEIPTS),
            report.rows.to_dict("records"),
        )
        buffer = io.BytesIO()
        wb.save(buffer)
        database().run(_audit_export, actor=user, what="daily_report", count=report.count)
        return dcc.send_bytes(buffer.getvalue(), f"daily-{report.day:%Y%m%d}.xlsx")

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
        today = date.today()
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
        Input(ids.CO_CHART, "clickData"),
        Input(ids.CO_AGING, "clickData"),
        State(shell.PROJECT_SELECT, "value"),
        State(ids.CO_GRAIN, "value"),
        prevent_initial_call=True,
    )
    def drill(click, aging_click, project_id, grain, *, user):
        trigger = dash.ctx.triggered_id
        if trigger == ids.CO_AGING and aging_click:
            bucket = aging_click["points"][0].get("customdata")
            frame = queries.overdue(reader(), user, project_id, date.today())
            frame = frame[frame["bucket"] == bucket]
            rows = []
            for r in frame.to_dict("records"):
                rows.append(
                    {
                        "number": "",
                        "received_on": r["due_on"],
                        "project": r["project"],
                        "unit": r["unit"],
                        "customer": r["customer"],
                        "payer": _(r["payer"]),
                        "method": "",
                        "kind": _(r["kind"]),
                        "amount": r["open"],
                        "status": _("逾期 {d} 天", d=r["days"]),
                        "reversed": "",
                        "reverses": "",
                        "created_by": r["consultant"],
                    }
                )
            import pandas as pd

            return plain_rows(pd.DataFrame(rows)), _(
                "账龄 {b} 的欠款明细（{n} 笔）", b=_(bucket), n=len(rows)
            )
        if not click:
            raise dash.exceptions.PreventUpdate
        point = click["points"][0]
        custom = point.get("customdata") or []
        if not custom or custom[0] == "due":
            raise dash.exceptions.PreventUpdate
        series, start_s = custom[0], custom[1]
        start_d = date.fromisoformat(start_s)
        end_d = coll.period_end(start_d, grain or "month")
        frames = [
            queries.receipts_frame(
                reader(), user, project_id, start=start_d, end=end_d, status="audited", kind=kind
            )
            for kind in coll.kinds_of_series(series)
        ]
        import pandas as pd

        frame = pd.concat(frames) if frames else pd.DataFrame(columns=queries.RECEIPT_COLUMNS)
        title = _(
            "{label} {start} 至 {end} 的收据（{n} 张）",
            label=_(coll.series_label(series)),
            start=start_d.isoformat(),
            end=end_d.isoformat(),
            n=len(frame),
        )
        return _translate_rows(plain_rows(frame), ("kind", "status", "method")), title

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
        today = date.today()
        frame = queries.performance(
            reader(),
            user,
            project_id,
            _date(start, today.replace(month=1, day=1)),
            _date(end, today),
        )
        return _translate_rows(plain_rows(frame), ("consultant",)), performance_figure(
            frame[frame["consultant"] != "（团队合计）"]
        )

    @auth.callback(
        app,
        "deal.view",
        Output(ids.PF_DOWNLOAD, "data"),
        Input(ids.PF_EXPORT, "n_clicks"),
        State(shell.PROJECT_SELECT, "value"),
        State(ids.PF_START, "date"),
        State(ids.PF_END, "date"),
        prevent_initial_call=True,
    )
    def export_performance(_n, project_id, start, end, *, user):
        today = date.today()
        frame = queries.performance(
            reader(),
            user,
            project_id,
            _date(start, today.replace(month=1, day=1)),
            _date(end, today),
        )
        return dcc.send_bytes(
            to_xlsx(_headers(columns.PERFORMANCE), frame.to_dict("records"), _("业绩考核")),
            f"performance-{today:%Y%m%d}.xlsx",
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
            "range": [0, 105],
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
