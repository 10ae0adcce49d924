"""试算统计 (/plan/trials): the building choices, the statistics of the period (five bar charts,
the most tried units, the layouts' trials against their subscriptions) and both exports."""

from __future__ import annotations

from datetime import date, timedelta

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from dashboard import auth, charts, exports, format, shell
from dashboard.db import reader
from dashboard.i18n import _, language
from data_layer import localtime
from data_layer.errors import PermissionDenied
from data_layer.models import UnitStatus
from data_layer.queries import deals as deal_queries
from data_layer.queries import quote_trials as queries
from data_layer.queries.base import code_labels
from data_layer.queries.inventory import STATUS_LABELS
from pages.plan import trial_ids as ids

PERMISSION = queries.PERMISSION
DEFAULT_DAYS = 30
TRIAL_COLOR = charts.COLORS[0]
SAVED_COLOR = charts.COLORS[1]
SOLD_COLOR = charts.COLORS[2]
MAX_BARS = 12  # the charts show the most tried; the grid below lists every layout


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _id(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def period(project_id, start, end, building_id, band) -> queries.Period:
    """The screen's filters as a Period (a reversed range is put right; 30 days by default)."""
    end = _date(end) or localtime.today()
    start = _date(start) or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        start, end = end, start
    return queries.Period(
        start=start,
        end=end,
        project_id=_id(project_id),
        building_id=_id(building_id),
        band=band if band in ids.BAND_SIZES else queries.DEFAULT_BAND,
    )


# ---------------------------------------------------------------------------------- labels


def _orientations(session) -> dict[str, str]:
    return code_labels(session, "orientation", language())


def _orientation(labels: dict[str, str], code: str) -> str:
    return labels.get(code, code) if code else _("未设朝向")


def _layout(name: str) -> str:
    return name or _("未设户型")


def _band(low, high) -> str:
    if low is None or low != low:  # None or NaN: below ground
        return _("地下")
    return _("{low}–{high}层", low=int(low), high=int(high))


PARITY = {"odd": "奇数层", "even": "偶数层", "basement": "地下"}


# ------------------------------------------------------------------------------------ rows


def top_rows(session, user, p: queries.Period) -> list[dict]:
    """The most tried units with labels, exact Decimals (the export) — the grid formats them."""
    labels = _orientations(session)
    rows = []
    for row in exports.exact_rows(queries.top_units(session, user, p)):
        status = UnitStatus(row["status"])
        rows.append(
            {
                **row,
                "orientation_label": _orientation(labels, row["orientation"]),
                "layout": _layout(row["layout"]),
                "status_label": _(STATUS_LABELS[status]),
                "sold_label": _("是") if row["sold"] else _("否"),
            }
        )
    return rows


def layout_rows(session, user, p: queries.Period) -> list[dict]:
    frame = queries.by_layout(session, user, p)
    return [
        {
            "key": f"{row['project']}/{row['layout_id'] or '-'}",
            "project": row["project"],
            "layout": _layout(row["layout"]),
            "trials": int(row["trials"]),
            "saved": int(row["saved"]),
            "subscriptions": int(row["subscriptions"]),
            "conversion": row["conversion"],
        }
        for row in exports.exact_rows(frame)
    ]


# ---------------------------------------------------------------------------------- charts


def _bars(categories, counts, name, color, *, horizontal=False, **extra) -> dict:
    """Counts per category, labelled; horizontal bars put the categories on the y axis."""
    axis, value = ("y", "x") if horizontal else ("x", "y")
    return {
        "type": "bar",
        **({"orientation": "h"} if horizontal else {}),
        axis: categories,
        value: counts,
        "name": name,
        "marker": {"color": color},
        "text": counts,
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": f"%{{{axis}}}: %{{{value}}}<extra>" + name + "</extra>",
        **extra,
    }


def _chart(title: str, data: list[dict], **layout) -> dict:
    return charts.figure(
        data,
        title,
        yaxis={**charts.LAYOUT["yaxis"], "rangemode": "tozero", "tickformat": ",d"},
        xaxis={**charts.LAYOUT["xaxis"], "type": "category"},
        margin={"l": 45, "r": 15, "t": 45, "b": 40},
        bargap=0.35,
        **layout,
    )


def _blank(title: str, message: str) -> dict:
    """An empty chart keeps its title and says why it is empty."""
    figure = charts.empty(message)
    figure["layout"]["title"] = {"text": title, "x": 0.01, "font": {"size": 15}}
    return figure


def _simple(title: str, labels: list[str], counts: list[int], empty: str) -> dict:
    if not counts:
        return _blank(title, empty)
    bars = _bars(labels, counts, _("试算次数"), TRIAL_COLOR, width=_width(len(counts)))
    return _chart(title, [bars], showlegend=False)


def _width(count: int) -> float:
    """Bars as wide as with six categories: one or two bars do not fill the whole chart."""
    return round(0.65 * min(1, count / 6), 3)


def _ranked(title: str, data: list[dict], **layout) -> dict:
    """Long Chinese names (户型, 楼栋) read best as horizontal bars, the most tried on top."""
    return charts.figure(
        data,
        title,
        xaxis={**charts.LAYOUT["xaxis"], "rangemode": "tozero", "tickformat": ",d"},
        yaxis={
            **charts.LAYOUT["yaxis"],
            "type": "category",
            "autorange": "reversed",
            "ticksuffix": " ",
        },
        margin={"l": 10, "r": 30, "t": 45, "b": 30},
        bargap=0.3,
        uniformtext={"minsize": 10, "mode": "show"},  # thin grouped bars keep readable figures
        **layout,
    )


def _named(rows: list[dict], name: str) -> list[str]:
    """Names with their project when the rows come from more than one project."""
    several = len({r["project"] for r in rows}) > 1
    return [f"{r['project']} · {r[name]}" if several else r[name] for r in rows]


def layout_figure(rows: list[dict], empty: str) -> dict:
    rows = rows[:MAX_BARS]
    if not rows:
        return _blank(_("户型：试算次数与认购"), empty)
    names = _named(rows, "layout")
    rates = [f"{float(r['conversion']):.1%}" if r["conversion"] is not None else "—" for r in rows]
    return _ranked(
        _("户型：试算次数与认购"),
        [
            _bars(names, [r["trials"] for r in rows], _("试算次数"), TRIAL_COLOR, horizontal=True),
            _bars(
                names,
                [r["subscriptions"] for r in rows],
                _("认购（套）"),
                SOLD_COLOR,
                horizontal=True,
                customdata=rates,
                hovertemplate="%{y}: %{x} (" + _("认购/试算") + " %{customdata})<extra></extra>",
            ),
        ],
        barmode="group",
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
    )


def building_figure(rows: list[dict], empty: str) -> dict:
    rows = rows[:MAX_BARS]
    if not rows:
        return _blank(_("楼栋"), empty)
    counts = [r["trials"] for r in rows]
    return _ranked(
        _("楼栋"),
        [
            _bars(
                _named(rows, "building"),
                counts,
                _("试算次数"),
                TRIAL_COLOR,
                horizontal=True,
                width=_width(len(counts)),
            )
        ],
        showlegend=False,
    )


# ------------------------------------------------------------------------------- callbacks


def register(app):
    @auth.callback(
        app,
        PERMISSION,
        Output(ids.BUILDING, "options"),
        Output(ids.BUILDING, "value"),
        Input(shell.PROJECT_SELECT, "value"),
        State(ids.BUILDING, "value"),
    )
    def buildings(project_id, current, *, user):
        options = deal_queries.building_options(reader(), user, _id(project_id))
        return options, current if any(o["value"] == current for o in options) else None

    @auth.callback(
        app,
        PERMISSION,
        Output(ids.SUMMARY, "children"),
        Output(ids.EMPTY, "children"),
        Output(ids.LAYOUT_CHART, "figure"),
        Output(ids.ORIENTATION_CHART, "figure"),
        Output(ids.BAND_CHART, "figure"),
        Output(ids.PARITY_CHART, "figure"),
        Output(ids.BUILDING_CHART, "figure"),
        Output(ids.TOP_GRID, "rowData"),
        Output(ids.LAYOUT_GRID, "rowData"),
        Input(shell.PROJECT_SELECT, "value"),
        Input(ids.DATES, "start_date"),
        Input(ids.DATES, "end_date"),
        Input(ids.BUILDING, "value"),
        Input(ids.BAND, "value"),
    )
    def statistics(project_id, start, end, building_id, band, *, user):
        session = reader()
        p = period(project_id, start, end, building_id, band)
        try:
            trials, saved = queries.total(session, user, p)
        except PermissionDenied:
            refused = dbc.Alert(_("无权查看该项目的试算统计。"), color="warning", className="py-2")
            blank = charts.empty(_("无权查看"))
            return None, refused, blank, blank, blank, blank, blank, [], []
        days = f"{p.start.isoformat()} – {p.end.isoformat()}"
        summary = html.Div(
            [
                html.Span(days, className="text-muted me-3"),
                html.Strong(_("试算 {n} 次", n=trials)),
                html.Span(" · "),
                html.Span(_("其中保存计划书 {n} 份", n=saved)),
            ],
            className="small",
        )
        none = _("所选期间没有试算记录")
        if not trials:
            hint = dbc.Alert(
                [
                    html.Div(html.Strong(none + "。")),
                    html.Div(
                        _(
                            "置业顾问在“置业计划书”页面每点一次“试算”或保存一份计划书，"
                            "系统记录一次；请换一个日期范围或楼栋，或先去试算。"
                        )
                    ),
                    html.A(_("去试算"), href="/plan/quote", className="alert-link"),
                ],
                color="light",
                className="py-2 border",
            )
            return (
                summary,
                hint,
                layout_figure([], none),
                _simple(_("朝向"), [], [], none),
                _simple(_("楼层段"), [], [], none),
                _simple(_("奇偶楼层"), [], [], none),
                building_figure([], none),
                [],
                [],
            )
        labels = _orientations(session)
        orientation = queries.by_orientation(session, user, p)
        bands = queries.by_floor_band(session, user, p)
        parity = queries.by_parity(session, user, p)
        building = queries.by_building(session, user, p)
        layouts = layout_rows(session, user, p)
        tried = [r for r in layouts if r["trials"]]
        return (
            summary,
            None,
            layout_figure(tried, none),
            _simple(
                _("朝向"),
                [_orientation(labels, c) for c in orientation["orientation"]],
                orientation["trials"].tolist(),
                none,
            ),
            _simple(
                _("楼层段"),
                [_band(lo, hi) for lo, hi in zip(bands["low"], bands["high"], strict=True)],
                bands["trials"].tolist(),
                none,
            ),
            _simple(
                _("奇偶楼层"),
                [_(PARITY[v]) for v in parity["parity"]],
                parity["trials"].tolist(),
                none,
            ),
            building_figure(building.to_dict("records"), none),
            format.grid_records(top_rows(session, user, p)),
            format.grid_records(layouts),
        )

    state = [
        State(shell.PROJECT_SELECT, "value"),
        State(ids.DATES, "start_date"),
        State(ids.DATES, "end_date"),
        State(ids.BUILDING, "value"),
        State(ids.BAND, "value"),
    ]

    def _rows(read):
        def rows(user, *filters):
            try:
                return read(reader(), user, period(*filters))
            except PermissionDenied:
                return None

        return rows

    exports.register(
        app,
        PERMISSION,
        "quote_trials",
        ids.TOP_GRID,
        ids.TOP_EXPORT,
        ids.TOP_DOWNLOAD,
        _rows(top_rows),
        ids.top_columns,
        "试算最多的房间",
        state=state,
        key=("unit_id",),
        details=lambda user: {"personal_data": False},
        filename=lambda: f"quote-trials-units-{localtime.today():%Y%m%d}.xlsx",
    )
    exports.register(
        app,
        PERMISSION,
        "quote_trials_layouts",
        ids.LAYOUT_GRID,
        ids.LAYOUT_EXPORT,
        ids.LAYOUT_DOWNLOAD,
        _rows(layout_rows),
        ids.layout_columns,
        "户型试算与认购",
        state=state,
        key=("key",),
        details=lambda user: {"personal_data": False},
        filename=lambda: f"quote-trials-layouts-{localtime.today():%Y%m%d}.xlsx",
    )
