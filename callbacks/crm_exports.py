"""客户分析 grids to Excel as shown: the funnel's conversion rates, the customers of a clicked
stage (masked as in the grid, audited with whether personal data left) and the consultant
ranking. Each is read again through the grid's own query for the requesting user."""

from __future__ import annotations

from dash import State

from callbacks.crm import decorate, personal_data, records
from callbacks.crm_analytics import (
    FILTERS,
    clicked_stage,
    funnel_filter,
    funnel_table,
    stage_frame,
    translator,
)
from dashboard import exports
from dashboard.db import reader
from data_layer.queries import funnel as queries
from pages.crm import columns, ids
from pages.crm.labels import CUSTOMER_COLUMNS, FUNNEL_LABELS

FILTER_STATE = [State(i, p) for i, p in FILTERS]


def rate_rows(user, *values) -> list[dict]:
    """The conversion table under the funnel (the whole scope when the funnel is split)."""
    *filters, split = values
    split = split if split in queries.SPLITS else None
    counts = queries.stage_counts(reader(), user, funnel_filter(*filters), split)
    tr = translator()
    return funnel_table(counts, split, [tr(FUNNEL_LABELS[s]) for s in queries.STAGES])


def stage_rows(user, click, *filters) -> list[dict] | None:
    """The customers of the funnel segment last clicked, as the grid lists them (None: no
    stage chosen)."""
    chosen = clicked_stage(click)
    if chosen is None:
        return None
    frame = stage_frame(user, funnel_filter(*filters), *chosen)
    return decorate(records(frame, exact=True))


def ranking_rows(user, *filters) -> list[dict]:
    """The consultant ranking with its conversion rate as the grid shows it."""
    frame = queries.consultant_ranking(reader(), user, funnel_filter(*filters))
    rows = records(frame, exact=True)
    for row in rows:
        rate = row.pop("conversion")
        row["conversion_text"] = f"{rate}%" if rate is not None else "—"
    return rows


def register(app):
    exports.register(
        app,
        "crm.view",
        "funnel_rates",
        ids.AN_FUNNEL_TABLE,
        ids.AN_FUNNEL_TABLE_EXPORT,
        ids.AN_FUNNEL_TABLE_DOWNLOAD,
        rate_rows,
        columns.RATES,
        "漏斗转化率",
        state=[*FILTER_STATE, State(ids.AN_SPLIT, "value")],
        key=("stage",),
    )
    exports.register(
        app,
        "crm.customers",
        "funnel_stage_customers",
        ids.AN_STAGE_GRID,
        ids.AN_STAGE_EXPORT,
        ids.AN_STAGE_DOWNLOAD,
        stage_rows,
        CUSTOMER_COLUMNS,
        "阶段客户",
        state=[State(ids.AN_FUNNEL, "clickData"), *FILTER_STATE],
        details=personal_data,
    )
    exports.register(
        app,
        "crm.view",
        "consultant_ranking",
        ids.AN_RANKING_GRID,
        ids.AN_RANKING_EXPORT,
        ids.AN_RANKING_DOWNLOAD,
        ranking_rows,
        columns.RANKING,
        "置业顾问排行",
        state=FILTER_STATE,
        key=("consultant_id",),
    )
