"""Callbacks of the sales control chart (销控表), the virtual chart and release (虚拟销控/放盘),
and the authenticated route serving layout plan images."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from decimal import Decimal, InvalidOperation

import dash_bootstrap_components as dbc
import flask
import orjson
from cachetools import LRUCache
from dash import Input, Output, State, ctx, html
from dash._utils import to_json
from dash.exceptions import PreventUpdate

from dashboard import auth, exports, format, shell
from dashboard.charts import FONT
from dashboard.components import feedback
from dashboard.db import database, reader
from dashboard.i18n import _, language
from data_layer import authz
from data_layer.commands import inventory as commands
from data_layer.errors import DomainError
from data_layer.queries import base as base_queries
from data_layer.queries import inventory as queries
from pages.inventory import ids
from pages.inventory.columns import RELEASE_COLUMNS

# Status colours: light enough for dark text, distinct for the colour-blind where possible.
STATUS_COLORS = {
    "unreleased": "#cfd4da",
    "available": "#7cc57f",
    "reserved": "#ffe082",
    "held": "#ffb74d",
    "subscribed": "#f48fb1",
    "contracted": "#e57373",
    "not_for_sale": "#9e9e9e",
    "sold": "#e57373",
    "closed": "#cfd4da",
}
DIM = "#f3f4f6"  # a unit outside the filters
# Drawn charts by (building, filters, language, precision, fingerprint): see sales_chart.
_CHART_CACHE: LRUCache = LRUCache(maxsize=64)
_CHART_LOCK = threading.Lock()


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _shown_token(version, filters) -> str:
    """The same in every process for the same drawing (no per-process hash())."""
    drawn_with = repr((version.fingerprint, filters, version.precision)).encode()
    return hashlib.blake2b(drawn_with, digest_size=16).hexdigest()  # ASCII: see _serialised


def chart_filters(layouts, orientations, statuses, area_min, area_max, price_min, price_max):
    wan = Decimal(10000)
    low, high = _decimal(price_min), _decimal(price_max)
    return queries.ChartFilters(
        layout_ids=tuple(int(x) for x in layouts or ()),
        orientations=tuple(orientations or ()),
        statuses=tuple(statuses or ()),
        area_min=_decimal(area_min),
        area_max=_decimal(area_max),
        price_min=low * wan if low is not None else None,
        price_max=high * wan if high is not None else None,
    )


def _serialised(value) -> orjson.Fragment:
    """A value as the JSON Dash would send for it, ready to be embedded in a response, in
    ASCII only (every other character as a \\u escape).

    Dash encodes responses with Plotly's orjson engine (orjson is a requirement), which copies a
    Fragment as it is; to_json has already escaped <, > and / as Plotly does for every
    response. ASCII because the response travels as bytes → str → bytes (Plotly decodes
    orjson's output, Flask encodes it again): for the 60 kB chart with Chinese labels that cost
    more than a tenth of a millisecond, where an ASCII-only response is copied as it is. JSON
    outside strings is ASCII, so escaping every other character anywhere is exact."""
    return orjson.Fragment(_NON_ASCII.sub(_escaped, to_json(value)))


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _escaped(match: re.Match) -> str:
    return json.dumps(match.group())[1:-1]  # \\uXXXX, astral characters as surrogate pairs


def cell_map(figure: dict) -> dict:
    """ "<floor label>|<column label>" → unit id: Dash's clickData of a heatmap carries x and y
    but not customdata, so the click is resolved through this map."""
    trace = figure["data"][0] if figure.get("data") else None
    if not trace:
        return {}
    out = {}
    for r, row in enumerate(trace["customdata"]):
        for c, cell in enumerate(row):
            if cell is not None:
                out[f"{trace['y'][r]}|{trace['x'][c]}"] = cell[0]
    return out


def chart_figure(chart: queries.Chart, fmt: format.Formatter, dimmed: bool) -> dict:
    """The chart as one heatmap (a dict figure): 320 cells cost ~25 kB instead of ~170 kB of
    html.Divs, and clicks arrive as clickData with the unit id in customdata."""
    order = [row.status for row in chart.legend]
    index = {status: i for i, status in enumerate(order)}
    n = len(order)
    columns = chart.columns
    col_index = {c: i for i, c in enumerate(columns)}
    floor_index = {f: i for i, f in enumerate(chart.floors)}
    rows, width = len(chart.floors), len(columns)
    z = [[None] * width for _ in range(rows)]
    text = [[""] * width for _ in range(rows)]
    custom = [[None] * width for _ in range(rows)]
    labels = {row.status: _(row.label) for row in chart.legend}
    for (
        uid,
        code,
        floor,
        section,
        position,
        status,
        gross,
        unit_price,
        total,
        _l,
        _o,
        match,
    ) in chart.units:
        r, c = floor_index[floor], col_index[(section, position)]
        value = index[status]
        if dimmed and not match:
            value += n
        z[r][c] = value
        room = code.rsplit("-", 1)[-1]
        area = fmt.area(gross)
        price = fmt.wan(total) if total is not None else ""
        text[r][c] = f"<b>{room}</b><br>{area}㎡<br>{price}"
        custom[r][c] = [
            uid,
            code,
            labels[status],
            area,
            fmt.unit_price(unit_price) if unit_price is not None else "—",
            fmt.amount(total) if total is not None else "—",
        ]
    # A stepped colour scale: value i (and i + n when dimmed) gets one flat colour.
    colors = [STATUS_COLORS.get(s, "#cccccc") for s in order] + [DIM] * n
    span = 2 * n - 1 if n > 1 else 1
    scale = []
    for i, color in enumerate(colors):
        scale.append([max(0.0, (i - 0.5) / span), color])
        scale.append([min(1.0, (i + 0.5) / span), color])
    scale[0][0], scale[-1][0] = 0.0, 1.0
    many_sections = len({s for s, _p in columns}) > 1
    x = [
        (_("{s}单元", s=s) + f"-{p:02d}") if many_sections else f"{p:02d}" + _("户")
        for s, p in columns
    ]
    y = [_("{f}层", f=f) for f in chart.floors]
    height = max(260, 46 * rows + 70)
    return {
        "data": [
            {
                "type": "heatmap",
                "z": z,
                "x": x,
                "y": y,
                "text": text,
                "customdata": custom,
                "texttemplate": "%{text}",
                "textfont": {"size": 11, "family": FONT, "color": "#1f2933"},
                "hovertemplate": (
                    "<b>%{customdata[1]}</b> %{customdata[2]}<br>"
                    + _("建筑面积")
                    + " %{customdata[3]}㎡<br>"
                    + _("表价")
                    + " %{customdata[4]}/㎡<br>"
                    + _("总价")
                    + " %{customdata[5]}<extra></extra>"
                ),
                "colorscale": scale,
                "zmin": 0,
                "zmax": span,
                "showscale": False,
                "xgap": 3,
                "ygap": 3,
                "hoverongaps": False,
            }
        ],
        "layout": {
            "font": {"family": FONT, "size": 12},
            "height": height,
            "margin": {"l": 56, "r": 8, "t": 36, "b": 8},
            "xaxis": {"side": "top", "fixedrange": True, "type": "category"},
            "yaxis": {"fixedrange": True, "type": "category", "autorange": "reversed"},
            "plot_bgcolor": "#fff",
            "paper_bgcolor": "#fff",
            "clickmode": "event",
        },
    }


def legend_table(chart: queries.Chart, fmt: format.Formatter) -> html.Div:
    cells = []
    for row in chart.legend:
        cells.append(
            html.Div(
                [
                    html.Span(
                        className="legend-swatch",
                        style={"background": STATUS_COLORS.get(row.status, "#ccc")},
                    ),
                    html.Strong(_(row.label), className="me-1"),
                    html.Span(_("{n} 套", n=row.count), className="me-1"),
                    html.Span(f"{fmt.area(row.area)}㎡", className="text-muted me-1"),
                    html.Span(fmt.wan(row.amount), className="text-muted"),
                ],
                className="legend-item",
                id=f"legend-{row.status}",
            )
        )
    through = chart.sell_through
    pct = lambda r: f"{(r * 100).quantize(Decimal('0.1'))}%"  # noqa: E731
    summary = html.Div(
        [
            html.Strong(_("去化率"), className="me-2"),
            html.Span(_("按套 {p}", p=pct(through["count"])), className="me-2", id="sell-count"),
            html.Span(_("按面积 {p}", p=pct(through["area"])), className="me-2"),
            html.Span(_("按金额 {p}", p=pct(through["amount"])), className="me-2"),
            html.Span(
                _(
                    "（已售 {s} / 已放盘 {r} 套）",
                    s=int(through["sold"]),
                    r=int(through["released"]),
                ),
                className="text-muted small",
            ),
        ],
        className="sell-through",
    )
    return html.Div([html.Div(cells, className="legend-row"), summary], className="chart-legend")


def virtual_legend(chart: queries.Chart, fmt: format.Formatter) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.Span(
                        className="legend-swatch",
                        style={"background": STATUS_COLORS.get(row.status, "#ccc")},
                    ),
                    html.Strong(_(row.label), className="me-1"),
                    html.Span(_("{n} 套", n=row.count)),
                ],
                className="legend-item",
            )
            for row in chart.legend
        ],
        className="legend-row",
    )


def _history_table(rows: list[dict], columns: list[tuple[str, str]]) -> html.Table | html.Div:
    if not rows:
        return html.Div(_("暂无"), className="text-muted small")
    return dbc.Table(
        [
            # No wrapping headers (操作人 broke in two in the narrow side panel).
            html.Thead(html.Tr([html.Th(_(h), className="text-nowrap") for _f, h in columns])),
            html.Tbody([html.Tr([html.Td(r.get(f, "")) for f, _h in columns]) for r in rows]),
        ],
        size="sm",
        className="small mb-2",
        striped=True,
    )


QUOTABLE = ("available", "reserved", "held")  # units a 置业计划书 may be made for


def sees_floor_price(user) -> bool:
    """底价 is for those who may approve a deal below it, as on the deal panel."""
    return authz.has(user, "deal.approve")


def unit_panel(
    detail: dict, fmt: format.Formatter, labels: dict, *, show_floor: bool = False
) -> list:
    def line(label, value):
        return html.Tr([html.Th(_(label), className="text-muted fw-normal"), html.Td(value)])

    status = detail["status"]
    plan = (
        html.Img(
            src=f"/plans/{detail['layout_id']}",
            alt=_("户型图"),
            className="img-fluid border rounded mb-2 plan-image",
            style={"maxHeight": "220px"},
        )
        if detail.get("plan_image")
        else html.Div(_("未上传户型图"), className="text-muted small mb-2")
    )
    statuses = [
        {
            "at": h["at"].strftime("%Y-%m-%d %H:%M"),
            "change": f"{_(h['from'])} → {_(h['to'])}",
            "user": h["user"],
            "note": h["note"],
        }
        for h in detail["status_history"][:10]
    ]
    prices = [
        {
            "at": h["at"].strftime("%Y-%m-%d"),
            "change": f"{fmt.unit_price(h['old_unit_price']) if h['old_unit_price'] else '—'}"
            f" → {fmt.unit_price(h['new_unit_price']) if h['new_unit_price'] else '—'}",
            "user": h["user"],
            "note": h["reason"],
        }
        for h in detail["price_history"][:10]
    ]
    return [
        html.Div(
            [
                html.H5(detail["code"], className="mb-0 me-2", id="unit-code"),
                html.Span(
                    _(detail["status_label"]),
                    style={"background": STATUS_COLORS.get(status, "#999"), "color": "#1f2933"},
                    className="badge me-2",
                    id="unit-status",
                ),
                dbc.Badge(_("虚拟已售"), color="dark") if detail["virtual_sold"] else None,
            ],
            className="d-flex align-items-center mb-1",
        ),
        html.Div(
            f"{detail['project']} · {detail['building']} · "
            + _("{s}单元 {f}层", s=detail["section"], f=detail["floor"]),
            className="text-muted small mb-2",
        ),
        plan,
        dbc.Table(
            html.Tbody(
                [
                    line("户型", detail["layout"] or "—"),
                    line(
                        "朝向",
                        labels["orientation"].get(detail["orientation"], detail["orientation"])
                        or "—",
                    ),
                    line("用途", labels["use"].get(detail["use"], detail["use"])),
                    line("建筑面积", f"{fmt.area(detail['gross_area'])} ㎡"),
                    line("套内面积", f"{fmt.area(detail['internal_area'])} ㎡"),
                    line("公摊面积", f"{fmt.area(detail['shared_area'])} ㎡"),
                    line(
                        "表价",
                        f"{fmt.unit_price(detail['list_unit_price'])} /㎡ · "
                        f"{fmt.amount(detail['list_total'])}"
                        if detail["list_total"] is not None
                        else "—",
                    ),
                    line(
                        "底价",
                        f"{fmt.unit_price(detail['floor_unit_price'])} /㎡ · "
                        f"{fmt.amount(detail['floor_total'])}"
                        if detail["floor_total"] is not None
                        else "—",
                    )
                    if show_floor
                    else None,
                    line("放盘批次", detail["release_batch"] or "—"),
                ]
            ),
            size="sm",
            className="small mb-2 unit-facts",
        ),
        html.H6(_("状态历史"), className="mt-2"),
        html.Div(
            _history_table(
                statuses,
                [("at", "时间"), ("change", "变化"), ("user", "操作人"), ("note", "说明")],
            ),
            id="unit-status-history",
        ),
        html.H6(_("价格历史"), className="mt-2"),
        html.Div(
            _history_table(
                prices,
                [("at", "日期"), ("change", "表价单价"), ("user", "操作人"), ("note", "原因")],
            ),
            id="unit-price-history",
        ),
    ]


def _code_labels() -> dict:
    session, lang = reader(), language()
    return {
        "orientation": base_queries.code_labels(session, "orientation", lang),
        "use": base_queries.code_labels(session, "use", lang),
    }


def register(app):
    server = app.server

    @server.get("/plans/<int:layout_id>")
    def plan_image(layout_id: int):
        """户型图: only for a logged-in user who may see the layout's project."""
        user = auth.viewer()
        if user is None:
            flask.abort(401)
        layout = base_queries.layout(reader(), user, layout_id)
        if layout is None or not layout.plan_image:
            flask.abort(404)
        settings = server.config["LOUPAN_SETTINGS"]
        folder = settings.instance_dir / "plans"
        response = flask.send_from_directory(folder, layout.plan_image, max_age=3600)
        response.headers["Cache-Control"] = "private, max-age=3600"
        response.headers["Content-Security-Policy"] = "default-src 'none'"
        return response

    @auth.callback(
        app,
        "inventory.view",
        Output(ids.BUILDING_SELECT, "options"),
        Output(ids.BUILDING_SELECT, "value"),
        Input(shell.PROJECT_SELECT, "value"),
        State(ids.BUILDING_SELECT, "value"),
        State(ids.URL_BUILDING, "data"),
    )
    def building_options(project_id, current, from_url, *, user):
        options = base_queries.building_options(reader(), user, project_id)
        values = [o["value"] for o in options]
        for wanted in (current, from_url):
            try:
                if wanted is not None and int(wanted) in values:
                    return options, int(wanted)
            except (TypeError, ValueError):
                continue
        return options, values[0] if values else None

    @auth.callback(
        app,
        "inventory.view",
        Output(ids.FILTER_LAYOUT, "options"),
        Output(ids.FILTER_ORIENTATION, "options"),
        Input(ids.BUILDING_SELECT, "value"),
    )
    def filter_options(building_id, *, user):
        session = reader()
        project_id = None
        if building_id:
            from data_layer.models import Building

            building = session.get(Building, int(building_id))
            project_id = building.project_id if building else None
        layouts = (
            [
                {"label": x.name, "value": x.id}
                for x in base_queries.layouts(session, user, project_id)
            ]
            if project_id
            else []
        )
        return layouts, base_queries.code_options(session, "orientation", language())

    @auth.callback(
        app,
        "inventory.view",
        Output(ids.FILTER_LAYOUT, "value"),
        Output(ids.FILTER_ORIENTATION, "value"),
        Output(ids.FILTER_STATUS, "value"),
        Output(ids.FILTER_AREA_MIN, "value"),
        Output(ids.FILTER_AREA_MAX, "value"),
        Output(ids.FILTER_PRICE_MIN, "value"),
        Output(ids.FILTER_PRICE_MAX, "value"),
        Input(ids.FILTER_RESET, "n_clicks"),
        prevent_initial_call=True,
    )
    def reset_filters(_n, *, user):
        return [], [], [], None, None, None, None

    @auth.callback(
        app,
        "inventory.view",
        Output(ids.CHART_GRAPH, "figure"),
        Output(ids.CHART_LEGEND, "children"),
        Output(ids.CHART_INFO, "children"),
        Output(ids.FINGERPRINT, "data"),
        Output(ids.CHART_CELLS, "data"),
        Input(ids.BUILDING_SELECT, "value"),
        Input(ids.FILTER_LAYOUT, "value"),
        Input(ids.FILTER_ORIENTATION, "value"),
        Input(ids.FILTER_STATUS, "value"),
        Input(ids.FILTER_AREA_MIN, "value"),
        Input(ids.FILTER_AREA_MAX, "value"),
        Input(ids.FILTER_PRICE_MIN, "value"),
        Input(ids.FILTER_PRICE_MAX, "value"),
        Input(ids.LIVE_INTERVAL, "n_intervals"),
        State(ids.FINGERPRINT, "data"),
    )
    def sales_chart(
        building_id,
        layouts,
        orientations,
        statuses,
        a_min,
        a_max,
        p_min,
        p_max,
        _tick,
        known,
        *,
        user,
    ):
        """Live: the 1-second tick only compares the building's fingerprint (one indexed read)
        and redraws only when a unit of the building changed, in any process."""
        if not building_id:
            return {"data": [], "layout": {"height": 300}}, None, _("请选择楼栋。"), None, {}
        session = reader()
        building_id = int(building_id)
        filters = chart_filters(layouts, orientations, statuses, a_min, a_max, p_min, p_max)
        try:
            version = queries.version(session, user, building_id)
        except DomainError as err:
            return {"data": [], "layout": {"height": 300}}, None, err.text(language()), None, {}
        # What the page shows: the units' fingerprint and the filters and precision it was
        # drawn with. A tick redraws whenever that differs from now, so a slow answer drawn
        # with older filters that lands after the newer one is corrected at the next tick.
        shown = _shown_token(version, filters)
        if ctx.triggered_id == ids.LIVE_INTERVAL and known == shown:
            raise PreventUpdate
        fmt = format.Formatter(version.precision)
        # Every open chart of a building draws the same thing until a unit changes: the drawn
        # outputs are kept per (building, filters, language, precision, fingerprint) and any
        # change in any process moves the fingerprint. Scope was checked by queries.version.
        key = (building_id, filters, language(), version.precision, version.fingerprint)
        with _CHART_LOCK:
            drawn = _CHART_CACHE.get(key)
        if drawn is None:
            try:
                chart = queries.chart(session, user, building_id, filters, known=version)
            except DomainError as err:
                return {"data": [], "layout": {"height": 300}}, None, err.text(language()), None, {}
            info = _("{name}：共 {n} 套", name=chart.building_name, n=chart.total)
            if filters.active:
                info += _("，符合筛选 {m} 套", m=chart.matched)
            figure = chart_figure(chart, fmt, filters.active)
            # Kept as the JSON the response carries (orjson fragments): a cache hit then
            # serialises nothing, where encoding and escaping the 60 kB figure cost more than
            # the SQL of the units.
            drawn = (
                _serialised(figure),
                _serialised(legend_table(chart, fmt)),
                _serialised(info),
                _serialised(cell_map(figure)),
            )
            with _CHART_LOCK:
                _CHART_CACHE[key] = drawn
        figure, legend, info, cells = drawn
        return figure, legend, info, shown, cells

    @auth.callback(
        app,
        "inventory.view",
        Output(ids.SELECTED_UNIT, "data"),
        Input(ids.CHART_GRAPH, "clickData"),
        State(ids.CHART_CELLS, "data"),
        prevent_initial_call=True,
    )
    def select_unit(click, cells, *, user):
        try:
            point = click["points"][0]
            return int((cells or {})[f"{point['y']}|{point['x']}"])
        except (TypeError, KeyError, IndexError, ValueError):
            raise PreventUpdate from None

    @auth.callback(
        app,
        "inventory.view",
        Output(ids.UNIT_DETAIL, "children"),
        Input(ids.SELECTED_UNIT, "data"),
        Input(ids.FINGERPRINT, "data"),
        prevent_initial_call=True,
    )
    def unit_detail(unit_id, _fingerprint, *, user):
        if not unit_id:
            raise PreventUpdate
        try:
            detail = queries.unit_detail(reader(), user, int(unit_id))
        except DomainError as err:
            return feedback(err.text(language()), ok=False)
        panel = unit_panel(
            detail, format.current(), _code_labels(), show_floor=sees_floor_price(user)
        )
        if authz.has(user, "quote.create") and detail["status"] in QUOTABLE:
            # 置业计划书 for this unit (the quotes area's form, unit preselected).
            panel.insert(
                2,
                html.A(
                    [html.I(className="bi bi-file-earmark-text me-1"), _("置业计划书")],
                    href=f"/plan/quote?unit={int(unit_id)}",
                    className="btn btn-outline-primary btn-sm mb-2",
                    id="unit-quote-link",
                ),
            )
        return panel

    # ------------------------------------------------------------------ virtual chart / release

    @auth.callback(
        app,
        "inventory.view",
        Output(ids.VIRTUAL_BUILDING, "options"),
        Output(ids.VIRTUAL_BUILDING, "value"),
        Input(shell.PROJECT_SELECT, "value"),
        State(ids.VIRTUAL_BUILDING, "value"),
    )
    def virtual_buildings(project_id, current, *, user):
        options = base_queries.building_options(reader(), user, project_id)
        values = [o["value"] for o in options]
        if current in values:
            return options, current
        return options, values[0] if values else None

    @auth.callback(
        app,
        "inventory.view",
        Output(ids.VIRTUAL_GRAPH, "figure"),
        Output(ids.VIRTUAL_LEGEND, "children"),
        Output(ids.RELEASE_GRID, "rowData"),
        Output(ids.VIRTUAL_FINGERPRINT, "data"),
        Input(ids.VIRTUAL_BUILDING, "value"),
        Input(ids.VIRTUAL_INTERVAL, "n_intervals"),
        Input(ids.RELEASE_FEEDBACK, "children"),
        State(ids.VIRTUAL_FINGERPRINT, "data"),
    )
    def virtual_chart(building_id, _tick, _feedback, known, *, user):
        if not building_id:
            return {"data": [], "layout": {"height": 300}}, None, [], None
        session = reader()
        version = queries.version(session, user, int(building_id))
        if ctx.triggered_id == ids.VIRTUAL_INTERVAL and known == version.fingerprint:
            raise PreventUpdate
        chart = queries.chart(session, user, int(building_id), virtual=True, known=version)
        fmt = format.Formatter(version.precision)
        labels = base_queries.code_labels(session, "orientation")
        frame = queries.units_frame(session, user, int(building_id), orientation_labels=labels)
        rows = format.grid_records(frame)
        return chart_figure(chart, fmt, False), virtual_legend(chart, fmt), rows, chart.fingerprint

    @auth.callback(
        app,
        "inventory.edit",
        Output(ids.RELEASE_FEEDBACK, "children"),
        Input(ids.RELEASE_BUTTON, "n_clicks"),
        Input(ids.WITHDRAW_BUTTON, "n_clicks"),
        Input(ids.VIRTUAL_SOLD_BUTTON, "n_clicks"),
        Input(ids.VIRTUAL_UNSOLD_BUTTON, "n_clicks"),
        Input(ids.NOT_FOR_SALE_BUTTON, "n_clicks"),
        State(ids.RELEASE_GRID, "selectedRows"),
        State(ids.RELEASE_BATCH, "value"),
        State(ids.WITHDRAW_REASON, "value"),
        prevent_initial_call=True,
    )
    def release_actions(_r, _w, _vs, _vu, _nfs, selected, batch, reason, *, user):
        unit_ids = [row["id"] for row in selected or []]
        action = ctx.triggered_id
        try:
            if action == ids.RELEASE_BUTTON:
                result = database().run(
                    commands.release_units, actor=user, unit_ids=unit_ids, batch_name=batch or ""
                )
                message = _("已放盘 {n} 套（批次：{b}）。", n=len(unit_ids), b=result.name)
            elif action == ids.WITHDRAW_BUTTON:
                n = database().run(
                    commands.withdraw_units, actor=user, unit_ids=unit_ids, reason=reason or ""
                )
                message = _("已撤盘 {n} 套。", n=n)
            elif action in (ids.VIRTUAL_SOLD_BUTTON, ids.VIRTUAL_UNSOLD_BUTTON):
                sold = action == ids.VIRTUAL_SOLD_BUTTON
                n = database().run(
                    commands.set_virtual_sold, actor=user, unit_ids=unit_ids, sold=sold
                )
                message = (
                    _("{n} 套在客户销控中显示为已售。", n=n)
                    if sold
                    else _("{n} 套恢复显示真实状态。", n=n)
                )
            elif action == ids.NOT_FOR_SALE_BUTTON:
                n = database().run(
                    commands.set_not_for_sale,
                    actor=user,
                    unit_ids=unit_ids,
                    not_for_sale=True,
                    reason=reason or "",
                )
                message = _("{n} 套设为不可售。", n=n)
            else:
                raise PreventUpdate
        except DomainError as err:
            return feedback(err.text(language()), ok=False)
        return feedback(message)

    @auth.callback(
        app,
        "inventory.edit",
        Output(ids.RELEASE_GRID, "selectedRows"),
        Input(ids.RELEASE_FEEDBACK, "children"),
        prevent_initial_call=True,
    )
    def clear_release_selection(message, *, user):
        """A done action unticks its units, so that the next one does not silently act on
        them again; after a refusal they stay ticked to try again."""
        if not isinstance(message, dict) or message.get("props", {}).get("color") != "success":
            raise PreventUpdate
        return []

    def release_rows(user, building_id):
        """The release grid's units, read again for the user (exact values)."""
        if not building_id:
            return None
        session = reader()
        labels = base_queries.code_labels(session, "orientation")
        try:
            frame = queries.units_frame(session, user, int(building_id), orientation_labels=labels)
        except DomainError:
            return None  # a building outside the user's projects: nothing to export
        return exports.exact_rows(frame)

    exports.register(
        app,
        "inventory.view",
        "units",
        ids.RELEASE_GRID,
        ids.RELEASE_EXPORT,
        ids.RELEASE_DOWNLOAD,
        release_rows,
        RELEASE_COLUMNS,
        "放盘管理",
        state=[State(ids.VIRTUAL_BUILDING, "value")],
    )
