"""决策分析: the executive overview (cached aggregates, drill-down) and the leadership query."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import dash
import dash_bootstrap_components as dbc
import flask
from dash import Input, Output, State, dcc, html

from dashboard import auth, exports, shell
from dashboard.charts import COLORS, empty, figure, plain
from dashboard.components import feedback
from dashboard.db import reader
from dashboard.i18n import _, language
from data_layer import authz, localtime
from data_layer import cache as aggregate_cache
from data_layer.errors import DomainError
from data_layer.excel.export import to_xlsx
from data_layer.queries import overview as queries
from data_layer.rules.money import format_amount
from pages.analytics import ids
from pages.analytics.columns import PROJECT_COLUMNS

# Where each card drills to: (nav module of the detailed pages, measure column per project).
MEASURES = {
    "sales_amount": ("销售金额", "deals", "sales_amount"),
    "sales_units": ("销售套数", "deals", "sales_units"),
    "sell_through": ("去化率", "inventory", "sell_through_count"),
    "collections": ("回款", "finance", "received"),
    "stock": ("剩余货值", "inventory", "stock_value"),
    "visits": ("来访与转化", "crm", "visits"),
    "avg_price": ("成交均价", "inventory", "avg_price"),
    "cost_per_deal": ("营销费用/成交", "marketing", "cost_per_deal"),
}
RATES = {"sell_through_count", "collection_rate", "conversion", "amount_vs_plan"}
WAN_MEASURES = {"sales_amount", "received", "stock_value"}
TEN_THOUSAND = Decimal("10000")


# ------------------------------------------------------------------ cache and formatting


def aggregate_store():
    settings = flask.current_app.config["LOUPAN_SETTINGS"]
    return aggregate_cache.backend(settings.redis_url, settings.instance_dir)


def viewer_key(user) -> tuple:
    """Everything about the viewer that the figures depend on."""
    scope = authz.scope(user)
    projects = "all" if scope.project_ids is None else tuple(sorted(scope.project_ids))
    return (user.role_code.value, projects)


def parse_period(start: str | None, end: str | None) -> tuple[date, date]:
    try:
        first = date.fromisoformat(start[:10]) if start else None
        last = date.fromisoformat(end[:10]) if end else None
    except ValueError:
        first = last = None
    return queries.check_period(first, last)


def figures(user, start: date, end: date, project_id: int | None) -> dict:
    """Everything the overview shows, computed once per data version and served from the
    cache until a write: the per-project frame, its table with ratios, the card totals, the
    monthly frame and its total over projects, and the grid rows."""
    session, store = reader(), aggregate_store()

    def compute() -> dict:
        # One read of everything (project_figures() and monthly() would each run it), its
        # independent statements at once: the request's session only reads committed data.
        frame, monthly = queries.overview_frames(
            session, user, start, end, project_id, parallel=True
        )
        table = queries.with_ratios(frame)
        return {
            "frame": frame,
            "monthly": monthly,
            "table": table,
            "rows": grid_rows(table),
            "totals": queries.totals(frame),
            "total": queries.monthly_total(monthly),
        }

    key = (viewer_key(user), start, end, project_id)
    return aggregate_cache.cached(store, session, "overview", key, compute)


def wan(value) -> str:
    """An amount in 万元 for a card (display only)."""
    if value is None:
        return "—"
    return format_amount(Decimal(value) / TEN_THOUSAND) + " " + _("万元")


def pct(value) -> str:
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def yuan(value) -> str:
    return "—" if value is None else "¥" + format_amount(value)


def _float(value):
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def grid_rows(frame) -> list[dict]:
    """Rows for a grid: Decimals become numbers only here, for display and sorting."""
    return [
        {k: _float(v) if not isinstance(v, date) else v.isoformat() for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def detail_links(user, module: str, project_id: int | None) -> list[dict]:
    """The detailed pages of a module the viewer may open (whatever their paths are)."""
    links = []
    for page in sorted(dash.page_registry.values(), key=lambda p: p.get("order") or 0):
        if page.get("nav_module") != module or page.get("hidden"):
            continue
        if not authz.has(user, page.get("permission", "")):
            continue
        links.append({"label": _(page.get("label") or page["name"]), "path": page["path"]})
    return links


# ------------------------------------------------------------------ shaping


def _card(measure: str, value: str, sub: str, active: bool):
    label = MEASURES[measure][0]
    return dbc.Col(
        html.Div(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(_(label), className="kpi-label"),
                        html.Div(value, className="kpi-value", id=f"ov-kpi-{measure}"),
                        html.Div(sub, className="kpi-sub small text-muted"),
                    ],
                    className="py-2",
                ),
                className="kpi-card h-100 shadow-sm"
                + (" border-primary border-2" if active else ""),
            ),
            id=f"ov-card-{measure}",
            n_clicks=0,
            role="button",
            title=_("点击查看各项目"),
            className="h-100",
        ),
        xs=6,
        md=3,
        className="mb-3",
    )


def cards(user, totals: queries.Totals, measure: str):
    t = totals
    show_money = authz.has(user, "finance.view")
    items = [
        (
            "sales_amount",
            wan(t.sales_amount),
            _("计划 {plan} · 完成 {rate}", plan=wan(t.plan_amount), rate=pct(t.amount_vs_plan)),
        ),
        (
            "sales_units",
            f"{t.sales_units:,} " + _("套"),
            _("计划 {plan} 套 · 完成 {rate}", plan=f"{t.plan_units:,}", rate=pct(t.units_vs_plan)),
        ),
        (
            "sell_through",
            pct(t.sell_through_count),
            _(
                "面积 {area} · 货值 {value}",
                area=pct(t.sell_through_area),
                value=pct(t.sell_through_value),
            ),
        ),
        ("stock", wan(t.stock_value), _("未放盘 {v}", v=wan(t.unreleased_value))),
        (
            "visits",
            f"{t.visits:,}",
            _("成交 {n} · 转化率 {rate}", n=f"{t.converted:,}", rate=pct(t.conversion)),
        ),
        (
            "avg_price",
            yuan(t.avg_price),
            _("元/㎡ · 成交面积 {a} ㎡", a=format_amount(t.sales_area)),
        ),
        ("cost_per_deal", yuan(t.cost_per_deal), _("营销费用 {v}", v=wan(t.marketing_cost))),
    ]
    if show_money:
        items.insert(
            3,
            (
                "collections",
                wan(t.received),
                _(
                    "应收 {due} · 回款率 {rate} · 逾期 {over}",
                    due=wan(t.due),
                    rate=pct(t.collection_rate),
                    over=wan(t.overdue),
                ),
            ),
        )
    row = [_card(m, v, s, m == measure) for m, v, s in items]
    if not show_money:  # the card's click input must exist for the other cards' callback
        row.append(html.Div(id="ov-card-collections", n_clicks=0, hidden=True))
    return dbc.Row(row, className="g-2")


def sales_figure(monthly_total):
    if monthly_total.empty:
        return empty(_("所选期间没有数据"))
    months = list(monthly_total["month"])
    to_wan = [a / TEN_THOUSAND for a in monthly_total["sales_amount"]]
    plan_wan = [a / TEN_THOUSAND for a in monthly_total["plan_amount"]]
    return figure(
        [
            {
                "type": "bar",
                "name": _("销售金额（万元）"),
                "x": months,
                "y": plain(to_wan),
                "marker": {"color": COLORS[0]},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("计划金额（万元）"),
                "x": months,
                "y": plain(plan_wan),
                "line": {"color": COLORS[1], "dash": "dash"},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("销售套数"),
                "x": months,
                "y": list(monthly_total["sales_units"]),
                "yaxis": "y2",
                "line": {"color": COLORS[2]},
            },
        ],
        xaxis={"type": "category", "automargin": True, "tickangle": -45},
        yaxis={"title": {"text": _("万元")}, "rangemode": "tozero", "tickformat": ",d"},
        legend={"orientation": "h", "y": -0.35},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "rangemode": "tozero",
            "title": {"text": _("套")},
            "tickformat": ",d",
            "automargin": True,
        },
        margin={"l": 60, "r": 60, "t": 20, "b": 50},
        hovermode="x unified",
    )


def price_figure(monthly, names: dict[int, str], total):
    if monthly.empty:
        return empty(_("所选期间没有数据"))
    series: dict[int, tuple[list, list]] = {}
    for pid, month, price in zip(
        monthly["project_id"], monthly["month"], monthly["avg_price"], strict=True
    ):
        months, prices = series.setdefault(pid, ([], []))
        months.append(month)
        prices.append(price)
    data = []
    for index, pid in enumerate(sorted(series)):
        months, prices = series[pid]
        if all(v is None for v in prices):
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": names.get(pid, str(pid)),
                "x": months,
                "y": plain(prices),
                "connectgaps": True,
                "line": {"color": COLORS[index % len(COLORS)]},
            }
        )
    if len(data) > 1 and not total.empty:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("全部项目"),
                "x": list(total["month"]),
                "y": plain(list(total["avg_price"])),
                "connectgaps": True,
                "line": {"color": "#333", "width": 3, "dash": "dot"},
            }
        )
    if not data:
        return empty(_("所选期间没有成交"))
    return figure(
        data,
        xaxis={"type": "category", "automargin": True},
        yaxis={"title": {"text": _("元/㎡")}, "tickformat": ",d", "separatethousands": True},
        margin={"l": 70, "r": 20, "t": 20, "b": 50},
        hovermode="x unified",
    )


def project_figure(table, measure: str, monthly, project_id):
    label, _module, column = MEASURES[measure]
    if project_id is not None:
        # In one project: the measure month by month where it has one.
        series = {
            "sales_amount": "sales_amount",
            "sales_units": "sales_units",
            "avg_price": "avg_price",
        }.get(measure)
        if series is None or monthly.empty:
            row = table.iloc[0] if len(table) else None
            value = row[column] if row is not None else None
            return figure(
                [
                    {
                        "type": "bar",
                        "x": [row["project"] if row is not None else ""],
                        "y": plain([value]),
                        "marker": {"color": COLORS[0]},
                    }
                ],
                title=_(label),
            )
        return figure(
            [
                {
                    "type": "bar",
                    "x": list(monthly["month"]),
                    "y": plain(list(monthly[series])),
                    "marker": {"color": COLORS[0]},
                    "name": _(label),
                }
            ],
            title=_(label),
        )
    if table.empty:
        return empty(_("没有可查看的项目"))
    values = list(table[column])
    is_rate = column in RATES
    in_wan = column in WAN_MEASURES
    shown = [
        None if v is None else (v * 100 if is_rate else v / TEN_THOUSAND if in_wan else v)
        for v in values
    ]
    unit = " (%)" if is_rate else (" (" + _("万元") + ")" if in_wan else "")
    return figure(
        [
            {
                "type": "bar",
                "x": list(table["project"]),
                "y": plain(shown),
                "customdata": [int(p) for p in table["project_id"]],
                "marker": {"color": COLORS[0]},
                "hovertemplate": "%{x}: %{y:,.2f}" + ("%" if is_rate else "") + "<extra></extra>",
            }
        ],
        title=_(label) + unit + " · " + _("点击柱子进入项目"),
        yaxis={"tickformat": ",.4~r" if is_rate else ",d", "automargin": True},
        clickmode="event",
    )


# ------------------------------------------------------------------ callbacks


def register(app):
    @auth.callback(
        app,
        "analytics.view",
        Output(ids.PERIOD, "start_date"),
        Output(ids.PERIOD, "end_date"),
        Input(ids.PRESET, "value"),
        prevent_initial_call=True,
    )
    def preset(name, *, user):
        start, end = queries.preset_period(name or "year", localtime.today())
        return start.isoformat(), end.isoformat()

    card_inputs = [Input(f"ov-card-{m}", "n_clicks") for m in MEASURES]

    @auth.callback(
        app,
        "analytics.view",
        Output(ids.MEASURE, "data"),
        *card_inputs,
        prevent_initial_call=True,
    )
    def choose_measure(*_clicks, user):
        trigger = dash.ctx.triggered_id or ""
        measure = trigger.removeprefix("ov-card-")
        if measure not in MEASURES or not any(_clicks):
            return dash.no_update
        return measure

    @auth.callback(
        app,
        "analytics.view",
        Output(ids.CARDS, "children"),
        Output(ids.SALES_CHART, "figure"),
        Output(ids.PRICE_CHART, "figure"),
        Output(ids.PROJECT_CHART, "figure"),
        Output(ids.PROJECT_GRID, "rowData"),
        Output(ids.HEADER, "children"),
        Output(ids.LINKS, "children"),
        Output(ids.ERROR, "children"),
        Input(ids.PERIOD, "start_date"),
        Input(ids.PERIOD, "end_date"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.PROJECT, "data"),
        Input(ids.MEASURE, "data"),
    )
    def overview(start, end, shell_project, drilled, measure, *, user):
        measure = measure if measure in MEASURES else "sales_amount"
        project_id = drilled or shell_project
        try:
            first, last = parse_period(start, end)
            bundle = figures(user, first, last, project_id)
        except DomainError as err:
            blank = empty(err.text(language()))
            return (
                None,
                blank,
                blank,
                blank,
                [],
                None,
                None,
                feedback(err.text(language()), ok=False),
            )
        frame, monthly, table, total = (
            bundle["frame"],
            bundle["monthly"],
            bundle["table"],
            bundle["total"],
        )
        names = dict(zip(frame["project_id"], frame["project"], strict=True))
        header = _header(names, drilled, start, end)
        links = _links(user, measure, drilled)
        return (
            cards(user, bundle["totals"], measure),
            sales_figure(total),
            price_figure(monthly, names, total),
            project_figure(table, measure, total if drilled else monthly, drilled),
            bundle["rows"],
            header,
            links,
            None,
        )

    @auth.callback(
        app,
        "analytics.view",
        Output(ids.NAVIGATE, "href"),
        Input(ids.PROJECT_CHART, "clickData"),
        Input(ids.PROJECT_GRID, "cellClicked"),
        State(ids.PROJECT, "data"),
        State(ids.PERIOD, "start_date"),
        State(ids.PERIOD, "end_date"),
        prevent_initial_call=True,
    )
    def drill(click, cell, drilled, start, end, *, user):
        project_id = None
        if dash.ctx.triggered_id == ids.PROJECT_CHART and click:
            point = (click.get("points") or [{}])[0]
            project_id = point.get("customdata")
        elif dash.ctx.triggered_id == ids.PROJECT_GRID and cell:
            row_id = str(cell.get("rowId") or "")
            project_id = int(row_id) if row_id.isdigit() else None
        if not isinstance(project_id, int) or project_id == drilled:
            return dash.no_update
        if not authz.scope(user).allows_project(project_id):
            return dash.no_update
        period = f"&start={start[:10]}&end={end[:10]}" if start and end else ""
        return f"/analytics/overview?project={project_id}{period}"

    def _export(name, columns, rows_of):
        button, download = ids.EXPORTS[name]

        @auth.callback(
            app,
            "analytics.view",
            Output(download, "data"),
            Input(button, "n_clicks"),
            State(ids.PERIOD, "start_date"),
            State(ids.PERIOD, "end_date"),
            State(shell.PROJECT_SELECT, "value"),
            State(ids.PROJECT, "data"),
            prevent_initial_call=True,
        )
        def export(n, start, end, shell_project, drilled, *, user):
            if not n:
                return dash.no_update
            try:
                first, last = parse_period(start, end)
                bundle = figures(user, first, last, drilled or shell_project)
            except DomainError:
                return dash.no_update
            rows = rows_of(bundle)
            content = to_xlsx([(f, _(h)) for f, h in columns], rows, _("经营总览"))
            return dcc.send_bytes(content, f"overview-{name}-{first:%Y%m%d}-{last:%Y%m%d}.xlsx")

    _export(
        "sales",
        [
            ("month", "月份"),
            ("sales_amount", "销售金额"),
            ("plan_amount", "计划金额"),
            ("sales_units", "销售套数"),
            ("plan_units", "计划套数"),
            ("sales_area", "成交面积"),
            ("avg_price", "成交均价(元/㎡)"),
        ],
        lambda b: b["total"].to_dict("records"),
    )
    _export(
        "price",
        [
            ("project", "项目"),
            ("month", "月份"),
            ("sales_area", "成交面积"),
            ("sales_amount", "销售金额"),
            ("avg_price", "成交均价(元/㎡)"),
        ],
        lambda b: b["monthly"].merge(b["frame"][["project_id", "project"]]).to_dict("records"),
    )
    project_columns = [
        ("project", "项目"),
        ("sales_amount", "销售金额"),
        ("plan_amount", "计划金额"),
        ("amount_vs_plan", "金额完成率"),
        ("sales_units", "销售套数"),
        ("plan_units", "计划套数"),
        ("released_units", "已放盘套数"),
        ("sold_units", "已售套数"),
        ("sell_through_count", "去化率(套数)"),
        ("sell_through_area", "去化率(面积)"),
        ("sell_through_value", "去化率(货值)"),
        ("received", "实收"),
        ("due", "应收"),
        ("collection_rate", "回款率"),
        ("overdue", "逾期未收"),
        ("stock_value", "剩余货值"),
        ("unreleased_value", "未放盘货值"),
        ("visits", "来访"),
        ("converted", "成交客户"),
        ("conversion", "转化率"),
        ("avg_price", "成交均价(元/㎡)"),
        ("marketing_cost", "营销费用"),
        ("cost_per_deal", "营销费用/成交"),
    ]
    _export(
        "projects",
        project_columns,
        lambda b: b["table"].to_dict("records"),
    )

    def grid_rows_of(user, start, end, shell_project, drilled):
        """项目明细's rows read again for the user (exact values; None: a refused period)."""
        try:
            first, last = parse_period(start, end)
            bundle = figures(user, first, last, drilled or shell_project)
        except DomainError:
            return None
        return exports.exact_rows(bundle["table"])

    exports.register(
        app,
        "analytics.view",
        "overview_projects",
        ids.PROJECT_GRID,
        ids.GRID_EXPORT,
        ids.GRID_DOWNLOAD,
        grid_rows_of,
        PROJECT_COLUMNS,
        "经营总览",
        state=[
            State(ids.PERIOD, "start_date"),
            State(ids.PERIOD, "end_date"),
            State(shell.PROJECT_SELECT, "value"),
            State(ids.PROJECT, "data"),
        ],
        key=("project_id",),
    )

    register_query(app)


def _header(names: dict, drilled, start=None, end=None):
    if not drilled:
        return html.Span(_("全部项目"), className="badge bg-light text-dark fs-6")
    period = f"?start={start[:10]}&end={end[:10]}" if start and end else ""
    return html.Div(
        [
            dcc.Link(_("全部项目"), href="/analytics/overview" + period, id="ov-back"),
            html.Span(" › "),
            html.Strong(names.get(drilled, "")),
        ],
        className="fs-6",
    )


def _links(user, measure: str, drilled):
    label, module, _column = MEASURES[measure]
    if not drilled:
        return html.Div(
            _("提示：点击卡片切换指标，点击柱子或表格中的项目进入该项目。"),
            className="text-muted small",
        )
    pages = detail_links(user, module, drilled)
    if module == "marketing":
        pages = [p for p in pages if p["path"].endswith("/effect")] or pages
    if not pages:
        return html.Div(
            _("{label}的明细页面尚未开放给您的角色。", label=_(label)), className="text-muted small"
        )
    return html.Div(
        [html.Span(_("{label}明细：", label=_(label)), className="me-2 small")]
        + [
            dbc.Button(p["label"], href=p["path"], size="sm", color="link", className="p-0 me-3")
            for p in pages
        ],
        className="d-flex flex-wrap align-items-center",
    )


# ------------------------------------------------------------------ 领导查询

QUERY_COLUMNS = {
    "deals": [
        ("project", "项目"),
        ("unit", "房间"),
        ("customer", "客户"),
        ("consultant", "置业顾问"),
        ("stage", "阶段"),
        ("state", "状态"),
        ("sold_on", "成交日期"),
        ("area", "面积"),
        ("unit_price", "成交单价"),
        ("total", "成交总价"),
        ("contract_no", "合同号"),
    ],
    "customers": [
        ("project", "项目"),
        ("name", "客户"),
        ("mobile", "手机"),
        ("id_number", "证件号"),
        ("channel", "认知途径"),
        ("first_contact_on", "首次接触"),
        ("stage", "阶段"),
        ("level", "等级"),
        ("consultant", "置业顾问"),
    ],
    "receipts": [
        ("project", "项目"),
        ("number", "收据号"),
        ("payer", "付款人"),
        ("kind", "款项"),
        ("method", "方式"),
        ("amount", "金额"),
        ("received_on", "收款日期"),
        ("status", "状态"),
    ],
}
MONEY_FIELDS = {"area", "unit_price", "total", "amount"}
STAGE_LABELS = {
    "reserved": "预留",
    "held": "临定",
    "subscribed": "认购",
    "contracted": "签约",
    "live": "有效",
    "expired": "已过期",
    "cancelled": "已退房",
    "forfeited": "已挞定",
    "swapped": "已换房",
    "lead": "线索",
    "opportunity": "机会",
    "deal": "成交",
    "lost": "流失",
    "draft": "未审核",
    "audited": "已审核",
    "voided": "已作废",
}


def _query_frame(user, kind, start, end, project_id):
    first, last = parse_period(start, end)
    fetch = {
        "deals": queries.leadership_deals,
        "customers": queries.leadership_customers,
        "receipts": queries.leadership_receipts,
    }.get(kind, queries.leadership_deals)
    frame = fetch(reader(), user, first, last, project_id)
    for column in ("stage", "state", "status"):
        if column in frame:
            frame[column] = frame[column].map(lambda v: _(STAGE_LABELS.get(str(v), str(v))))
    return frame


def register_query(app):
    @auth.callback(
        app,
        "analytics.query",
        Output("lq-period", "start_date"),
        Output("lq-period", "end_date"),
        Input("lq-preset", "value"),
        prevent_initial_call=True,
    )
    def preset(name, *, user):
        start, end = queries.preset_period(name or "year", localtime.today())
        return start.isoformat(), end.isoformat()

    @auth.callback(
        app,
        "analytics.query",
        Output(ids.Q_GRID, "columnDefs"),
        Output(ids.Q_GRID, "rowData"),
        Output(ids.Q_INFO, "children"),
        Input(ids.Q_KIND, "value"),
        Input(ids.Q_PERIOD, "start_date"),
        Input(ids.Q_PERIOD, "end_date"),
        Input(shell.PROJECT_SELECT, "value"),
    )
    def query(kind, start, end, project_id, *, user):
        kind = kind if kind in QUERY_COLUMNS else "deals"
        columns = [
            {
                "field": f,
                "headerName": _(h),
                **(
                    {
                        "type": "rightAligned",
                        "valueFormatter": {
                            "function": "params.value == null ? '' : "
                            "d3.format(',.2f')(params.value)"
                        },
                    }
                    if f in MONEY_FIELDS
                    else {}
                ),
            }
            for f, h in QUERY_COLUMNS[kind]
        ]
        try:
            frame = _query_frame(user, kind, start, end, project_id)
        except DomainError as err:
            return columns, [], feedback(err.text(language()), ok=False)
        info = _("共 {n} 条", n=len(frame))
        if len(frame) >= queries.QUERY_LIMIT:
            info += " · " + _("最多显示最近 {n} 条，请缩小范围。", n=queries.QUERY_LIMIT)
        return columns, grid_rows(frame), info

    @auth.callback(
        app,
        "analytics.query",
        Output(ids.Q_DOWNLOAD, "data"),
        Input(ids.Q_EXPORT, "n_clicks"),
        State(ids.Q_KIND, "value"),
        State(ids.Q_PERIOD, "start_date"),
        State(ids.Q_PERIOD, "end_date"),
        State(shell.PROJECT_SELECT, "value"),
        State(ids.Q_GRID, "virtualRowData"),
        State(ids.Q_GRID, "columnDefs"),
        State(ids.Q_GRID, "columnState"),
        prevent_initial_call=True,
    )
    def export(n, kind, start, end, project_id, shown, column_defs, column_state, *, user):
        """The query's grid as shown: its rows (read again for the user, exact and masked as
        the grid), their order and its visible columns."""
        kind = kind if kind in QUERY_COLUMNS else "deals"
        if not n:
            return dash.no_update
        try:
            frame = _query_frame(user, kind, start, end, project_id)
        except DomainError:
            return dash.no_update
        default = [{"field": f, "headerName": _(h)} for f, h in QUERY_COLUMNS[kind]]
        fields = {f for f, _h in QUERY_COLUMNS[kind]}
        shown_defs = [c for c in column_defs or [] if c.get("field") in fields] or None
        details = {"personal_data": authz.sees_personal_data(user)} if kind == "customers" else {}
        return exports.grid_xlsx(
            user,
            f"leadership.{kind}",
            exports.exact_rows(frame),
            shown,
            shown_defs,
            default,
            _("领导查询"),
            details=details,
            column_state=column_state,
            filename=f"leadership-{kind}-{localtime.today():%Y%m%d}.xlsx",
        )
