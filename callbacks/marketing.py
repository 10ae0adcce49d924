"""营销管理: expense plan grid, expenses, campaigns, imports and the effectiveness analysis."""

from __future__ import annotations

from decimal import Decimal

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from callbacks.overview import aggregate_store, grid_rows, parse_period, pct, viewer_key, wan
from dashboard import auth, exports, imports, shell
from dashboard.charts import COLORS, empty, figure, plain
from dashboard.components import feedback, kpi_card
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer import authz, localtime
from data_layer import cache as aggregate_cache
from data_layer.commands import marketing as commands
from data_layer.errors import DomainError
from data_layer.excel.export import to_xlsx
from data_layer.excel.marketing_import import BUDGET_SPEC, EXPENSE_SPEC
from data_layer.queries import marketing as queries
from data_layer.queries import overview as overview_queries
from pages.marketing import columns, ids

TEN_THOUSAND = Decimal("10000")


def _error(err: DomainError):
    message = err.text(language())
    rows = (getattr(err, "errors", None) or {}).get("rows") or []
    if len(rows) > 1:
        message = html.Div(
            [html.Div(message)]
            + [html.Div(_("第 {row} 行：{msg}", row=r.row, msg=r.message)) for r in rows[:20]]
        )
    return (
        feedback(message, ok=False)
        if isinstance(message, str)
        else dbc.Alert(message, color="danger", className="py-2 mb-2")
    )


def _effect(user, start, end, project_id):
    """Every frame of the effectiveness screen, cached by data version."""
    first, last = parse_period(start, end)
    session, store = reader(), aggregate_store()
    key = (viewer_key(user), first, last, project_id)

    def compute():
        return {
            "channels": queries.by_channel(session, user, first, last, project_id),
            "campaigns": queries.by_campaign(session, user, first, last, project_id),
            "plan": queries.plan_vs_actual(session, user, first, last, project_id),
        }

    return first, last, aggregate_cache.cached(store, session, "marketing.effect", key, compute)


# The charts' data (the grids export as shown, with their own columns).
CHART_COLUMNS = {
    "spend": [
        ("month", "月份"),
        ("plan", "计划"),
        ("actual", "实际"),
        ("variance", "差异"),
        ("variance_rate", "差异率"),
        ("execution", "执行率"),
    ],
    "cost": [
        ("channel_label", "渠道"),
        ("spend", "费用"),
        ("deals", "成交"),
        ("cost_per_deal", "成交成本"),
    ],
    "funnel": [("step", "环节"), ("customers", "客户数"), ("share", "占来访")],
}
# The effectiveness grids: which frame of the screen, its columns, sheet and row key.
EFFECT_GRIDS = {
    "channels": (ids.EFF_CHANNEL_GRID, columns.EFFECT_CHANNELS, "渠道效果", ("channel",)),
    "campaigns": (
        ids.EFF_CAMPAIGN_GRID,
        columns.EFFECT_CAMPAIGNS,
        "广告活动效果",
        ("campaign_id",),
    ),
    "plan": (ids.EFF_PLAN_GRID, columns.PLAN, "计划与实际", ("month",)),
}
STEP_LABELS = {"visits": "来访", "opportunities": "机会", "deals": "成交"}


def spend_figure(plan):
    if plan.empty:
        return empty(_("所选期间没有数据"))
    months = list(plan["month"])
    return figure(
        [
            {
                "type": "bar",
                "name": _("实际费用（万元）"),
                "x": months,
                "y": plain([a / TEN_THOUSAND for a in plan["actual"]]),
                "marker": {"color": COLORS[0]},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("计划费用（万元）"),
                "x": months,
                "y": plain([a / TEN_THOUSAND for a in plan["plan"]]),
                "line": {"color": COLORS[1], "dash": "dash"},
            },
        ],
        xaxis={"type": "category"},
        yaxis={"title": {"text": _("万元")}, "rangemode": "tozero", "separatethousands": True},
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        hovermode="x unified",
    )


def cost_figure(channels):
    rows = channels[channels["cost_per_deal"].map(lambda v: v is not None)]
    if rows.empty:
        return empty(_("所选期间没有带费用的成交"))
    rows = rows.sort_values("cost_per_deal", key=lambda s: s.map(float))
    return figure(
        [
            {
                "type": "bar",
                "orientation": "h",
                "y": list(rows["channel_label"]),
                "x": plain(list(rows["cost_per_deal"])),
                "marker": {"color": COLORS[2]},
                "hovertemplate": "%{y}: ¥%{x:,.2f}<extra></extra>",
            }
        ],
        xaxis={"title": {"text": _("元/套")}, "separatethousands": True},
        yaxis={"automargin": True},
        margin={"l": 90, "r": 20, "t": 20, "b": 50},
    )


def funnel_figure(frame, title: str):
    if frame.empty or not frame["customers"].sum():
        return empty(_("该渠道在所选期间没有客户"))
    lost = frame.attrs.get("lost", 0)
    return figure(
        [
            {
                "type": "funnel",
                "y": [_(STEP_LABELS[s]) for s in frame["step"]],
                "x": list(frame["customers"]),
                "textinfo": "value+percent initial",
                "marker": {"color": COLORS[:3]},
            }
        ],
        title=title + " · " + _("流失 {n} 人", n=lost),
        margin={"l": 80, "r": 20, "t": 40, "b": 20},
    )


def summary_cards(plan):
    total = queries.plan_vs_actual_total(plan)
    items = [
        (_("实际费用"), wan(total["actual"])),
        (_("计划费用"), wan(total["plan"])),
        (_("差异（实际−计划）"), wan(total["variance"])),
        (_("执行率"), pct(total["execution"])),
    ]
    return dbc.Row(
        [
            dbc.Col(kpi_card(label, value, f"mk-eff-kpi-{i}"), xs=6, md=3, className="mb-3")
            for i, (label, value) in enumerate(items)
        ],
        className="g-2",
    )


def register(app):
    _register_budget(app)
    _register_expenses(app)
    _register_campaigns(app)
    _register_effect(app)


# ------------------------------------------------------------------ 费用计划


def _register_budget(app):
    @auth.callback(
        app,
        "marketing.view",
        Output(ids.BUDGET_GRID, "rowData"),
        Output(ids.BUDGET_FEEDBACK, "children"),
        Input(ids.BUDGET_YEAR, "value"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.BUDGET_REFRESH, "data"),
        Input(ids.BUDGET_GRID, "cellValueChanged"),
    )
    def budget(year, project_id, _refresh, changed, *, user):
        message = None
        if dash.ctx.triggered_id == ids.BUDGET_GRID and changed:
            message = _save_cells(user, year, changed)
        return grid_rows_plain(_budget_rows(user, year, project_id)), message

    @auth.callback(
        app,
        "marketing.edit",
        Output(ids.BUDGET_REFRESH, "data"),
        Output(ids.BUDGET_FEEDBACK, "children", allow_duplicate=True),
        Input(ids.BUDGET_SAVE, "n_clicks"),
        State(ids.BUDGET_PROJECT, "value"),
        State(ids.BUDGET_MONTH, "value"),
        State(ids.BUDGET_CHANNEL, "value"),
        State(ids.BUDGET_CATEGORY, "value"),
        State(ids.BUDGET_AMOUNT, "value"),
        prevent_initial_call=True,
    )
    def save(n, project_id, month, channel, category, amount, *, user):
        if not n:
            return dash.no_update, dash.no_update
        try:
            database().run(
                commands.set_budget,
                actor=user,
                project_id=project_id,
                month=month,
                channel=channel,
                category=category,
                amount=_text(amount),
            )
        except DomainError as err:
            return dash.no_update, _error(err)
        return n, feedback(_("计划已保存。"))

    exports.register(
        app,
        "marketing.view",
        "marketing_plan",
        ids.BUDGET_GRID,
        ids.BUDGET_EXPORT,
        ids.BUDGET_DOWNLOAD,
        _budget_rows,
        columns.budget,
        "营销费用计划",
        state=[State(ids.BUDGET_YEAR, "value"), State(shell.PROJECT_SELECT, "value")],
        key=("key",),
    )

    imports.register(
        app,
        ids.BUDGET_IMPORT,
        spec=BUDGET_SPEC,
        permission="marketing.edit",
        context=lambda user, project_id: {"project_id": project_id, "actor": user},
        state=[State(shell.PROJECT_SELECT, "value")],
        template_name="营销费用计划模板.xlsx",
        on_done=Output(ids.BUDGET_REFRESH, "data", allow_duplicate=True),
    )


def _exact(frame) -> list[dict] | None:
    return None if frame is None else exports.exact_rows(frame)


def _expenses(user, start, end, project_id):
    """实际费用 of the period (None: the period is not valid)."""
    try:
        first, last = parse_period(start, end)
    except DomainError:
        return None
    return queries.expenses_frame(reader(), user, first, last, project_id)


def _budget_rows(user, year, project_id) -> list[dict]:
    return queries.budget_pivot(reader(), user, int(year or localtime.today().year), project_id)


def grid_rows_plain(rows: list[dict]) -> list[dict]:
    return [{k: float(v) if isinstance(v, Decimal) else v for k, v in r.items()} for r in rows]


def _text(value) -> str:
    """A number from an input or a grid cell as text (never through float arithmetic)."""
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def _save_cells(user, year, changed):
    """Save edited month cells of the plan grid; one message for the whole edit."""
    if not authz.has(user, "marketing.edit"):
        return feedback(_("您的角色只能查看营销费用。"), ok=False)
    try:
        saved = 0
        for change in changed:
            col = change.get("colId") or ""
            row = change.get("data") or {}
            if not (col.startswith("m") and col[1:].isdigit()):
                continue
            database().run(
                commands.set_budget,
                actor=user,
                project_id=row.get("project_id"),
                month=f"{int(year)}-{col[1:]}",
                channel=row.get("channel"),
                category=row.get("category"),
                amount=_text(change.get("value")),
            )
            saved += 1
    except DomainError as err:
        return _error(err)
    return feedback(_("已保存 {n} 个单元格。", n=saved)) if saved else None


# ------------------------------------------------------------------ 实际费用


def _register_expenses(app):
    @auth.callback(
        app,
        "marketing.view",
        Output(ids.EXP_PERIOD, "start_date"),
        Output(ids.EXP_PERIOD, "end_date"),
        Input("mk-exp-preset", "value"),
        prevent_initial_call=True,
    )
    def preset(name, *, user):
        start, end = overview_queries.preset_period(name or "year", localtime.today())
        return start.isoformat(), end.isoformat()

    @auth.callback(
        app,
        "marketing.view",
        Output(ids.EXP_GRID, "rowData"),
        Input(ids.EXP_PERIOD, "start_date"),
        Input(ids.EXP_PERIOD, "end_date"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.EXP_REFRESH, "data"),
    )
    def expenses(start, end, project_id, _refresh, *, user):
        frame = _expenses(user, start, end, project_id)
        return [] if frame is None else grid_rows(frame)

    @auth.callback(
        app,
        "marketing.view",
        Output(ids.EXP_CAMPAIGN, "options"),
        Input(ids.EXP_PROJECT, "value"),
        Input(ids.EXP_CHANNEL, "value"),
    )
    def campaign_options(project_id, channel, *, user):
        if not project_id:
            return []
        frame = queries.campaigns_frame(reader(), user, project_id)
        if channel:
            frame = frame[frame["channel"] == channel]
        return [
            {"label": f"{r.name}（{r.starts_on}～{r.ends_on}）", "value": int(r.id)}
            for r in frame.itertuples()
        ]

    @auth.callback(
        app,
        "marketing.edit",
        Output(ids.EXP_REFRESH, "data"),
        Output(ids.EXP_FEEDBACK, "children"),
        Input(ids.EXP_SAVE, "n_clicks"),
        Input(ids.EXP_DELETE, "n_clicks"),
        State(ids.EXP_PROJECT, "value"),
        State(ids.EXP_DATE, "date"),
        State(ids.EXP_CHANNEL, "value"),
        State(ids.EXP_CATEGORY, "value"),
        State(ids.EXP_CAMPAIGN, "value"),
        State(ids.EXP_VENDOR, "value"),
        State(ids.EXP_INVOICE, "value"),
        State(ids.EXP_AMOUNT, "value"),
        State(ids.EXP_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    def save(
        n_save,
        n_delete,
        project_id,
        spent_on,
        channel,
        category,
        campaign_id,
        vendor,
        invoice,
        amount,
        selected,
        *,
        user,
    ):
        trigger = dash.ctx.triggered_id
        try:
            if trigger == ids.EXP_DELETE:
                if not n_delete:
                    return dash.no_update, dash.no_update
                if not selected:
                    return dash.no_update, feedback(_("请先在表格中选择一条费用。"), ok=False)
                database().run(
                    commands.delete_expense, actor=user, expense_id=int(selected[0]["id"])
                )
                return n_delete, feedback(_("费用已删除。"))
            if not n_save:
                return dash.no_update, dash.no_update
            saved = database().run(
                commands.record_expense,
                actor=user,
                project_id=project_id,
                spent_on=spent_on,
                channel=channel,
                category=category,
                campaign_id=campaign_id,
                vendor=vendor,
                invoice_no=invoice,
                amount=_text(amount),
            )
        except DomainError as err:
            return dash.no_update, _error(err)
        return f"save-{saved.id}", feedback(
            _("已记录费用 ¥{amount}。", amount=f"{saved.amount:,.2f}")
        )

    exports.register(
        app,
        "marketing.view",
        "marketing_expenses",
        ids.EXP_GRID,
        ids.EXP_EXPORT,
        ids.EXP_DOWNLOAD,
        lambda user, *state: _exact(_expenses(user, *state)),
        columns.EXPENSES,
        "营销实际费用",
        state=[
            State(ids.EXP_PERIOD, "start_date"),
            State(ids.EXP_PERIOD, "end_date"),
            State(shell.PROJECT_SELECT, "value"),
        ],
    )

    imports.register(
        app,
        ids.EXP_IMPORT,
        spec=EXPENSE_SPEC,
        permission="marketing.edit",
        context=lambda user, project_id: {"project_id": project_id, "actor": user},
        state=[State(shell.PROJECT_SELECT, "value")],
        template_name="营销实际费用模板.xlsx",
        on_done=Output(ids.EXP_REFRESH, "data", allow_duplicate=True),
    )


# ------------------------------------------------------------------ 广告活动


def _register_campaigns(app):
    @auth.callback(
        app,
        "marketing.view",
        Output(ids.CAMP_GRID, "rowData"),
        Output(ids.CAMP_FEEDBACK, "children"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.CAMP_SAVE, "n_clicks"),
        State(ids.CAMP_PROJECT, "value"),
        State(ids.CAMP_NAME, "value"),
        State(ids.CAMP_CHANNEL, "value"),
        State(ids.CAMP_PERIOD, "start_date"),
        State(ids.CAMP_PERIOD, "end_date"),
        State(ids.CAMP_BUDGET, "value"),
        State(ids.CAMP_NOTES, "value"),
        State("mk-camp-editing", "data"),
    )
    def campaigns(
        project_filter,
        n_save,
        project_id,
        name,
        channel,
        start,
        end,
        budget,
        notes,
        editing,
        *,
        user,
    ):
        message = None
        if dash.ctx.triggered_id == ids.CAMP_SAVE and n_save:
            if not authz.has(user, "marketing.edit"):
                message = feedback(_("您的角色只能查看营销费用。"), ok=False)
            else:
                try:
                    if not project_id:
                        raise DomainError("请选择项目。", "Choose a project.")
                    saved = database().run(
                        commands.save_campaign,
                        actor=user,
                        project_id=int(project_id),
                        name=name or "",
                        channel=channel or "",
                        starts_on=start,
                        ends_on=end,
                        budget=_text(budget) or "0",
                        notes=notes or "",
                        campaign_id=editing or None,
                    )
                    message = feedback(_("广告活动“{name}”已保存。", name=saved.name))
                except DomainError as err:
                    message = _error(err)
        frame = queries.campaigns_frame(reader(), user, project_filter)
        return grid_rows(frame), message

    @auth.callback(
        app,
        "marketing.edit",
        Output("mk-camp-editing", "data"),
        Output(ids.CAMP_PROJECT, "value"),
        Output(ids.CAMP_NAME, "value"),
        Output(ids.CAMP_CHANNEL, "value"),
        Output(ids.CAMP_PERIOD, "start_date"),
        Output(ids.CAMP_PERIOD, "end_date"),
        Output(ids.CAMP_BUDGET, "value"),
        Output(ids.CAMP_NOTES, "value"),
        Output("mk-camp-mode", "children"),
        Input(ids.CAMP_GRID, "selectedRows"),
        Input(ids.CAMP_NEW, "n_clicks"),
        prevent_initial_call=True,
    )
    def edit(selected, _new, *, user):
        if dash.ctx.triggered_id == ids.CAMP_NEW or not selected:
            return None, None, "", None, None, None, None, "", _("新建广告活动")
        row = selected[0]
        return (
            row["id"],
            row["project_id"],
            row["name"],
            row["channel"],
            row["starts_on"],
            row["ends_on"],
            row["budget"],
            row.get("notes") or "",
            _("正在修改：{name}（点击“新建”改为新建）", name=row["name"]),
        )

    exports.register(
        app,
        "marketing.view",
        "campaigns",
        ids.CAMP_GRID,
        ids.CAMP_EXPORT,
        ids.CAMP_DOWNLOAD,
        lambda user, project_id: _exact(queries.campaigns_frame(reader(), user, project_id)),
        columns.CAMPAIGNS,
        "广告活动",
        state=[State(shell.PROJECT_SELECT, "value")],
    )


# ------------------------------------------------------------------ 广告效果分析


def _register_effect(app):
    @auth.callback(
        app,
        "marketing.view",
        Output(ids.EFF_PERIOD, "start_date"),
        Output(ids.EFF_PERIOD, "end_date"),
        Input(ids.EFF_PRESET, "value"),
        prevent_initial_call=True,
    )
    def preset(name, *, user):
        start, end = overview_queries.preset_period(name or "year", localtime.today())
        return start.isoformat(), end.isoformat()

    @auth.callback(
        app,
        "marketing.view",
        Output(ids.EFF_SUMMARY, "children"),
        Output(ids.EFF_SPEND_CHART, "figure"),
        Output(ids.EFF_COST_CHART, "figure"),
        Output(ids.EFF_CHANNEL_GRID, "rowData"),
        Output(ids.EFF_CAMPAIGN_GRID, "rowData"),
        Output(ids.EFF_PLAN_GRID, "rowData"),
        Output(ids.EFF_ERROR, "children"),
        Input(ids.EFF_PERIOD, "start_date"),
        Input(ids.EFF_PERIOD, "end_date"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def effect(start, end, project_id, *, user):
        try:
            _first, _last, frames = _effect(user, start, end, project_id)
        except DomainError as err:
            blank = empty(err.text(language()))
            return None, blank, blank, [], [], [], feedback(err.text(language()), ok=False)
        return (
            summary_cards(frames["plan"]),
            spend_figure(frames["plan"]),
            cost_figure(frames["channels"]),
            grid_rows(frames["channels"]),
            grid_rows(frames["campaigns"]),
            grid_rows(frames["plan"]),
            None,
        )

    @auth.callback(
        app,
        "marketing.view",
        Output(ids.EFF_FUNNEL_CHART, "figure"),
        Input(ids.EFF_CHANNEL_GRID, "cellClicked"),
        Input(ids.EFF_PERIOD, "start_date"),
        Input(ids.EFF_PERIOD, "end_date"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def funnel(cell, start, end, project_id, *, user):
        if not cell or cell.get("rowId") is None:
            return empty(_("点击上表中的渠道查看其客户漏斗"))
        channel = str(cell["rowId"])
        try:
            first, last = parse_period(start, end)
        except DomainError as err:
            return empty(err.text(language()))
        frame = queries.channel_funnel(reader(), user, channel, first, last, project_id)
        label = queries.labels(reader())[0].get(channel, channel or _("（未填）"))
        return funnel_figure(frame, label)

    def _export(name):
        button, download = ids.EXPORTS[name]
        extra = [State(ids.EFF_CHANNEL_GRID, "cellClicked")] if name == "funnel" else []

        @auth.callback(
            app,
            "marketing.view",
            Output(download, "data"),
            Input(button, "n_clicks"),
            State(ids.EFF_PERIOD, "start_date"),
            State(ids.EFF_PERIOD, "end_date"),
            State(shell.PROJECT_SELECT, "value"),
            *extra,
            prevent_initial_call=True,
        )
        def export(n, start, end, project_id, *cell, user):
            if not n:
                return dash.no_update
            try:
                first, last, frames = _effect(user, start, end, project_id)
            except DomainError:
                return dash.no_update
            if name == "funnel":
                clicked = cell[0] if cell else None
                if not clicked or clicked.get("rowId") is None:
                    return dash.no_update
                frame = queries.channel_funnel(
                    reader(), user, str(clicked["rowId"]), first, last, project_id
                )
                frame["step"] = frame["step"].map(lambda s: _(STEP_LABELS[s]))
            else:
                frame = frames["plan" if name == "spend" else "channels"]
            content = to_xlsx(
                [(f, _(h)) for f, h in CHART_COLUMNS[name]],
                frame.to_dict("records"),
                _("广告效果分析"),
            )
            return dcc.send_bytes(content, f"marketing-{name}-{first:%Y%m%d}-{last:%Y%m%d}.xlsx")

    for name in CHART_COLUMNS:
        _export(name)

    period = [
        State(ids.EFF_PERIOD, "start_date"),
        State(ids.EFF_PERIOD, "end_date"),
        State(shell.PROJECT_SELECT, "value"),
    ]
    for name, (grid_id, cols, sheet, key) in EFFECT_GRIDS.items():
        button, download = ids.EXPORTS[name]
        exports.register(
            app,
            "marketing.view",
            f"marketing_{name}",
            grid_id,
            button,
            download,
            lambda user, *state, name=name: _effect_rows(user, name, *state),
            cols,
            sheet,
            state=period,
            key=key,
        )


def _effect_rows(user, name, start, end, project_id) -> list[dict] | None:
    """One effectiveness grid's rows, exact (None: the period is not valid)."""
    try:
        return _exact(_effect(user, start, end, project_id)[2][name])
    except DomainError:
        return None
