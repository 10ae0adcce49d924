"""Deal screens and the unit panel of the sales control chart: thin callbacks over
data_layer.commands.deals and data_layer.queries.deals."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dashboard import auth, exports, shell
from dashboard import format as number_format
from dashboard.components import feedback, grid
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer import authz, localtime
from data_layer.commands import deals as commands
from data_layer.errors import DomainError
from data_layer.queries import deals as queries
from data_layer.queries import finance as finance_queries
from pages.deals import columns, ids
from pages.inventory import ids as inventory_ids

ACTION_LABELS = {
    "reserve": "预留",
    "hold": "临定",
    "subscribe": "认购",
    "sign": "直接签约",
    "sign_deal": "签约",
    "release": "释放",
}
# In Chinese the action and the state it leads to are one word (预留 reserve / reserved); the
# catalogue translates the word as the state, so the buttons have their own English verbs.
ACTION_EN = {
    "reserve": "Reserve",
    "hold": "Hold",
    "subscribe": "Subscribe",
    "sign": "Sign directly",
    "sign_deal": "Sign contract",
    "release": "Release",
}
# Which form groups each action shows.
ACTION_FIELDS = {
    "reserve": {ids.G_CUSTOMER, ids.G_UNTIL},
    "hold": {ids.G_CUSTOMER, ids.G_DEPOSIT},
    "subscribe": {ids.G_CUSTOMER, ids.G_PLAN, ids.G_DEPOSIT, ids.G_EXTRA},
    "sign": {ids.G_CUSTOMER, ids.G_PLAN, ids.G_DEPOSIT, ids.G_EXTRA, ids.G_CONTRACT, ids.G_HOMES},
    "sign_deal": {ids.G_CONTRACT, ids.G_HOMES},
    "release": set(),
}
GROUPS = [
    ids.G_CUSTOMER,
    ids.G_PLAN,
    ids.G_DEPOSIT,
    ids.G_EXTRA,
    ids.G_UNTIL,
    ids.G_CONTRACT,
    ids.G_HOMES,
]
DONE_ID = {"type": ids.DONE, "id": "panel"}


# Grid fields holding a Chinese status label (阶段, 状态, 合同状态): shown in the viewer's language.
LABEL_FIELDS = frozenset({"stage", "state", "status", "contract_status"})


def _shown(key, value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    if key in LABEL_FIELDS and isinstance(value, str):
        return _(value)
    return value


def plain_rows(frame) -> list[dict]:
    """Grid rows: Decimals become numbers, dates ISO text and status labels the viewer's
    language, for display only (exports keep the stored labels)."""
    return [
        {k: _shown(k, v) for k, v in row.items()}
        for row in frame.astype(object).where(frame.notna(), None).to_dict("records")
    ]


def _text(value) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value).strip()


def action_label(action: str) -> str:
    """The button text of a deal action in the viewer's language (a verb in English)."""
    return ACTION_EN[action] if language() == "en" else ACTION_LABELS[action]


def _money_text(value, fmt: number_format.Formatter | None = None) -> str:
    """An amount with the precision settings (数据设置) of `fmt` (this request's by default)."""
    if value is None:
        return "—"
    return "¥" + (fmt or number_format.current()).amount(value)


# Readable names of what a deal's history lines record (DealEvent.details and the payload of
# a change request), in the order they are shown; keys not listed are left out.
DETAIL_LABELS = {
    "plan": "付款方案",
    "name": "费用",
    "list_total": "表价总价",
    "discount_rate": "方案折扣",
    "extra_discount": "额外优惠",
    "deal_total": "成交总价",
    "deposit": "定金",
    "amount": "金额",
    "until": "保留至",
    "stage": "阶段",
    "contract_no": "合同编号",
    "home_count": "家庭住房套数",
    "filing_no": "备案号",
    "reason_label": "原因",
    "developer_fault": "开发商原因",
    "new_unit_code": "换至房间",
    "old_unit": "原房间",
    "new_unit": "换至房间",
    "new_customer_name": "新客户",
    "old_deal": "原交易编号",
    "new_deal": "新交易编号",
    "price_difference": "差价",
    "moved": "转款",
    "refund": "应退",
    "before": "调整前",
    "after": "调整后",
    "self_approved": "权限内批准",
    "by": "批准人",
    "reason": "说明",
    "note": "审批意见",
}
MONEY_DETAILS = {
    "list_total",
    "extra_discount",
    "deal_total",
    "deposit",
    "amount",
    "price_difference",
    "moved",
    "refund",
    "before",
    "after",
}


def _detail_value(key: str, value, fmt: number_format.Formatter) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if key in MONEY_DETAILS:
        try:
            amount = Decimal(str(value))
        except ArithmeticError:
            return str(value)
        sign = "-" if amount < 0 else ("+" if key == "price_difference" and amount > 0 else "")
        return sign + _money_text(abs(amount), fmt)
    if key == "stage":
        labels = {stage.value: zh for stage, (zh, _en) in commands.STAGE_LABELS.items()}
        return _(labels.get(value, str(value)))
    if key == "discount_rate":
        try:
            return f"{Decimal(str(value)).normalize():f}"
        except ArithmeticError:
            return str(value)
    return str(value)


def history_text(details: dict | None, fmt: number_format.Formatter) -> str:
    """A history line's details as 标签：值 pairs in the viewer's language ("定金：¥20,000.00；
    保留至：2026-12-08"), amounts with the precision settings."""
    values = dict(details or {})
    payload = values.pop("payload", None)
    if isinstance(payload, dict):  # a change request: what was asked for
        values = {**payload, **values}
    parts = []
    for key, label in DETAIL_LABELS.items():
        value = values.get(key)
        if value is None or value == "" or isinstance(value, (dict, list)):
            continue
        if key == "developer_fault" and not value:
            continue
        parts.append(f"{_(label)}：{_detail_value(key, value, fmt)}")
    return "；".join(parts)


# ---------------------------------------------------------------------------------------------
# The unit panel (rendered into UNIT_ACTIONS on the chart and on 交易登记)


# The chart's own unit panel (callbacks.inventory.unit_panel) already shows the unit's code,
# status, areas and prices: there the deal block adds only what it lacks.
CHART_PATH = "/deals/chart"


def _on_chart(pathname) -> bool:
    return (pathname or "").rstrip("/") == CHART_PATH


def _summary(panel: queries.UnitPanel | None, *, compact: bool = False) -> list:
    """The deal block: on 交易登记 the unit's table (房间, 状态, areas, totals, customer…) and the
    action buttons; `compact` (the 销控表, whose unit panel shows the unit) only the customer,
    consultant, 保留至, the stale warning and the buttons. Numbers with the precision settings."""
    if panel is None:
        return [
            html.P(
                _("在销控表中点击一个房间，即可在此办理预留、临定、认购或签约。"),
                className="text-muted small mb-0",
            )
        ]
    fmt = number_format.current()
    rows = []
    if not compact:
        rows += [
            (_("房间"), panel.code),
            (_("状态"), _(panel.status_label)),
            (_("建筑面积"), f"{fmt.area(panel.area)} m²"),
            (_("表价总价"), _money_text(panel.list_total, fmt)),
        ]
        if panel.floor_total is not None:
            rows.append((_("底价总价"), _money_text(panel.floor_total, fmt)))
    if panel.customer:
        rows.append((_("客户"), f"{panel.customer}（{_(panel.stage_label)}）"))
        rows.append((_("置业顾问"), panel.consultant))
    if panel.until:
        rows.append((_("保留至"), panel.until.isoformat()))
    out = [] if compact else [html.H2(_("房间 {code}", code=panel.code), className="h6")]
    if rows:
        out.append(
            html.Table(
                [
                    html.Tr([html.Th(k, className="pe-3 fw-normal text-muted"), html.Td(v)])
                    for k, v in rows
                ],
                className="small mb-2",
                id="deal-panel-table",
            )
        )
    if panel.stale:
        out.append(
            dbc.Alert(
                _("该预留/临定已过期，房间视为待售。"), color="warning", className="py-1 small"
            )
        )
    if panel.actions:
        out.append(
            html.Div(
                [
                    dbc.Button(
                        action_label(a),
                        id={"type": ids.ACTION, "action": a},
                        size="sm",
                        color="primary" if a in ("subscribe", "sign_deal") else "outline-primary",
                        className="me-2 mb-1",
                    )
                    for a in panel.actions
                ],
                className="no-print",
            )
        )
    return out


def _group(group_id: str, label: str, control) -> html.Div:
    return html.Div(
        [dbc.Label(_(label), className="small mb-0"), control],
        id=group_id,
        className="mb-2",
        style={"display": "none"},
    )


def _modal() -> dbc.Modal:
    homes = [
        {"label": _("首套房"), "value": "1"},
        {"label": _("第二套"), "value": "2"},
        {"label": _("第三套及以上"), "value": "3"},
    ]
    body = [
        _group(ids.G_CUSTOMER, "客户", dcc.Dropdown(id=ids.F_CUSTOMER, placeholder=_("选择客户"))),
        _group(ids.G_PLAN, "付款方案", dcc.Dropdown(id=ids.F_PLAN, placeholder=_("选择付款方案"))),
        _group(
            ids.G_DEPOSIT,
            "定金（元）",
            dbc.Input(id=ids.F_DEPOSIT, type="text", inputMode="decimal"),
        ),
        _group(
            ids.G_EXTRA,
            "额外优惠（元）",
            dbc.Input(id=ids.F_EXTRA, type="text", value="0", inputMode="decimal"),
        ),
        _group(
            ids.G_UNTIL,
            "预留至",
            dcc.DatePickerSingle(
                id=ids.F_UNTIL,
                date=(localtime.today() + timedelta(days=2)).isoformat(),
                display_format="YYYY-MM-DD",
            ),
        ),
        _group(ids.G_CONTRACT, "合同编号", dbc.Input(id=ids.F_CONTRACT, maxLength=50)),
        _group(
            ids.G_HOMES,
            "家庭住房套数（契税）",
            dbc.Select(id=ids.F_HOMES, options=homes, value="1"),
        ),
        html.Div(id=ids.PREVIEW, className="small"),
        html.Div(id=ids.FEEDBACK, className="mt-2"),
    ]
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(id=ids.MODAL_TITLE)),
            dbc.ModalBody(body),
            dbc.ModalFooter(dbc.Button(_("确认提交"), id=ids.SUBMIT, color="primary")),
        ],
        id=ids.MODAL,
        is_open=False,
    )


def _panel(user, unit_id) -> queries.UnitPanel | None:
    if not unit_id or not authz.has(user, "deal.view"):
        return None
    try:
        unit_id = int(unit_id)
    except (TypeError, ValueError):
        return None
    return queries.unit_panel(reader(), user, unit_id, localtime.today())


def register(app):
    @auth.callback(
        app,
        "inventory.view",
        Output(inventory_ids.UNIT_ACTIONS, "children"),
        Input(inventory_ids.SELECTED_UNIT, "data"),
        State(shell.URL, "pathname"),
    )
    def unit_actions(unit_id, pathname, *, user):
        if not authz.has(user, "deal.view"):
            return None  # e.g. marketing looking at the chart: no deal actions
        compact = _on_chart(pathname)
        return html.Div(
            [
                html.Div(
                    _summary(_panel(user, unit_id), compact=compact),
                    id=ids.PANEL_SUMMARY,
                    className="border-top pt-2" if compact and unit_id else None,
                ),
                _modal(),
                dcc.Store(id=ids.MODAL_ACTION),
                dcc.Store(id=ids.MODAL_UNIT),
                dcc.Store(id=ids.MODAL_TOKEN),
                dcc.Store(id=DONE_ID),
            ]
        )

    @auth.callback(
        app,
        "deal.create",
        Output(ids.MODAL, "is_open"),
        Output(ids.MODAL_ACTION, "data"),
        Output(ids.MODAL_UNIT, "data"),
        Output(ids.MODAL_TITLE, "children"),
        Output(ids.MODAL_TOKEN, "data"),
        Output(ids.FEEDBACK, "children"),
        Output(ids.F_CUSTOMER, "options"),
        Output(ids.F_CUSTOMER, "value"),
        Output(ids.F_PLAN, "options"),
        *[Output(g, "style") for g in GROUPS],
        Input({"type": ids.ACTION, "action": ALL}, "n_clicks"),
        State(inventory_ids.SELECTED_UNIT, "data"),
        prevent_initial_call=True,
    )
    def open_form(clicks, unit_id, *, user):
        trigger = dash.ctx.triggered_id
        if not isinstance(trigger, dict) or not any(clicks or []):
            raise dash.exceptions.PreventUpdate
        action = trigger.get("action")
        panel = _panel(user, unit_id)
        if panel is None or action not in panel.actions:
            raise dash.exceptions.PreventUpdate
        s = reader()
        customers = queries.customer_options(s, user, panel.project_id)
        plans = queries.plan_options(s, panel.project_id)
        shown = ACTION_FIELDS[action]
        styles = [{"display": "block"} if g in shown else {"display": "none"} for g in GROUPS]
        title = _("{action} · 房间 {code}", action=action_label(action), code=panel.code)
        return (
            True,
            action,
            panel.unit_id,
            title,
            uuid.uuid4().hex,
            None,
            customers,
            panel.customer_id,
            plans,
            *styles,
        )

    @auth.callback(
        app,
        "deal.view",
        Output(ids.PREVIEW, "children"),
        Input(ids.F_PLAN, "value"),
        Input(ids.F_EXTRA, "value"),
        Input(ids.MODAL_ACTION, "data"),
        State(ids.MODAL_UNIT, "data"),
        prevent_initial_call=True,
    )
    def preview(plan_id, extra, action, unit_id, *, user):
        if action not in ("subscribe", "sign", "hold") or not unit_id:
            return None
        s = reader()
        from data_layer.models import PaymentPlan, Unit

        unit = s.get(Unit, int(unit_id))
        if unit is None or not authz.scope(user).allows_project(unit.project_id):
            return None
        plan = s.get(PaymentPlan, plan_id) if plan_id else None
        if plan is not None and plan.project_id != unit.project_id:
            plan = None
        # A live reservation or hold keeps its snapshotted price (only its customer may go on).
        held = commands.live_deal(s, unit.id)
        if (
            held is None
            or held.stage
            not in (
                commands.DealStage.RESERVED,
                commands.DealStage.HELD,
            )
            or commands.is_stale(held, localtime.today())
        ):
            held = None
        try:
            q = commands.quote_for_deal(s, unit, held, plan, _text(extra) or "0")
        except (DomainError, ValueError, TypeError) as err:
            text = err.text(language()) if isinstance(err, DomainError) else _("请输入正确的金额。")
            return dbc.Alert(text, color="warning", className="py-1")
        fmt = number_format.current()
        lines = [
            (_("表价总价"), _money_text(q.list_total, fmt)),
            (_("方案折扣"), f"{q.discount_rate.normalize()}"),
            (_("方案价"), _money_text(q.plan_total, fmt)),
            (_("额外优惠"), _money_text(q.extra_discount, fmt)),
            (_("成交总价"), _money_text(q.deal_total, fmt)),
            (_("成交单价"), "¥" + fmt.unit_price(q.deal_unit_price)),
            (
                _("定金上限（20%）"),
                _money_text(commands.fee_rules.deposit_limit(q.deal_total), fmt),
            ),
        ]
        out = [
            html.Table(
                [
                    html.Tr([html.Th(k, className="pe-3 fw-normal text-muted"), html.Td(v)])
                    for k, v in lines
                ],
                className="mb-1",
            )
        ]
        if q.needs_approval:
            out.append(
                dbc.Alert(
                    _("额外优惠超过限额或低于底价，需经理审批；审批前按方案价成交。"),
                    color="info",
                    className="py-1 mb-0",
                )
            )
        return out

    @auth.callback(
        app,
        "deal.create",
        Output(ids.FEEDBACK, "children", allow_duplicate=True),
        Output(ids.PANEL_SUMMARY, "children"),
        Output(DONE_ID, "data"),
        Input(ids.SUBMIT, "n_clicks"),
        State(ids.MODAL_ACTION, "data"),
        # The unit the form was opened for (its title names it), not the one selected now: a
        # grid refresh or another click while the form is open must not change what is sold.
        State(ids.MODAL_UNIT, "data"),
        State(ids.F_CUSTOMER, "value"),
        State(ids.F_PLAN, "value"),
        State(ids.F_DEPOSIT, "value"),
        State(ids.F_EXTRA, "value"),
        State(ids.F_UNTIL, "date"),
        State(ids.F_CONTRACT, "value"),
        State(ids.F_HOMES, "value"),
        State(ids.MODAL_TOKEN, "data"),
        State(shell.URL, "pathname"),
        prevent_initial_call=True,
        running=[(Output(ids.SUBMIT, "disabled"), True, False)],
    )
    def submit(
        n,
        action,
        unit_id,
        customer_id,
        plan_id,
        deposit,
        extra,
        until,
        contract_no,
        homes,
        token,
        pathname,
        *,
        user,
    ):
        if not n or not action or not unit_id:
            raise dash.exceptions.PreventUpdate
        panel = _panel(user, unit_id)
        if panel is None:
            raise dash.exceptions.PreventUpdate
        db = database()
        common = {"actor": user, "token": token}
        try:
            if action == "reserve":
                deal = db.run(
                    commands.reserve,
                    unit_id=panel.unit_id,
                    customer_id=customer_id,
                    until=date.fromisoformat(until) if until else None,
                    **common,
                )
                message = _(
                    "已预留 {code}，保留至 {until}。",
                    code=panel.code,
                    until=deal.reserved_until.isoformat(),
                )
            elif action == "hold":
                deal = db.run(
                    commands.hold,
                    unit_id=panel.unit_id,
                    customer_id=customer_id,
                    deposit=_text(deposit),
                    **common,
                )
                message = _(
                    "已临定 {code}，保留至 {until}。",
                    code=panel.code,
                    until=deal.held_until.isoformat(),
                )
            elif action == "subscribe":
                deal = db.run(
                    commands.subscribe,
                    unit_id=panel.unit_id,
                    customer_id=customer_id,
                    plan_id=plan_id,
                    deposit=_text(deposit),
                    extra_discount=_text(extra) or "0",
                    **common,
                )
                message = _(
                    "认购成功：{code} 成交总价 ¥{total}。",
                    code=panel.code,
                    total=number_format.current().amount(deal.deal_total),
                )
            elif action in ("sign", "sign_deal"):
                walk_in = action == "sign"
                deal = db.run(
                    commands.sign_contract,
                    contract_no=_text(contract_no),
                    deal_id=None if walk_in else panel.deal_id,
                    unit_id=panel.unit_id if walk_in else None,
                    customer_id=customer_id if walk_in else None,
                    plan_id=plan_id if walk_in else None,
                    deposit=_text(deposit) if walk_in else None,
                    extra_discount=_text(extra) or "0",
                    home_count=int(homes or 1),
                    **common,
                )
                message = _("签约成功：合同编号 {no}。", no=deal.contract_no)
            elif action == "release":
                db.run(commands.release, deal_id=panel.deal_id, actor=user)
                message = _("已释放 {code}。", code=panel.code)
            else:
                raise dash.exceptions.PreventUpdate
        except DomainError as err:
            # Refused (e.g. someone else took the unit a moment ago): show the unit as it is
            # now, with the actions left to this user, and refresh the lists that show it.
            reader().expire_all()
            return (
                feedback(err.text(language()), ok=False),
                _summary(_panel(user, unit_id), compact=_on_chart(pathname)),
                uuid.uuid4().hex,
            )
        except (TypeError, ValueError):
            return feedback(_("请检查填写的内容。"), ok=False), dash.no_update, dash.no_update
        reader().expire_all()
        summary = _summary(_panel(user, unit_id), compact=_on_chart(pathname))
        return feedback(message), summary, uuid.uuid4().hex

    # -------------------------------------------------------------------------------- 交易登记

    @auth.callback(
        app,
        "deal.view",
        Output(ids.REG_BUILDING, "options"),
        Output(ids.REG_BUILDING, "value"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def buildings(project_id, *, user):
        options = queries.building_options(reader(), user, project_id)
        return options, options[0]["value"] if options else None

    @auth.callback(
        app,
        "deal.view",
        Output(ids.REG_GRID, "rowData"),
        Input(ids.REG_BUILDING, "value"),
        Input({"type": ids.DONE, "id": ALL}, "data"),
    )
    def units(building_id, _done, *, user):
        return plain_rows(_units(user, building_id))

    exports.register(
        app,
        "deal.view",
        "deal_units",
        ids.REG_GRID,
        ids.REG_EXPORT,
        ids.REG_DOWNLOAD,
        lambda user, building_id: exports.exact_rows(_units(user, building_id)),
        columns.UNITS,
        "交易登记",
        state=[State(ids.REG_BUILDING, "value")],
    )

    @auth.callback(
        app,
        "deal.view",
        Output(inventory_ids.SELECTED_UNIT, "data", allow_duplicate=True),
        Input(ids.REG_GRID, "selectedRows"),
        State(inventory_ids.SELECTED_UNIT, "data"),
        prevent_initial_call=True,
    )
    def select_unit(rows, current, *, user):
        # A grid refresh re-sends the same selection: re-rendering the panel would close an
        # open form, so only a different unit counts.
        if not rows or rows[0].get("id") == current:
            raise dash.exceptions.PreventUpdate
        return rows[0].get("id")

    # -------------------------------------------------------------------------------- 交易列表

    def _deals(user, project_id, state):
        return queries.deals_frame(reader(), user, project_id, state=state or None)

    @auth.callback(
        app,
        "deal.view",
        Output(ids.LIST_GRID, "rowData"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.LIST_STATE, "value"),
    )
    def deal_list(project_id, state, *, user):
        return plain_rows(_deals(user, project_id, state))

    exports.register(
        app,
        "deal.view",
        "deals",
        ids.LIST_GRID,
        ids.LIST_EXPORT,
        ids.LIST_DOWNLOAD,
        lambda user, *state: exports.exact_rows(_deals(user, *state)),
        columns.DEALS,
        "交易列表",
        state=[State(shell.PROJECT_SELECT, "value"), State(ids.LIST_STATE, "value")],
        details=_personal_data,
        filename=lambda: f"deals-{localtime.today():%Y%m%d}.xlsx",
    )

    @auth.callback(
        app,
        "deal.view",
        Output(ids.LIST_DETAIL, "children"),
        Input(ids.LIST_GRID, "selectedRows"),
        Input(ids.LIST_FOCUS, "data"),
    )
    def deal_detail(rows, focus, *, user):
        """The selected deal; before any selection, the deal a link asked for (?deal=)."""
        if rows:
            return detail_view(user, rows[0].get("id"), "deals-detail")
        if focus and dash.ctx.triggered_id != ids.LIST_GRID:
            return detail_view(user, focus, "deals-detail") or html.Div(
                _("没有找到这笔交易，或您无权查看。"), className="text-muted"
            )
        return None

    # -------------------------------------------------------------------------------- 交易变更

    @auth.callback(
        app,
        "deal.view",
        Output(ids.CH_DEAL, "options"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def change_deals(project_id, *, user):
        frame = queries.deals_frame(reader(), user, project_id, state="live")
        return [
            {"label": f"{r.unit} {r.customer}（{_(r.stage)}）", "value": int(r.id)}
            for r in frame.itertuples()
        ]

    @auth.callback(
        app,
        "deal.view",
        Output(ids.CH_UNIT, "options"),
        Output(ids.CH_CUSTOMER, "options"),
        Input(ids.CH_DEAL, "value"),
    )
    def change_targets(deal_id, *, user):
        s = reader()
        project_id = queries.deal_project(s, user, deal_id)
        return (
            queries.available_unit_options(s, user, project_id),
            queries.customer_options(s, user, project_id),
        )

    @auth.callback(
        app,
        "deal.view",
        Output(ids.CH_REASON_CODE, "options"),
        Input(ids.CH_KIND, "value"),
    )
    def reason_codes(kind, *, user):
        category = {"forfeit": "forfeit_reason", "cancel": "cancel_reason"}.get(kind)
        return queries.code_options(reader(), category, language()) if category else []

    @auth.callback(
        app,
        "deal.create",
        Output(ids.CH_FEEDBACK, "children"),
        Output(ids.CH_TOKEN, "data"),
        Input(ids.CH_SUBMIT, "n_clicks"),
        State(ids.CH_DEAL, "value"),
        State(ids.CH_KIND, "value"),
        State(ids.CH_REASON_CODE, "value"),
        State(ids.CH_REASON, "value"),
        State(ids.CH_UNIT, "value"),
        State(ids.CH_CUSTOMER, "value"),
        State(ids.CH_EXTRA, "value"),
        State(ids.CH_FAULT, "value"),
        State(ids.CH_CONTRACT, "value"),
        State(ids.CH_TOKEN, "data"),
        prevent_initial_call=True,
        running=[(Output(ids.CH_SUBMIT, "disabled"), True, False)],
    )
    def request_change(
        n, deal_id, kind, code, reason, unit_id, customer_id, extra, fault, contract, token, *, user
    ):
        if not n:
            raise dash.exceptions.PreventUpdate
        if not deal_id or not kind:
            return feedback(_("请选择交易和变更类型。"), ok=False), dash.no_update
        try:
            approval = database().run(
                commands.request_change,
                actor=user,
                deal_id=int(deal_id),
                kind=kind,
                reason=_text(reason),
                reason_code=code or "",
                new_unit_id=unit_id,
                new_customer_id=customer_id,
                extra_discount=_text(extra) or "0",
                developer_fault=bool(fault),
                contract_no=_text(contract),
                token=token,
            )
        except DomainError as err:
            return feedback(err.text(language()), ok=False), dash.no_update
        except (TypeError, ValueError):
            return feedback(_("请检查填写的内容。"), ok=False), dash.no_update
        return (
            feedback(_("已提交变更申请（单号 {id}），等待经理审批。", id=approval.id)),
            uuid.uuid4().hex,
        )

    @auth.callback(
        app,
        "deal.view",
        Output(ids.AP_GRID, "rowData"),
        Output(ids.AP_FEEDBACK, "children"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.AP_STATUS, "value"),
        Input(ids.CH_FEEDBACK, "children"),
        Input(ids.AP_APPROVE, "n_clicks"),
        Input(ids.AP_REJECT, "n_clicks"),
        State(ids.AP_GRID, "selectedRows"),
        State(ids.AP_NOTE, "value"),
    )
    def approvals(project_id, status, _changed, _approve, _reject, selected, note, *, user):
        trigger = dash.ctx.triggered_id
        message = None
        if trigger in (ids.AP_APPROVE, ids.AP_REJECT):
            if not selected:
                message = feedback(_("请先在表格中选择一条申请。"), ok=False)
            else:
                try:
                    database().run(
                        commands.decide,
                        actor=user,
                        approval_id=int(selected[0]["id"]),
                        approve=trigger == ids.AP_APPROVE,
                        note=_text(note),
                    )
                    message = feedback(
                        _("已批准，变更已生效。") if trigger == ids.AP_APPROVE else _("已驳回。")
                    )
                except DomainError as err:
                    message = feedback(err.text(language()), ok=False)
        return plain_rows(_approvals(user, project_id, status)), message

    exports.register(
        app,
        "deal.view",
        "deal_changes",
        ids.AP_GRID,
        ids.AP_EXPORT,
        ids.AP_DOWNLOAD,
        lambda user, *state: exports.exact_rows(_approvals(user, *state)),
        columns.APPROVALS,
        "交易变更",
        state=[State(shell.PROJECT_SELECT, "value"), State(ids.AP_STATUS, "value")],
    )

    # -------------------------------------------------------------------------------- 合同管理

    @auth.callback(
        app,
        "deal.view",
        Output(ids.CT_GRID, "rowData"),
        Output(ids.CT_FEEDBACK, "children"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.CT_SIGN, "n_clicks"),
        Input(ids.CT_AUDIT, "n_clicks"),
        Input(ids.CT_FILE, "n_clicks"),
        Input(ids.CT_UNFILE, "n_clicks"),
        State(ids.CT_GRID, "selectedRows"),
        State(ids.CT_NUMBER, "value"),
        State(ids.CT_HOMES, "value"),
        State(ids.CT_FILING, "value"),
        State(ids.CT_UNFILE_REASON, "value"),
        running=[(Output(ids.CT_SIGN, "disabled"), True, False)],
    )
    def contracts(project_id, _s, _a, _f, _u, selected, number, homes, filing, unfile, *, user):
        trigger = dash.ctx.triggered_id
        message = None
        if trigger in (ids.CT_SIGN, ids.CT_AUDIT, ids.CT_FILE, ids.CT_UNFILE):
            if not selected:
                message = feedback(_("请先在表格中选择一笔交易。"), ok=False)
            else:
                deal_id = int(selected[0]["id"])
                try:
                    if trigger == ids.CT_SIGN:
                        deal = database().run(
                            commands.sign_contract,
                            actor=user,
                            deal_id=deal_id,
                            contract_no=_text(number),
                            home_count=int(homes or 1),
                        )
                        message = feedback(_("签约成功：合同编号 {no}。", no=deal.contract_no))
                    elif trigger == ids.CT_AUDIT:
                        database().run(commands.audit_contract, actor=user, deal_id=deal_id)
                        message = feedback(_("合同已审核。"))
                    elif trigger == ids.CT_UNFILE:
                        database().run(
                            commands.unfile_contract,
                            actor=user,
                            deal_id=deal_id,
                            reason=_text(unfile),
                        )
                        message = feedback(_("已撤销备案，合同回到已审核状态。"))
                    else:
                        database().run(
                            commands.file_contract,
                            actor=user,
                            deal_id=deal_id,
                            filing_no=_text(filing),
                        )
                        message = feedback(_("合同已备案。"))
                except DomainError as err:
                    message = feedback(err.text(language()), ok=False)
        return plain_rows(_contracts(user, project_id)), message

    exports.register(
        app,
        "deal.view",
        "contracts",
        ids.CT_GRID,
        ids.CT_EXPORT,
        ids.CT_DOWNLOAD,
        lambda user, project_id: exports.exact_rows(_contracts(user, project_id)),
        columns.CONTRACTS,
        "合同管理",
        state=[State(shell.PROJECT_SELECT, "value")],
        filename=lambda: f"contracts-{localtime.today():%Y%m%d}.xlsx",
    )


def _personal_data(user) -> dict:
    """The audit detail of an export with customers' phone numbers."""
    return {"personal_data": authz.sees_personal_data(user)}


def _units(user, building_id):
    """A building's units as 交易登记 lists them."""
    return queries.units_frame(reader(), user, building_id, localtime.today())


def _approvals(user, project_id, status):
    """The change requests, with each 换房's price difference (new price − the deal's)."""
    frame = queries.approvals_frame(reader(), user, project_id, status or None)
    swaps = frame.loc[frame["kind"] == queries.APPROVAL_LABELS["swap"], "id"]
    differences = commands.swap_price_differences(reader(), swaps.tolist())
    frame["price_difference"] = [differences.get(int(i)) for i in frame["id"]]
    return frame


def _contracts(user, project_id):
    """Live deals that are subscribed or signed: the deals a contract is made for."""
    frame = queries.deals_frame(reader(), user, project_id, state="live")
    return frame[frame["stage"].isin(["认购", "签约"])]


def detail_view(user, deal_id, prefix: str):
    """A deal's history, receivables and receipts (shared by 交易列表 and the finance pages)."""
    detail = queries.deal_detail(reader(), user, int(deal_id)) if deal_id else None
    if detail is None:
        return None
    d = detail.deal
    fmt = number_format.current()
    raw = commands.history_details(reader(), d.id)
    events = [
        {**e, "kind": _(e["kind"]), "details": history_text(details, fmt)}
        for e, details in zip(detail.events, raw, strict=False)
    ]
    receivables = [
        {
            **r,
            "kind_label": _(finance_queries.KIND_LABELS[r["kind"]]),
            "payer_label": _(finance_queries.PAYER_LABELS.get(r["payer"], r["payer"])),
            "state": _("已取消")
            if r["cancelled"]
            else (_("已结清") if r["open"] == 0 else _("未结清")),
        }
        for r in detail.receivables
    ]
    import pandas as pd

    header = html.Div(
        [
            html.Strong(f"{detail.unit_code} · {detail.customer}"),
            html.Span(
                " · " + _("成交总价 ¥{total}", total=fmt.amount(d.deal_total or 0)),
                className="ms-1",
            ),
            html.Span(
                " · "
                + _("待审批：{kind}", kind=_(queries.APPROVAL_LABELS[detail.pending.kind.value]))
                if detail.pending
                else "",
                className="text-warning ms-1",
            ),
        ],
        className="mb-2",
    )
    return html.Div(
        [
            header,
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H3(_("应收款"), className="h6"),
                            grid(
                                f"{prefix}-receivables",
                                columns.RECEIVABLES,
                                plain_rows(pd.DataFrame(receivables)),
                                height=260,
                            ),
                        ],
                        lg=7,
                    ),
                    dbc.Col(
                        [
                            html.H3(_("交易历史"), className="h6"),
                            grid(f"{prefix}-events", columns.EVENTS, events, height=260),
                        ],
                        lg=5,
                    ),
                ]
            ),
        ]
    )
