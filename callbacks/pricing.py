"""Callbacks of 价格管理 (direct, Excel and rule prices, batch adjustments with preview),
调价审批 (approval screen) and 价格走势 (price history chart)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import auth, exports, format, imports, shell
from dashboard.charts import empty, figure, plain
from dashboard.components import feedback
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer.commands import pricing as commands
from data_layer.errors import DomainError, ValidationError
from data_layer.models import Building, PriceRule
from data_layer.queries import base as base_queries
from data_layer.queries import inventory as inventory_queries
from data_layer.queries import pricing as queries
from pages.inventory import columns, ids


def _decimal(value, label: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise ValidationError(f"请填写{label}。", f"{label} is required.") from None


def _int_or_none(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _scope(building_id, floor_from, floor_to, layouts) -> commands.Scope:
    if not building_id:
        raise ValidationError("请先选择楼栋。", "Choose a building first.")
    return commands.Scope(
        int(building_id),
        floor_from=_int_or_none(floor_from),
        floor_to=_int_or_none(floor_to),
        layout_ids=tuple(int(x) for x in layouts or ()),
    )


def preview_rows(preview: commands.Preview) -> list[dict]:
    """The previewed units with exact values (the grid gets them through grid_records)."""
    return [
        {
            "code": i.code,
            "floor": i.floor,
            "area": i.area,
            "old_unit_price": i.old_unit_price,
            "new_unit_price": i.new_unit_price,
            "old_total": i.old_total,
            "new_total": i.new_total,
            "change_pct": i.change * 100,
        }
        for i in preview.items
    ]


def preview_summary(preview: commands.Preview, fmt: format.Formatter) -> html.Div:
    pct = (preview.max_change * 100).quantize(Decimal("0.01"))
    limit = (preview.threshold * 100).quantize(Decimal("0.01"))
    cards = [
        (_("调价套数"), str(len(preview.items))),
        (_("原总价"), fmt.amount(preview.old_total)),
        (_("新总价"), fmt.amount(preview.new_total)),
        (_("差额"), ("+" if preview.difference > 0 else "") + fmt.amount(preview.difference)),
        (_("最大单套变动"), f"{pct}%"),
    ]
    notes = []
    if preview.needs_approval:
        notes.append(
            dbc.Alert(
                _("变动超过审批阈值 {t}%，提交后须由另一位销售经理审批才生效。", t=limit),
                color="warning",
                className="py-1 mb-1",
                id="preview-needs-approval",
            )
        )
    if preview.skipped_sold:
        notes.append(
            html.Div(
                _("{n} 套已认购或签约，不参与调价。", n=preview.skipped_sold),
                className="text-muted small",
            )
        )
    if preview.skipped_unpriced:
        notes.append(
            html.Div(
                _("{n} 套尚未定价，不参与调价。", n=preview.skipped_unpriced),
                className="text-muted small",
            )
        )
    return html.Div(
        [
            html.Div(preview.scope_text, className="fw-bold mb-1"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    html.Div(value, className="kpi-value fs-5"),
                                    html.Div(label, className="kpi-label small"),
                                ],
                                className="py-2",
                            ),
                            className="h-100",
                        ),
                        md=True,
                    )
                    for label, value in cards
                ],
                className="g-2 mb-1",
                id="preview-totals",
            ),
            *notes,
        ]
    )


def _preview_columns(fmt) -> list[dict]:
    """The preview grid's columns, headers translated as components.grid does."""
    return [
        {**c, "headerName": _(c.get("headerName", c["field"]))}
        for c in columns.with_numbers(columns.PREVIEW, columns.PREVIEW_NUMBERS, fmt)
    ]


def _preview(user, scope, method, amount, with_floor) -> commands.Preview:
    return commands.preview_adjustment(
        reader(),
        actor=user,
        scope=scope,
        method=method,
        value=amount,
        include_floor_price=bool(with_floor),
    )


def _unit_frame(user, building_id):
    session = reader()
    return inventory_queries.units_frame(
        session,
        user,
        int(building_id),
        orientation_labels=base_queries.code_labels(session, "orientation"),
    )


# The batch adjustment's form: building, floors, layouts, method, value, floor price too.
ADJUST_FORM = [
    State(ids.PRICE_BUILDING, "value"),
    State(ids.ADJ_FLOOR_FROM, "value"),
    State(ids.ADJ_FLOOR_TO, "value"),
    State(ids.ADJ_LAYOUTS, "value"),
    State(ids.ADJ_METHOD, "value"),
    State(ids.ADJ_VALUE, "value"),
    State(ids.ADJ_FLOOR_PRICE, "value"),
]


def _signature(building_id, f_from, f_to, layouts, method, value, with_floor) -> str:
    """What a preview was made of: 确认调价 and 导出 act only on an unchanged form."""
    values = (building_id, f_from, f_to, sorted(layouts or []), method, value, with_floor)
    return "|".join(str(v) for v in values)


def _project_of(building_id) -> int | None:
    if not building_id:
        return None
    building = reader().get(Building, int(building_id))
    return building.project_id if building else None


def trend_figure(frame, events, title: str, unit_history=None) -> dict:
    if (frame is None or frame.empty) and (unit_history is None or unit_history.empty):
        return empty(_("暂无价格数据"))
    data = []
    if unit_history is not None and not unit_history.empty:
        points = unit_history[unit_history["new_unit_price"].notna()]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "line": {"shape": "hv", "width": 3},
                "name": _("表价单价"),
                "x": [t.isoformat() for t in points["at"]],
                "y": plain(points["new_unit_price"]),
                "text": list(points["reason"]),
                "hovertemplate": "%{x|%Y-%m-%d}<br>%{y:,.2f} 元/㎡<br>%{text}<extra></extra>",
            }
        )
        floors = unit_history[unit_history["new_floor_price"].notna()]
        if not floors.empty:
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "line": {"shape": "hv", "dash": "dot"},
                    "name": _("底价单价"),
                    "x": [t.isoformat() for t in floors["at"]],
                    "y": plain(floors["new_floor_price"]),
                }
            )
    else:
        weeks = [w.isoformat() for w in frame["week"]]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("平均表价（元/㎡）"),
                "x": weeks,
                "y": plain(frame["list_price"]),
                "line": {"width": 3},
                "connectgaps": True,
                "hovertemplate": "%{x}<br>%{y:,.2f}<extra></extra>",
            }
        )
        deals = frame[frame["deal_price"].notna()]
        data.append(
            {
                "type": "scatter",
                "mode": "markers+lines",
                "name": _("平均成交价（元/㎡）"),
                "x": [w.isoformat() for w in deals["week"]],
                "y": plain(deals["deal_price"]),
                "text": [str(n) for n in deals["deals"]],
                "hovertemplate": "%{x}<br>%{y:,.2f}<br>" + _("成交") + " %{text}<extra></extra>",
            }
        )
    shapes, annotations = [], []
    if events is not None and not events.empty:
        for _i, event in events.iterrows():
            x = event["at"].isoformat()
            color = "#e15759" if event["change"] < 0 else "#59a14f"
            shapes.append(
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "paper",
                    "x0": x,
                    "x1": x,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": color, "width": 1, "dash": "dash"},
                }
            )
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": _("调价事件"),
                "x": [t.isoformat() for t in events["at"]],
                "y": [1] * len(events),
                "yaxis": "y2",
                "marker": {"symbol": "triangle-down", "size": 12, "color": "#e15759"},
                "text": [
                    f"{r} · {s}" for r, s in zip(events["reason"], events["scope"], strict=True)
                ],
                "hovertemplate": "%{x|%Y-%m-%d}<br>%{text}<extra></extra>",
            }
        )
    return figure(
        data,
        title=title,
        height=440,
        shapes=shapes,
        annotations=annotations,
        yaxis={
            "title": {"text": _("元/㎡")},
            "tickformat": ",.0f",
            "gridcolor": "#eee",
            "automargin": True,
        },
        yaxis2={"overlaying": "y", "range": [0, 1.05], "visible": False, "fixedrange": True},
        hovermode="closest",
    )


def adjustment_message(adjustment, fmt) -> str:
    """What the user is told after submitting an adjustment: pending approval, or applied."""
    if adjustment.status.value == "pending":
        return _(
            "调价单 {code} 已提交，等待销售经理审批；审批通过后价格生效。", code=adjustment.code
        )
    return _(
        "调价单 {code} 已生效：{n} 套，新总价 {total}。",
        code=adjustment.code,
        n=adjustment.unit_count,
        total=fmt.amount(adjustment.new_total),
    )


def register(app):
    # ------------------------------------------------------------------ 价格管理
    @auth.callback(
        app,
        "pricing.edit",
        Output(ids.PRICE_BUILDING, "options"),
        Output(ids.PRICE_BUILDING, "value"),
        Input(shell.PROJECT_SELECT, "value"),
        State(ids.PRICE_BUILDING, "value"),
    )
    def price_buildings(project_id, current, *, user):
        options = base_queries.building_options(reader(), user, project_id)
        values = [o["value"] for o in options]
        return options, current if current in values else (values[0] if values else None)

    @auth.callback(
        app,
        "pricing.edit",
        Output(ids.ADJ_LAYOUTS, "options"),
        Output(ids.RULE_BASE, "value"),
        Output(ids.RULE_FORMULA, "value"),
        Output(ids.RULE_FLOOR_RATIO, "value"),
        Output(ids.RULE_FLOORS, "value"),
        Output(ids.RULE_ORIENTATIONS, "value"),
        Output(ids.RULE_LAYOUTS, "value"),
        Input(ids.PRICE_BUILDING, "value"),
    )
    def building_settings(building_id, *, user):
        project_id = _project_of(building_id)
        if project_id is None:
            return [], None, no_update, no_update, "", "", ""
        session = reader()
        layouts = [
            {"label": x.name, "value": x.id}
            for x in base_queries.layouts(session, user, project_id)
        ]
        from sqlalchemy import select

        rule = session.scalar(select(PriceRule).where(PriceRule.building_id == int(building_id)))
        if rule is None:
            return layouts, None, "base * floor_k * orientation_k * layout_k", 0.95, "", "", ""
        return (
            layouts,
            float(rule.base_unit_price),
            rule.formula,
            float(rule.floor_ratio),
            rule.floor_factors,
            rule.orientation_factors,
            rule.layout_factors,
        )

    @auth.callback(
        app,
        "pricing.edit",
        Output(ids.ADJ_SUMMARY, "children"),
        Output(ids.ADJ_GRID, "rowData"),
        Output(ids.ADJ_GRID, "columnDefs"),
        Output(ids.ADJ_APPLY, "disabled"),
        Output(ids.ADJ_FEEDBACK, "children"),
        Output(ids.ADJ_SIGNATURE, "data"),
        Output(ids.PRICE_REFRESH, "data", allow_duplicate=True),
        Input(ids.ADJ_PREVIEW, "n_clicks"),
        Input(ids.ADJ_APPLY, "n_clicks"),
        *ADJUST_FORM,
        State(ids.ADJ_REASON, "value"),
        State(ids.ADJ_SIGNATURE, "data"),
        State(ids.PRICE_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def adjust(
        _p,
        _a,
        building_id,
        f_from,
        f_to,
        layouts,
        method,
        value,
        with_floor,
        reason,
        previewed,
        refresh,
        *,
        user,
    ):
        """预览 computes old and new totals; 确认调价 applies exactly what was previewed (the
        form must not have changed since), at once or as a request awaiting approval."""
        fmt = format.current()
        grid_columns = _preview_columns(fmt)
        signature = _signature(building_id, f_from, f_to, layouts, method, value, with_floor)
        try:
            scope = _scope(building_id, f_from, f_to, layouts)
            amount = _decimal(value, "调整幅度")
            if ctx.triggered_id == ids.ADJ_PREVIEW:
                preview = _preview(user, scope, method, amount, with_floor)
                return (
                    preview_summary(preview, fmt),
                    format.grid_records(preview_rows(preview)),
                    grid_columns,
                    False,
                    None,
                    signature,
                    no_update,
                )
            if previewed != signature:
                return (
                    no_update,
                    no_update,
                    no_update,
                    True,
                    feedback(_("调价条件已改变，请重新预览后再确认。"), ok=False),
                    None,
                    no_update,
                )
            adjustment = database().run(
                commands.request_adjustment,
                actor=user,
                scope=scope,
                method=method,
                value=amount,
                reason=reason or "",
                include_floor_price=bool(with_floor),
            )
        except DomainError as err:
            return (
                no_update,
                no_update,
                no_update,
                no_update,
                feedback(err.text(language()), ok=False),
                no_update,
                no_update,
            )
        message = adjustment_message(adjustment, fmt)
        return None, [], grid_columns, True, feedback(message), None, (refresh or 0) + 1

    @auth.callback(
        app,
        "pricing.edit",
        Output(ids.ADJ_DOWNLOAD, "data"),
        Output(ids.ADJ_FEEDBACK, "children", allow_duplicate=True),
        Input(ids.ADJ_EXPORT, "n_clicks"),
        *ADJUST_FORM,
        State(ids.ADJ_SIGNATURE, "data"),
        State(ids.ADJ_GRID, "virtualRowData"),
        State(ids.ADJ_GRID, "columnDefs"),
        State(ids.ADJ_GRID, "columnState"),
        prevent_initial_call=True,
    )
    def export_preview(
        _n,
        building_id,
        f_from,
        f_to,
        layouts,
        method,
        value,
        with_floor,
        previewed,
        shown,
        defs,
        column_state,
        *,
        user,
    ):
        """The preview as the grid shows it, computed again from the form it was made with."""
        if previewed != _signature(building_id, f_from, f_to, layouts, method, value, with_floor):
            return no_update, feedback(_("请先预览，再导出预览结果。"), ok=False)
        try:
            scope = _scope(building_id, f_from, f_to, layouts)
            preview = _preview(user, scope, method, _decimal(value, "调整幅度"), with_floor)
        except DomainError as err:
            return no_update, feedback(err.text(language()), ok=False)
        rows = preview_rows(preview)
        default = _preview_columns(format.current())
        download = exports.grid_xlsx(
            user,
            "price_preview",
            rows,
            shown,
            defs,
            default,
            _("调价预览"),
            key=("code",),
            column_state=column_state,
        )
        return download, None

    @auth.callback(
        app,
        "pricing.edit",
        Output(ids.UNIT_PRICE_GRID, "rowData"),
        Output(ids.UNIT_PRICE_EDITS, "data"),
        Input(ids.PRICE_BUILDING, "value"),
        Input(ids.PRICE_REFRESH, "data"),
    )
    def unit_prices(building_id, _refresh, *, user):
        if not building_id:
            return [], {}
        return format.grid_records(_unit_frame(user, building_id)), {}

    @auth.callback(
        app,
        "pricing.edit",
        Output(ids.UNIT_PRICE_EDITS, "data", allow_duplicate=True),
        Input(ids.UNIT_PRICE_GRID, "cellValueChanged"),
        State(ids.UNIT_PRICE_EDITS, "data"),
        prevent_initial_call=True,
    )
    def collect_edits(changes, edits, *, user):
        edits = dict(edits or {})
        for change in changes or []:
            row = change.get("data") or {}
            if "id" not in row:
                continue
            edits[str(row["id"])] = {
                "unit_id": row["id"],
                "list_unit_price": row.get("list_unit_price"),
                "floor_unit_price": row.get("floor_unit_price"),
            }
        return edits

    @auth.callback(
        app,
        "pricing.edit",
        Output(ids.UNIT_PRICE_FEEDBACK, "children"),
        Output(ids.PRICE_REFRESH, "data", allow_duplicate=True),
        Input(ids.UNIT_PRICE_SAVE, "n_clicks"),
        State(ids.UNIT_PRICE_EDITS, "data"),
        State(ids.UNIT_PRICE_REASON, "value"),
        State(ids.PRICE_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def save_unit_prices(_n, edits, reason, refresh, *, user):
        if not edits:
            return feedback(_("没有修改的价格。"), ok=False), no_update
        prices = [
            {
                "unit_id": e["unit_id"],
                "list_unit_price": str(e["list_unit_price"])
                if e.get("list_unit_price") not in (None, "")
                else None,
                "floor_unit_price": str(e["floor_unit_price"])
                if e.get("floor_unit_price") not in (None, "")
                else None,
            }
            for e in edits.values()
        ]
        try:
            adjustment = database().run(
                commands.set_prices, actor=user, prices=prices, reason=reason or ""
            )
        except DomainError as err:
            return feedback(err.text(language()), ok=False), no_update
        if adjustment.status.value == "pending":
            message = _(
                "已提交调价单 {code}（{n} 套），超过审批阈值，等待审批。",
                code=adjustment.code,
                n=adjustment.unit_count,
            )
        else:
            message = _(
                "已保存 {n} 套的价格（调价单 {code}）。",
                n=adjustment.unit_count,
                code=adjustment.code,
            )
        return feedback(message), (refresh or 0) + 1

    @auth.callback(
        app,
        "pricing.edit",
        Output(ids.UNIT_PRICE_DOWNLOAD, "data"),
        Input(ids.UNIT_PRICE_EXPORT, "n_clicks"),
        State(ids.PRICE_BUILDING, "value"),
        State(ids.UNIT_PRICE_GRID, "virtualRowData"),
        State(ids.UNIT_PRICE_GRID, "columnDefs"),
        State(ids.UNIT_PRICE_GRID, "columnState"),
        prevent_initial_call=True,
    )
    def export_unit_prices(_n, building_id, shown, column_defs, column_state, *, user):
        if not building_id:
            raise PreventUpdate
        records = _unit_frame(user, building_id).to_dict("records")
        return exports.grid_xlsx(
            user,
            "unit_prices",
            records,
            shown,
            column_defs,
            columns.with_numbers(columns.UNIT_PRICES, columns.UNIT_PRICE_NUMBERS, format.current()),
            _("价格表"),
            column_state=column_state,
        )

    @auth.callback(
        app,
        "pricing.edit",
        Output(ids.RULE_FEEDBACK, "children"),
        Output(ids.PRICE_REFRESH, "data", allow_duplicate=True),
        Input(ids.RULE_SAVE, "n_clicks"),
        Input(ids.RULE_PREVIEW, "n_clicks"),
        Input(ids.RULE_APPLY, "n_clicks"),
        State(ids.PRICE_BUILDING, "value"),
        State(ids.RULE_BASE, "value"),
        State(ids.RULE_FORMULA, "value"),
        State(ids.RULE_FLOOR_RATIO, "value"),
        State(ids.RULE_FLOORS, "value"),
        State(ids.RULE_ORIENTATIONS, "value"),
        State(ids.RULE_LAYOUTS, "value"),
        State(ids.RULE_REASON, "value"),
        State(ids.PRICE_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def price_rule(
        _s,
        _p,
        _a,
        building_id,
        base,
        formula,
        ratio,
        floors,
        orientations,
        layouts,
        reason,
        refresh,
        *,
        user,
    ):
        fmt = format.current()
        try:
            if not building_id:
                raise ValidationError("请先选择楼栋。", "Choose a building first.")
            scope = commands.Scope(int(building_id))
            # Preview and apply what the form shows, not the rule saved earlier; applying
            # saves it as the building's rule.
            rule = commands.RuleValues(
                base_unit_price=_decimal(base, "基准单价"),
                formula=formula or "",
                floor_ratio=_decimal(ratio, "底价比例"),
                floor_factors=floors or "",
                orientation_factors=orientations or "",
                layout_factors=layouts or "",
            )
            if ctx.triggered_id == ids.RULE_SAVE:
                database().run(
                    commands.save_price_rule,
                    actor=user,
                    building_id=int(building_id),
                    **dataclasses.asdict(rule),
                )
                return feedback(_("定价规则已保存。")), no_update
            if ctx.triggered_id == ids.RULE_PREVIEW:
                preview = commands.preview_rule(reader(), actor=user, scope=scope, rule=rule)
                return preview_summary(preview, fmt), no_update
            adjustment = database().run(
                commands.apply_rule, actor=user, scope=scope, reason=reason or "", rule=rule
            )
        except DomainError as err:
            return feedback(err.text(language()), ok=False), no_update
        message = adjustment_message(adjustment, fmt)
        return feedback(message), (refresh or 0) + 1

    imports.register(
        app,
        ids.PRICE_IMPORT,
        spec=commands.PRICES_IMPORT,
        permission="pricing.edit",
        context=lambda user, building_id: {"project_id": _project_of(building_id)},
        state=[State(ids.PRICE_BUILDING, "value")],
        template_name="价格导入模板.xlsx",
        on_done=Output(ids.PRICE_REFRESH, "data", allow_duplicate=True),
    )

    # ------------------------------------------------------------------ 调价审批
    @auth.callback(
        app,
        "pricing.approve",
        Output(ids.APPROVAL_GRID, "rowData"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.APPROVAL_STATUS, "value"),
        Input(ids.APPROVAL_FEEDBACK, "children"),
    )
    def approvals(project_id, status, _feedback, *, user):
        frame = queries.adjustments_frame(
            reader(), user, project_id=project_id, status=status or None
        )
        return format.grid_records(frame)

    @auth.callback(
        app,
        "pricing.approve",
        Output(ids.APPROVAL_ITEMS, "rowData"),
        Input(ids.APPROVAL_GRID, "selectedRows"),
    )
    def approval_items(selected, *, user):
        if not selected:
            return []
        try:
            frame = queries.adjustment_items(reader(), user, int(selected[0]["id"]))
        except DomainError:
            return []
        return format.grid_records(frame)

    @auth.callback(
        app,
        "pricing.approve",
        Output(ids.APPROVAL_FEEDBACK, "children"),
        Input(ids.APPROVE, "n_clicks"),
        Input(ids.REJECT, "n_clicks"),
        State(ids.APPROVAL_GRID, "selectedRows"),
        State(ids.APPROVAL_NOTE, "value"),
        prevent_initial_call=True,
    )
    def decide(_a, _r, selected, note, *, user):
        if not selected:
            return feedback(_("请先在表格中选择一张调价单。"), ok=False)
        adjustment_id = int(selected[0]["id"])
        try:
            if ctx.triggered_id == ids.APPROVE:
                adjustment = database().run(
                    commands.approve_adjustment,
                    actor=user,
                    adjustment_id=adjustment_id,
                    note=note or "",
                )
                return feedback(
                    _(
                        "调价单 {code} 已批准，{n} 套价格已生效。",
                        code=adjustment.code,
                        n=adjustment.unit_count,
                    )
                )
            adjustment = database().run(
                commands.reject_adjustment, actor=user, adjustment_id=adjustment_id, note=note or ""
            )
            return feedback(_("调价单 {code} 已驳回。", code=adjustment.code))
        except DomainError as err:
            return feedback(err.text(language()), ok=False)

    @auth.callback(
        app,
        "pricing.approve",
        Output(ids.APPROVAL_DOWNLOAD, "data"),
        Input(ids.APPROVAL_EXPORT, "n_clicks"),
        State(shell.PROJECT_SELECT, "value"),
        State(ids.APPROVAL_STATUS, "value"),
        State(ids.APPROVAL_GRID, "virtualRowData"),
        State(ids.APPROVAL_GRID, "columnDefs"),
        State(ids.APPROVAL_GRID, "columnState"),
        prevent_initial_call=True,
    )
    def export_approvals(_n, project_id, status, shown, column_defs, column_state, *, user):
        frame = queries.adjustments_frame(
            reader(), user, project_id=project_id, status=status or None
        )
        return exports.grid_xlsx(
            user,
            "price_adjustments",
            frame.to_dict("records"),
            shown,
            column_defs,
            columns.with_numbers(columns.ADJUSTMENTS, columns.ADJUSTMENT_NUMBERS, format.current()),
            _("调价单"),
            column_state=column_state,
        )

    @auth.callback(
        app,
        "pricing.approve",
        Output(ids.APPROVAL_ITEMS_DOWNLOAD, "data"),
        Input(ids.APPROVAL_ITEMS_EXPORT, "n_clicks"),
        State(ids.APPROVAL_GRID, "selectedRows"),
        State(ids.APPROVAL_ITEMS, "virtualRowData"),
        State(ids.APPROVAL_ITEMS, "columnDefs"),
        State(ids.APPROVAL_ITEMS, "columnState"),
        prevent_initial_call=True,
    )
    def export_approval_items(_n, selected, shown, column_defs, column_state, *, user):
        if not selected:
            raise PreventUpdate
        try:
            frame = queries.adjustment_items(reader(), user, int(selected[0]["id"]))
        except DomainError:
            raise PreventUpdate from None  # not in the user's projects: as the grid, nothing
        return exports.grid_xlsx(
            user,
            "price_adjustment_items",
            frame.to_dict("records"),
            shown,
            column_defs,
            columns.ADJUSTMENT_ITEMS,
            _("调价明细"),
            key=("code",),
            column_state=column_state,
        )

    # ------------------------------------------------------------------ 价格走势
    @auth.callback(
        app,
        "inventory.view",
        Output(ids.TREND_BUILDING, "options"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def trend_buildings(project_id, *, user):
        return base_queries.building_options(reader(), user, project_id)

    @auth.callback(
        app,
        "inventory.view",
        Output(ids.TREND_UNIT, "options"),
        Output(ids.TREND_UNIT, "value"),
        Input(ids.TREND_BUILDING, "value"),
    )
    def trend_units(building_id, *, user):
        if not building_id:
            return [], None
        frame = inventory_queries.units_frame(reader(), user, int(building_id))
        return [
            {"label": c, "value": i} for i, c in zip(frame["id"], frame["code"], strict=True)
        ], None

    @auth.callback(
        app,
        "inventory.view",
        Output(ids.TREND_GRAPH, "figure"),
        Output(ids.TREND_EVENTS, "rowData"),
        Output(ids.TREND_HISTORY, "rowData"),
        Output(ids.TREND_TITLE, "children"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.TREND_BUILDING, "value"),
        Input(ids.TREND_UNIT, "value"),
    )
    def trend(project_id, building_id, unit_id, *, user):
        """Drill: the project (or all visible projects) → a building → a unit."""
        try:
            data = _trend(user, project_id, building_id, unit_id)
        except DomainError as err:
            return empty(err.text(language())), [], [], ""
        fig = trend_figure(data.weekly, data.events, data.title, unit_history=data.history)
        return (
            fig,
            format.grid_records(_event_rows(data.events)),
            format.grid_records(_history_rows(data.history)),
            data.title,
        )

    def _trend_export(what, grid, button, download, rows_of, columns_of, sheet, key):
        @auth.callback(
            app,
            "inventory.view",
            Output(download, "data"),
            Input(button, "n_clicks"),
            State(shell.PROJECT_SELECT, "value"),
            State(ids.TREND_BUILDING, "value"),
            State(ids.TREND_UNIT, "value"),
            State(grid, "virtualRowData"),
            State(grid, "columnDefs"),
            State(grid, "columnState"),
            prevent_initial_call=True,
        )
        def export(_n, project_id, building_id, unit_id, shown, column_defs, column_state, *, user):
            try:
                data = _trend(user, project_id, building_id, unit_id)
            except DomainError:
                raise PreventUpdate from None
            default = columns_of(format.current())
            return exports.grid_xlsx(
                user,
                what,
                rows_of(data),
                shown,
                column_defs,
                default,
                _(sheet),
                key=key,
                column_state=column_state,
            )

    _trend_export(
        "price_events",
        ids.TREND_EVENTS,
        ids.TREND_EVENTS_EXPORT,
        ids.TREND_EVENTS_DOWNLOAD,
        lambda data: _event_rows(data.events),
        columns.trend_event_columns,
        "调价事件",
        ("code",),
    )
    _trend_export(
        "price_history",
        ids.TREND_HISTORY,
        ids.TREND_HISTORY_EXPORT,
        ids.TREND_HISTORY_DOWNLOAD,
        lambda data: _history_rows(data.history),
        columns.history_columns,
        "房间价格历史",
        ("batch", "at"),
    )


@dataclass
class TrendData:
    title: str
    events: pd.DataFrame
    weekly: pd.DataFrame | None = None
    history: pd.DataFrame | None = None


def _trend(user, project_id, building_id, unit_id) -> TrendData:
    """What the price trend shows: a unit's history, or a building's or the project's (all
    visible projects') weekly prices; with the adjustment events that took effect."""
    session = reader()
    if unit_id:
        history = queries.unit_history(session, user, int(unit_id))
        events = queries.adjustment_events(session, user, building_id=building_id)
        events = events[events["code"].isin(set(history["batch"]))]
        code = history["code"].iloc[0] if len(history) else ""
        return TrendData(_("{code} 价格历史", code=code), events, history=history)
    if building_id:
        weekly = queries.weekly_prices(session, user, building_id=int(building_id))
        events = queries.adjustment_events(session, user, building_id=int(building_id))
        name = session.get(Building, int(building_id)).name
        return TrendData(_("{name} 每周平均表价与成交价", name=name), events, weekly=weekly)
    weekly = queries.weekly_prices(session, user, project_id=project_id)
    events = queries.adjustment_events(session, user, project_id=project_id)
    title = _("项目每周平均表价与成交价") if project_id else _("全部项目每周平均表价与成交价")
    return TrendData(title, events, weekly=weekly)


def _minutes(frame):
    return frame.assign(at=frame["at"].map(lambda t: t.strftime("%Y-%m-%d %H:%M")))


def _history_rows(history) -> list[dict]:
    if history is None or history.empty:
        return []
    return _minutes(history).to_dict("records")


def _event_rows(events) -> list[dict]:
    if events is None or events.empty:
        return []
    return _minutes(events).to_dict("records")
