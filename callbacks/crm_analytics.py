"""客户分析: funnel, trend, consultant ranking and lost reasons; filters mirrored in the URL."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import dash
from dash import Input, Output, State

from dashboard import auth, charts
from dashboard.db import reader
from dashboard.i18n import EN, _, language
from data_layer import authz
from data_layer.queries import crm as crm_queries
from data_layer.queries import funnel as queries
from pages.crm import ids
from pages.crm.labels import FUNNEL_LABELS

FILTERS = [
    (ids.AN_PROJECT, "value"),
    (ids.AN_DATES, "start_date"),
    (ids.AN_DATES, "end_date"),
    (ids.AN_CHANNEL, "value"),
    (ids.AN_CONSULTANT, "value"),
    (ids.AN_TEAM, "value"),
    (ids.AN_LEVEL, "value"),
    (ids.AN_CONTACT, "value"),
]
URL_KEYS = ["project", "start", "end", "channel", "consultant", "team", "level", "contact"]


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _day(value):
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def funnel_filter(project, start, end, channel, consultant, team, level, contact):
    return queries.FunnelFilter(
        project_id=_int(project),
        start=_day(start),
        end=_day(end),
        channel=channel or None,
        consultant_id=_int(consultant),
        team_id=_int(team),
        level=level or None,
        contact=contact if contact in ("visit", "call") else None,
    )


def translator():
    """_() with the viewer's language looked up once (a figure has many labels)."""
    if language() == "en":
        return lambda text: EN.get(text, text)
    return lambda text: text


def _percent(value) -> str:
    return f"{value}%" if value is not None else "—"


def _group_names(split, groups) -> dict:
    session = reader()
    if split == "channel":
        labels = crm_queries.code_labels(session, "channel", language())
        return {g: labels.get(g, g) or _("未填写") for g in groups}
    if split == "consultant":
        from data_layer.models import User

        return {g: (session.get(User, g).display_name if g else "") for g in groups}
    if split == "team":
        from data_layer.models import Team

        return {g: (session.get(Team, g).name if g else _("无团队")) for g in groups}
    if split == "level":
        return {g: g or _("未分级") for g in groups}
    return {None: _("全部")}


def funnel_figure(counts: dict, split, labels: list[str], tr, clickable: bool = True) -> dict:
    """A plotly funnel as a dict: one trace per group, [stage, split, group] in customdata so
    a click tells which stage of which group was meant. Not `clickable` (a viewer who may not
    list customers): clicks raise no event."""
    if not any(c["new"] for c in counts.values()):
        return charts.empty(tr("所选范围内没有客户"))
    names = _group_names(split, list(counts)) if split else {None: tr("全部")}
    data = [
        {
            "type": "funnel",
            "name": names.get(group, str(group)),
            "y": labels,
            "x": [c[stage] for stage in queries.STAGES],
            "customdata": [[stage, split, group] for stage in queries.STAGES],
            "textinfo": "value+percent previous" if not split else "value",
            "hovertemplate": "%{y}: %{x}<extra>%{fullData.name}</extra>",
            "connector": {"line": {"color": "#ccc"}},
        }
        for group, c in counts.items()
    ]
    return charts.figure(
        data,
        tr("销售漏斗（每一阶段含已进入后续阶段的客户）"),
        margin={"l": 110, "r": 20, "t": 40, "b": 30},
        showlegend=bool(split),
        funnelmode="stack",
        clickmode="event" if clickable else "none",
    )


def clicked_stage(click) -> tuple[str, str | None, object] | None:
    """(stage, split, group) of the funnel segment clicked (split None: the whole funnel);
    None when no stage is chosen."""
    points = (click or {}).get("points") or []
    data = points[0].get("customdata") if points else None
    if isinstance(data, list | tuple):
        stage, split, group = (*data, None, None)[:3]
    else:
        stage, split, group = data, None, None
    if stage not in queries.STAGES:
        return None
    if split not in queries.SPLITS:
        split, group = None, None
    return stage, split, group


def _empty(value) -> bool:
    return value is None or value == "" or value != value  # NaN from pandas


def stage_frame(user, f: queries.FunnelFilter, stage: str, split, group):
    """The customers behind a clicked segment: the stage, within the group of a split funnel.
    A named group narrows the filter; the empty group (未填写, 无团队, 未分级) is selected in
    SQL by queries.stage_customers(empty_group=...)."""
    narrowed = {
        "channel": "channel",
        "consultant": "consultant_id",
        "team": "team_id",
        "level": "level",
    }.get(split)
    if narrowed in ("consultant_id", "team_id"):
        group = _int(group)  # from the browser: a crafted value is no group, not an error
    elif narrowed and not _empty(group):
        group = str(group)
    if not narrowed:
        return queries.stage_customers(reader(), user, f, stage)
    if _empty(group):
        return queries.stage_customers(reader(), user, f, stage, empty_group=split)
    return queries.stage_customers(
        reader(), user, dataclasses.replace(f, **{narrowed: group}), stage
    )


def funnel_table(counts: dict, split, labels: list[str]) -> list[dict]:
    """The conversion rates as grid rows (the whole scope when the funnel is split)."""
    if split:
        total = {s: sum(c[s] for c in counts.values()) for s in queries.STAGES}
    else:
        total = counts[None]
    return [
        {
            "stage": label,
            "customers": row["customers"],
            "rate_previous": _percent(row["rate_previous"]),
            "rate_first": _percent(row["rate_first"]),
        }
        for label, row in zip(labels, queries.funnel_rows(total), strict=True)
    ]


def register(app):
    inputs = [Input(i, p) for i, p in FILTERS]

    # The filters are written into the address bar (no reload) so the view can be shared.
    app.clientside_callback(
        """
        function(...values) {
            const keys = KEYS;
            const grain = values[keys.length];
            const split = values[keys.length + 1];
            const params = new URLSearchParams();
            keys.forEach((k, i) => {
                const v = values[i];
                if (v !== null && v !== undefined && v !== '') params.set(k, v);
            });
            if (split) params.set('split', split);
            if (grain) params.set('grain', grain);
            const url = window.location.pathname + '?' + params.toString();
            window.history.replaceState(window.history.state, '', url);
            return url;
        }
        """.replace("KEYS", json.dumps(URL_KEYS)),
        Output(ids.AN_URL_SINK, "data"),
        *inputs,
        Input(ids.AN_GRAIN, "value"),
        Input(ids.AN_SPLIT, "value"),
    )

    @auth.callback(
        app,
        "crm.view",
        Output(ids.AN_FUNNEL, "figure"),
        Output(ids.AN_FUNNEL_TABLE, "rowData"),
        Output(ids.AN_FUNNEL, "clickData"),
        *inputs,
        Input(ids.AN_SPLIT, "value"),
    )
    def funnel(*values, user):
        *filters, split = values
        split = split if split in queries.SPLITS else None
        counts = queries.stage_counts(reader(), user, funnel_filter(*filters), split, parallel=True)
        tr = translator()
        labels = [tr(FUNNEL_LABELS[s]) for s in queries.STAGES]
        # Only a viewer who may list customers has the stage list (the layout has no grid for
        # the others): the funnel is clickable for them, and a change of the filters forgets
        # the stage clicked, which empties the list (it showed the old filters' customers).
        listing = authz.has(user, "crm.customers")
        forget = None if listing and dash.ctx.triggered_id is not None else dash.no_update
        return (
            funnel_figure(counts, split, labels, tr, clickable=listing),
            funnel_table(counts, split, labels),
            forget,
        )

    @auth.callback(
        app,
        "crm.customers",
        Output(ids.AN_STAGE_GRID, "rowData"),
        Output(ids.AN_STAGE_TITLE, "children"),
        Input(ids.AN_FUNNEL, "clickData"),
        *[State(i, p) for i, p in FILTERS],
        prevent_initial_call=True,
    )
    def stage_list(click, *filters, user):
        from callbacks.crm import decorate, records

        chosen = clicked_stage(click)
        if chosen is None:
            return [], _("点击漏斗的某一阶段，查看该阶段的客户")
        stage, split, group = chosen
        frame = stage_frame(user, funnel_filter(*filters), stage, split, group)
        label = _(FUNNEL_LABELS[stage])
        if split:
            label += "（" + _group_names(split, [group]).get(group, str(group)) + "）"
        title = _("{stage}：{n} 位客户", stage=label, n=len(frame))
        return decorate(records(frame)), title

    @auth.callback(
        app,
        "crm.view",
        Output(ids.AN_TREND, "figure"),
        *inputs,
        Input(ids.AN_GRAIN, "value"),
    )
    def trend(*values, user):
        *filters, grain = values
        grain = grain if grain in queries.GRAINS else "week"
        frame = queries.trend(reader(), user, funnel_filter(*filters), grain)
        if frame.empty or int(frame["total"].sum()) == 0:
            return charts.empty(_("所选范围内没有新增客户"))
        x = [d.isoformat() for d in frame["period"]]
        data = [
            {"type": "bar", "name": _("来访"), "x": x, "y": [int(v) for v in frame["visit"]]},
            {"type": "bar", "name": _("来电"), "x": x, "y": [int(v) for v in frame["call"]]},
        ]
        title = {
            "day": "每日新增来访与来电",
            "week": "每周新增来访与来电",
            "month": "每月新增来访与来电",
        }[grain]
        return charts.figure(
            data,
            _(title),
            barmode="stack",
            xaxis={**charts.LAYOUT["xaxis"], "type": "category" if grain != "day" else "date"},
        )

    @auth.callback(
        app,
        "crm.view",
        Output(ids.AN_RANKING, "figure"),
        Output(ids.AN_RANKING_GRID, "rowData"),
        Output(ids.AN_LOST, "figure"),
        *inputs,
    )
    def ranking_and_lost(*filters, user):
        f = funnel_filter(*filters)
        session = reader()
        ranking = queries.consultant_ranking(session, user, f)
        rows = []
        for row in ranking.to_dict("records"):
            row = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            row["conversion_text"] = _percent(row["conversion"])
            row.pop("conversion")
            rows.append(row)
        if rows:
            top = rows[:10][::-1]
            names = [r["consultant"] for r in top]
            ranking_fig = charts.figure(
                [
                    {
                        "type": "bar",
                        "orientation": "h",
                        "name": _("新增来访来电"),
                        "y": names,
                        "x": [r["new"] for r in top],
                    },
                    {
                        "type": "bar",
                        "orientation": "h",
                        "name": _("机会客户"),
                        "y": names,
                        "x": [r["opportunity"] for r in top],
                    },
                    {
                        "type": "bar",
                        "orientation": "h",
                        "name": _("认购"),
                        "y": names,
                        "x": [r["subscribed"] for r in top],
                    },
                ],
                _("置业顾问排行（前 10 名）"),
                barmode="group",
                yaxis={**charts.LAYOUT["yaxis"], "type": "category", "dtick": 1},
                margin={"l": 90, "r": 20, "t": 40, "b": 40},
            )
        else:
            ranking_fig = charts.empty(_("所选范围内没有客户"))
        lost = queries.lost_reasons(session, user, f)
        if lost.empty:
            lost_fig = charts.empty(_("所选期间没有流失客户"))
        else:
            labels = crm_queries.code_labels(session, "lost_reason", language())
            lost = lost.iloc[::-1]
            lost_fig = charts.figure(
                [
                    {
                        "type": "bar",
                        "orientation": "h",
                        "y": [labels.get(r, r) or _("未填写") for r in lost["reason"]],
                        "x": [int(v) for v in lost["customers"]],
                        "text": [_percent(s) for s in lost["share"]],
                        "textposition": "auto",
                        "marker": {"color": charts.COLORS[3]},
                        "hovertemplate": "%{y}: %{x}<extra></extra>",
                    }
                ],
                _("流失原因"),
                margin={"l": 110, "r": 20, "t": 40, "b": 40},
                showlegend=False,
            )
        return ranking_fig, rows, lost_fig
