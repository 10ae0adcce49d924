"""按揭办理 and 产权办理: the work list with its progress chart and export, the selected case's
panel, and the writes (documents, details, one step forward or back) through
data_layer.commands.aftersales. One set of callbacks serves both pages (the KIND store)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html
from dash.exceptions import PreventUpdate

from dashboard import auth, exports, shell
from dashboard import format as number_format
from dashboard.charts import empty, figure
from dashboard.components import feedback
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer import authz, localtime
from data_layer.commands import aftersales as commands
from data_layer.errors import DomainError
from data_layer.models import CaseKind, CaseStatus
from data_layer.queries import aftersales_cases as queries
from data_layer.rules import aftersales as rules
from pages.aftersales import case_ids as ids


def _kind(value) -> CaseKind:
    try:
        return CaseKind(value)
    except ValueError:
        raise PreventUpdate from None


def _status(value) -> str | None:
    return value if value in {s.value for s in CaseStatus} else None


def _search(value) -> str | None:
    return str(value).strip()[:50] if value else None


def _project(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _rows(user, kind, project_id, status=None, search=None):
    return queries.work_list(
        reader(), user, kind, _project(project_id), status=_status(status), search=_search(search)
    )


def _grid_rows(frame) -> list[dict]:
    rows = number_format.grid_records(frame.astype(object).where(frame.notna(), None))
    for row in rows:
        row["status_label"] = _(row["status_label"])
        for key in ("status_on", "contracted_on"):
            if row.get(key) is not None:
                row[key] = row[key].isoformat()
    return rows


def _chart(counts: list[tuple[str, str, int]]) -> dict:
    if not any(n for _s, _l, n in counts):
        return empty(_("暂无需要办理的业主"))
    return figure(
        [
            {
                "type": "bar",
                "x": [_(label) for _s, label, _n in counts],
                "y": [n for _s, _l, n in counts],
                "text": [str(n) for _s, _l, n in counts],
                "textposition": "outside",
                "cliponaxis": False,
                "marker": {"color": [ids.STATUS_COLORS[s] for s, _l, _n in counts]},
                "customdata": [s for s, _l, _n in counts],
                "hovertemplate": "%{x}: %{y}<extra></extra>",
            }
        ],
        _("办理进度"),
        margin={"l": 40, "r": 10, "t": 40, "b": 30},
        xaxis={"fixedrange": True, "automargin": True},
        yaxis={
            "gridcolor": "#eee",
            "zeroline": False,
            "rangemode": "tozero",
            "tickformat": "d",
            "fixedrange": True,
        },
        dragmode=False,
        bargap=0.45,
        showlegend=False,
    )


def _doc_label(doc: dict) -> str:
    return (doc["label_en"] or doc["label"]) if language() == "en" else doc["label"]


def _steps_bar(detail) -> html.Div:
    """The kind's statuses in order, the current one highlighted."""
    order = rules.ORDER[detail.kind]
    here = order.index(detail.status)
    items = []
    for i, status in enumerate(order):
        color = "primary" if i == here else ("success" if i < here else "light")
        items.append(
            dbc.Badge(
                _(rules.STATUS_LABELS[status]),
                color=color,
                text_color="dark" if color == "light" else None,
                className="me-1 px-2 py-1",
            )
        )
        if i + 1 < len(order):
            items.append(html.Span("→", className="text-muted me-1"))
    return html.Div(items, className="mb-2")


def _panel(user, detail) -> dbc.Card:
    fmt = number_format.current()
    can_edit = authz.has(user, "aftersales.edit")
    mortgage = detail.kind == CaseKind.MORTGAGE
    today = localtime.today()
    days = (today - detail.status_on).days if detail.status_on else None
    header = html.Div(
        [
            html.Div(
                [
                    html.Strong(f"{detail.unit} · {detail.owner}", id="as-case-title"),
                    html.Span(f" · {detail.mobile}", className="text-muted small"),
                ]
            ),
            html.Div(
                _(
                    "合同 {no}（{on}）· 成交总价 ¥{total}",
                    no=detail.contract_no or "—",
                    on=detail.contracted_on.isoformat() if detail.contracted_on else "—",
                    total=fmt.amount(detail.deal_total or 0),
                ),
                className="small text-muted",
            ),
            html.Div(
                [
                    _("当前状态："),
                    html.Strong(_(rules.STATUS_LABELS[detail.status]), id="as-case-status-now"),
                    " · "
                    + _(
                        "{on} 起 {days} 天",
                        on=detail.status_on.isoformat() if detail.status_on else "—",
                        days=days if days is not None else "—",
                    ),
                    " · " + _("办理人：{name}", name=detail.handler) if detail.handler else "",
                ],
                className="small mt-1",
            ),
        ],
        className="mb-2",
    )
    required = [d for d in detail.documents if d["active"]]
    got = sum(1 for d in required if d["received_on"])
    locked_docs = detail.finished or detail.status != CaseStatus.PENDING

    def doc_text(doc):
        text = _doc_label(doc)
        if doc["received_on"]:
            when = f"{doc['received_on'].isoformat()} {doc['user']}".strip()
            text += f" ({when})" if language() == "en" else f"（{when}）"
        if not doc["active"]:
            text += " " + _("（已停用）")
        return text

    if can_edit:
        checklist = dbc.Checklist(
            id=ids.DOCS,
            options=[
                {
                    "label": doc_text(d),
                    "value": d["code"],
                    "disabled": detail.finished or (locked_docs and bool(d["received_on"])),
                }
                for d in detail.documents
            ],
            value=[d["code"] for d in detail.documents if d["received_on"]],
            className="small",
        )
    else:
        checklist = html.Ul(
            [
                html.Li(
                    ("✓ " if d["received_on"] else "✗ ") + doc_text(d),
                    className="text-success" if d["received_on"] else "text-muted",
                )
                for d in detail.documents
            ],
            className="list-unstyled small mb-0",
        )
    docs = html.Div(
        [
            html.H3(_("资料清单（{got}/{n}）", got=got, n=len(required)), className="h6 mt-2"),
            checklist,
        ]
    )
    hidden = {"display": "none"}
    planned = detail.planned_loan
    loan_hint = _("按方案 ¥{amount}", amount=fmt.amount(planned)) if planned is not None else ""
    if can_edit:
        form = html.Div(
            [
                html.H3(_("办理信息"), className="h6 mt-3"),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label(_("贷款银行"), className="small mb-0"),
                                dbc.Input(
                                    id=ids.BANK,
                                    value=detail.bank,
                                    maxLength=100,
                                    size="sm",
                                    disabled=detail.finished,
                                ),
                            ],
                            md=6,
                            style=None if mortgage else hidden,
                        ),
                        dbc.Col(
                            [
                                dbc.Label(_("贷款金额"), className="small mb-0"),
                                dbc.Input(
                                    id=ids.LOAN,
                                    disabled=detail.finished,
                                    value=str(detail.loan_amount)
                                    if detail.loan_amount is not None
                                    else "",
                                    placeholder=loan_hint,
                                    inputMode="decimal",
                                    size="sm",
                                ),
                            ],
                            md=6,
                            style=None if mortgage else hidden,
                        ),
                        dbc.Col(
                            [
                                dbc.Label(_("产权证号"), className="small mb-0"),
                                dbc.Input(
                                    id=ids.CERTIFICATE_NO,
                                    disabled=detail.finished,
                                    value=detail.certificate_no,
                                    maxLength=50,
                                    size="sm",
                                ),
                            ],
                            md=12,
                            style=hidden if mortgage else None,
                        ),
                        dbc.Col(
                            [
                                dbc.Label(_("备注"), className="small mb-0"),
                                dbc.Textarea(id=ids.NOTE, value=detail.note, rows=2, size="sm"),
                            ],
                            md=12,
                        ),
                    ],
                    className="g-2",
                ),
                dbc.Button(
                    _("保存信息"),
                    id=ids.SAVE,
                    color="secondary",
                    outline=True,
                    size="sm",
                    className="mt-2",
                ),
            ]
        )
        following = detail.next_status
        back_allowed = detail.previous_status is not None and not detail.finished
        actions = html.Div(
            [
                html.H3(_("办理"), className="h6 mt-3"),
                dbc.Button(
                    _(rules.STATUS_LABELS[following]) if following else "",
                    id=ids.ADVANCE,
                    color="primary",
                    className="me-2",
                    style=None if following else hidden,
                ),
                html.Span(
                    _("已办结"), className="text-success me-2", style=hidden if following else None
                ),
                html.Div(
                    dbc.InputGroup(
                        [
                            dbc.Input(id=ids.REASON, placeholder=_("退回原因"), maxLength=200),
                            dbc.Button(_("退回"), id=ids.BACK, color="danger", outline=True),
                        ],
                        size="sm",
                    ),
                    style=None if back_allowed else hidden,
                    className="mt-2",
                ),
            ]
        )
    else:
        facts = (
            [
                (_("贷款银行"), detail.bank or "—"),
                (
                    _("贷款金额"),
                    "¥" + fmt.amount(detail.loan_amount)
                    if detail.loan_amount is not None
                    else (loan_hint or "—"),
                ),
            ]
            if mortgage
            else [(_("产权证号"), detail.certificate_no or "—")]
        )
        facts.append((_("备注"), detail.note or "—"))
        form = html.Div(
            [
                html.H3(_("办理信息"), className="h6 mt-3"),
                html.Dl(
                    [
                        item
                        for label, value in facts
                        for item in (
                            html.Dt(label, className="col-4 small"),
                            html.Dd(value, className="col-8 small mb-1"),
                        )
                    ],
                    className="row mb-0",
                ),
            ]
        )
        actions = html.Div()
    history = html.Div(
        [
            html.H3(_("办理历史"), className="h6 mt-3"),
            html.Ul(
                [
                    html.Li(
                        [
                            html.Span(step["at"], className="text-muted me-2"),
                            html.Span(
                                f"{_(step['from'])} → {_(step['to'])}",
                                className="text-danger" if step["back"] else "",
                            ),
                            html.Span(f" · {step['user']}", className="text-muted"),
                            html.Div(_("退回原因：{why}", why=step["note"]), className="ms-3")
                            if step["note"]
                            else None,
                        ],
                        className="mb-1",
                    )
                    for step in detail.steps
                ]
                or [html.Li(_("尚无状态变更"), className="text-muted")],
                className="list-unstyled small mb-0",
                id="as-case-history",
            ),
        ]
    )
    return dbc.Card(
        dbc.CardBody([header, _steps_bar(detail), docs, form, actions, history]),
        className="shadow-sm",
    )


def _changes(detail, wanted: list[str]) -> tuple[list[str], list[str]]:
    """The documents to tick and to untick for the checklist's value `wanted`."""
    received = {d["code"] for d in detail.documents if d["received_on"]}
    wanted_set = {str(code) for code in wanted or []}
    order = [d["code"] for d in detail.documents]
    return (
        [c for c in order if c in wanted_set - received],
        [c for c in order if c in received - wanted_set],
    )


def register(app):
    @auth.callback(
        app,
        "aftersales.view",
        Output(ids.GRID, "rowData"),
        Output(ids.CHART, "figure"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.STATUS, "value"),
        Input(ids.SEARCH, "value"),
        Input(ids.REFRESH, "data"),
        State(ids.KIND, "data"),
    )
    def work_list(project_id, status, search, _refresh, kind, *, user):
        kind = _kind(kind)
        every = _rows(user, kind, project_id)
        counts = queries.status_counts(every, kind)
        shown = every
        if _status(status) or _search(search):
            shown = _rows(user, kind, project_id, status, search)
        return _grid_rows(shown), _chart(counts)

    @auth.callback(
        app,
        "aftersales.view",
        Output(ids.STATUS, "value"),
        Input(ids.CHART, "clickData"),
        prevent_initial_call=True,
    )
    def filter_by_bar(click, *, user):
        """A click on a status's bar lists only that status."""
        try:
            status = click["points"][0]["customdata"]
        except (TypeError, KeyError, IndexError):
            raise PreventUpdate from None
        if _status(status) is None:
            raise PreventUpdate
        return status

    @auth.callback(
        app,
        "aftersales.view",
        Output(ids.PANEL, "children"),
        Output(ids.CURRENT, "data"),
        Input(ids.GRID, "selectedRows"),
        Input(ids.REFRESH, "data"),
        State(ids.CURRENT, "data"),
        State(ids.KIND, "data"),
        prevent_initial_call=True,
    )
    def panel(selected, _refresh, current, kind, *, user):
        kind = _kind(kind)
        deal_id = current
        if dash.ctx.triggered_id == ids.GRID:
            if not selected or not isinstance(selected, list):
                raise PreventUpdate
            deal_id = selected[0].get("deal_id") if isinstance(selected[0], dict) else None
        try:
            deal_id = int(deal_id)
        except (TypeError, ValueError):
            raise PreventUpdate from None
        detail = queries.case_detail(reader(), user, kind, deal_id)
        if detail is None:
            return feedback(_("找不到该业主的业务，或您无权查看。"), ok=False), None
        return _panel(user, detail), deal_id

    @auth.callback(
        app,
        "aftersales.edit",
        Output(ids.FEEDBACK, "children"),
        Output(ids.REFRESH, "data"),
        Input(ids.DOCS, "value"),
        Input(ids.SAVE, "n_clicks"),
        Input(ids.ADVANCE, "n_clicks"),
        Input(ids.BACK, "n_clicks"),
        State(ids.CURRENT, "data"),
        State(ids.KIND, "data"),
        State(ids.BANK, "value"),
        State(ids.LOAN, "value"),
        State(ids.CERTIFICATE_NO, "value"),
        State(ids.NOTE, "value"),
        State(ids.REASON, "value"),
        State(ids.REFRESH, "data"),
        prevent_initial_call=True,
    )
    def write(docs, _save, _advance, _back, deal_id, kind, bank, loan, number, note, reason,
              refresh, *, user):  # fmt: skip
        kind = _kind(kind)
        trigger = dash.ctx.triggered_id
        try:
            deal_id = int(deal_id)
        except (TypeError, ValueError):
            return feedback(_("请先在列表中选择一位业主。"), ok=False), dash.no_update
        bump = int(refresh or 0) + 1
        run = database().run
        try:
            if trigger == ids.DOCS:
                detail = queries.case_detail(reader(), user, kind, deal_id)
                if detail is None:
                    raise PreventUpdate
                tick, untick = _changes(detail, docs if isinstance(docs, list) else [])
                if not tick and not untick:
                    raise PreventUpdate
                for code in tick:
                    run(commands.receive_document, actor=user, kind=kind, deal_id=deal_id,
                        code=code)  # fmt: skip
                for code in untick:
                    run(commands.unreceive_document, actor=user, kind=kind, deal_id=deal_id,
                        code=code)  # fmt: skip
                labels = {d["code"]: _doc_label(d) for d in detail.documents}
                parts = []
                if tick:
                    parts.append(_("已收：{docs}", docs="、".join(labels[c] for c in tick)))
                if untick:
                    parts.append(_("已撤销：{docs}", docs="、".join(labels[c] for c in untick)))
                message = "；".join(parts) + "。"
            elif trigger == ids.SAVE:
                run(
                    commands.update_details,
                    actor=user,
                    kind=kind,
                    deal_id=deal_id,
                    bank=bank if kind == CaseKind.MORTGAGE else None,
                    loan_amount=(loan or "") if kind == CaseKind.MORTGAGE else None,
                    certificate_no=number if kind == CaseKind.CERTIFICATE else None,
                    note=note if note is not None else None,
                )
                message = _("办理信息已保存。")
            elif trigger == ids.ADVANCE:
                case = run(commands.advance, actor=user, kind=kind, deal_id=deal_id)
                message = _("已登记为「{status}」。", status=_(rules.STATUS_LABELS[case.status]))
            elif trigger == ids.BACK:
                case = run(
                    commands.send_back, actor=user, kind=kind, deal_id=deal_id, reason=reason or ""
                )
                message = _("已退回到「{status}」。", status=_(rules.STATUS_LABELS[case.status]))
            else:
                raise PreventUpdate
        except DomainError as err:
            # The panel is drawn again so that a refused tick does not stay ticked.
            return feedback(err.text(language()), ok=False), bump
        return feedback(message), bump

    @auth.callback(
        app,
        "aftersales.view",
        Output(ids.DOWNLOAD, "data"),
        Input(ids.EXPORT, "n_clicks"),
        State(ids.KIND, "data"),
        State(shell.PROJECT_SELECT, "value"),
        State(ids.STATUS, "value"),
        State(ids.SEARCH, "value"),
        State(ids.GRID, "virtualRowData"),
        State(ids.GRID, "columnDefs"),
        State(ids.GRID, "columnState"),
        prevent_initial_call=True,
    )
    def export(_n, kind, project_id, status, search, shown, column_defs, column_state, *, user):
        kind = _kind(kind)
        frame = _rows(user, kind, project_id, status, search)
        fmt = number_format.current()
        default = [
            {**c, "headerName": _(c["headerName"])}
            for c in ids.columns(kind.value, fmt.amount_places)
        ]
        return exports.grid_xlsx(
            user,
            f"aftersales_{kind.value}",
            exports.exact_rows(frame),
            shown,
            column_defs,
            default,
            _(rules.KIND_LABELS[kind]),
            key=("deal_id",),
            details={"personal_data": authz.sees_personal_data(user)},
            column_state=column_state,
            filename=f"{kind.value}-{localtime.today():%Y%m%d}.xlsx",
        )
