"""业主台帐 callbacks: summary cards, the filtered ledger, its Excel export and an owner's
payments and history; all under owners.view, read in the viewer's scope (a consultant: their
own buyers, as the reference's 客户台帐)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from callbacks.deals import history_text
from dashboard import auth, exports, format, shell
from dashboard.components import grid, kpi_card
from dashboard.db import reader
from dashboard.i18n import _, language
from data_layer import authz, localtime
from data_layer.queries import aftersales_owners as queries
from pages.aftersales import owner_ids as ids

PERMISSION = "owners.view"
# Fields holding Chinese labels, shown (and exported) in the viewer's language.
LABELS = (
    "contract_status",
    "plan_kind",
    "paid_label",
    "mortgage_status",
    "certificate_status",
)
DETAIL_LABELS = ("kind", "payer", "state", "method", "status", "user")
BIRTHDAY_WINDOWS = {"7": 7, "30": 30}


def _paid_filter(value) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _frame(user, project_id, search, paid, birthday):
    return queries.owners_frame(
        reader(),
        user,
        project_id,
        search=str(search or "")[:50],
        paid_in_full=_paid_filter(paid),
        birthday_days=BIRTHDAY_WINDOWS.get(str(birthday or "")),
        today=localtime.today(),
    )


# 签约 / 审核 / 备案 as a contract's state (the bare words are verbs in English).
CONTRACT_STATES = {"签约": "已签约", "审核": "已审核", "备案": "已备案"}


def _label(field: str, value: str) -> str:
    if field == "contract_status" and language() == "en":
        return _(CONTRACT_STATES.get(value, value))
    return _(value)


def _translated(rows: list[dict], fields) -> list[dict]:
    for row in rows:
        for f in fields:
            if isinstance(row.get(f), str) and row[f]:
                row[f] = _label(f, row[f])
    return rows


def _shown(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def grid_rows(records: list[dict], fields=LABELS) -> list[dict]:
    """rowData: labels in the viewer's language, Decimals as numbers and dates as ISO text, for
    display only (the export reads the exact values again)."""
    return [{k: _shown(v) for k, v in row.items()} for row in _translated(records, fields)]


def export_rows(user, project_id, search, paid, birthday) -> list[dict]:
    frame = _frame(user, project_id, search, paid, birthday)
    return _translated(exports.exact_rows(frame), LABELS)


def _cards(s: queries.OwnerSummary, fmt: format.Formatter) -> dbc.Row:
    cards = [
        (_("业主数"), f"{s.owners:,}"),
        (_("已付清房款"), f"{s.paid_in_full:,}"),
        (_("未付房款"), "¥" + fmt.amount(s.outstanding)),
        (_("7 天内生日"), f"{s.birthdays:,}"),
    ]
    return dbc.Row(
        [
            dbc.Col(kpi_card(label, value, f"as-own-kpi-{i}"), xs=6, md=3)
            for i, (label, value) in enumerate(cards)
        ],
        className="g-2",
    )


def _plan(row: dict) -> str:
    """The plan's name, with its type when the name does not already say it."""
    name, kind = row["plan"], row["plan_kind"]
    if not name:
        return ""
    return name if not kind or kind in name else f"{name}（{_(kind)}）"


def _facts(row: dict, fmt: format.Formatter) -> html.Div:
    """The owner's header: who, which unit and contract, how much is paid."""
    pairs = [
        (_("房间"), f"{row['project']} · {row['unit']}"),
        (_("建筑面积"), f"{fmt.area(row['area'])} m²" if row["area"] is not None else ""),
        (_("手机"), row["mobile"]),
        (_("身份证号"), row["id_number"]),
        (_("生日"), row["birthday"].isoformat() if row["birthday"] else ""),
        (_("合同编号"), row["contract_no"]),
        (_("签约日期"), row["contracted_on"].isoformat() if row["contracted_on"] else ""),
        (_("合同状态"), _label("contract_status", row["contract_status"])),
        (_("付款方案"), _plan(row)),
        (_("成交总价"), "¥" + fmt.amount(row["deal_total"] or 0)),
        (_("已付房款"), "¥" + fmt.amount(row["paid"])),
        (_("未付房款"), "¥" + fmt.amount(row["outstanding"])),
        (_("按揭办理"), _(row["mortgage_status"])),
        (_("产权办理"), _(row["certificate_status"])),
        (_("置业顾问"), row["consultant"]),
    ]
    return html.Div(
        [
            html.Div(
                [
                    html.Div(label, className="text-muted small"),
                    html.Div(value or "—", className="fw-semibold text-break"),
                ],
                className="col-6 col-md-4 col-xl-2 mb-2",
            )
            for label, value in pairs
        ],
        className="row g-2",
    )


def detail_view(user, deal_id):
    """An owner's card: facts, receivables, receipts and the deal's history."""
    detail = queries.owner_detail(reader(), user, deal_id, today=localtime.today())
    if detail is None:
        return html.Div(_("没有找到这位业主，或您无权查看。"), className="text-muted")
    fmt = format.current()
    row = detail.row
    events = [
        {
            **e,
            "kind": _(e["kind"]),
            "user": _(e["user"]),
            "details": history_text(e["details"], fmt),
        }
        for e in detail.events
    ]
    title = html.Div(
        [
            html.Strong(row["owner"], className="me-2"),
            html.Span(_("业主详情"), className="text-muted small"),
        ]
    )
    return dbc.Card(
        [
            dbc.CardHeader(title),
            dbc.CardBody(
                [
                    _facts(row, fmt),
                    html.H3(_("应收款"), className="h6 mt-2"),
                    grid(
                        ids.RECEIVABLES,
                        ids.receivable_columns(fmt),
                        grid_rows(detail.receivables, DETAIL_LABELS),
                        height=230,
                        dashGridOptions={"pagination": False},
                    ),
                    html.H3(_("付款记录"), className="h6 mt-3"),
                    grid(
                        ids.RECEIPTS,
                        ids.receipt_columns(fmt),
                        grid_rows(detail.receipts, DETAIL_LABELS),
                        height=200,
                        dashGridOptions={"pagination": False},
                    ),
                    html.H3(_("交易历史"), className="h6 mt-3"),
                    grid(
                        ids.EVENTS,
                        ids.EVENT_COLUMNS,
                        grid_rows(events, ()),
                        height=240,
                        dashGridOptions={"pagination": False},
                    ),
                ]
            ),
        ],
        className="shadow-sm",
    )


def register(app):
    state = [
        State(shell.PROJECT_SELECT, "value"),
        State(ids.SEARCH, "value"),
        State(ids.PAID, "value"),
        State(ids.BIRTHDAY, "value"),
    ]

    @auth.callback(
        app,
        PERMISSION,
        Output(ids.KPIS, "children"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def owner_summary(project_id, *, user):
        s = queries.summary(reader(), user, project_id, today=localtime.today(), birthday_days=7)
        return _cards(s, format.current())

    @auth.callback(
        app,
        PERMISSION,
        Output(ids.GRID, "rowData"),
        Output(ids.NOTE, "children"),
        Output(ids.GRID, "selectedRows"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.SEARCH, "value"),
        Input(ids.PAID, "value"),
        Input(ids.BIRTHDAY, "value"),
    )
    def owner_list(project_id, search, paid, birthday, *, user):
        frame = _frame(user, project_id, search, paid, birthday)
        rows = grid_rows(exports.exact_rows(frame))
        if len(rows) >= queries.MAX_ROWS:
            note = _("仅显示前 {n} 位业主，请用搜索或筛选缩小范围。", n=f"{queries.MAX_ROWS:,}")
        else:
            note = _("共 {n} 位", n=f"{len(rows):,}")
        # A new list closes the detail of an owner it may no longer hold.
        return rows, note, []

    exports.register(
        app,
        PERMISSION,
        "owners",
        ids.GRID,
        ids.EXPORT,
        ids.DOWNLOAD,
        export_rows,
        lambda: ids.columns(format.current()),
        "业主台帐",
        state=state,
        details=lambda user: {"personal_data": authz.sees_personal_data(user)},
        filename=lambda: f"owners-{localtime.today():%Y%m%d}.xlsx",
    )

    @auth.callback(
        app,
        PERMISSION,
        Output(ids.DETAIL, "children"),
        Input(ids.GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    def owner_detail(rows, *, user):
        if not rows or not isinstance(rows, list) or not isinstance(rows[0], dict):
            return None
        return detail_view(user, rows[0].get("id"))
