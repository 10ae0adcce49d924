"""Export a grid to Excel as the user sees it: the rows that pass the grid's filters, in its sort
order, with its visible columns in their order and with their headers.

The grid's `virtualRowData` only names the rows (by a key); the values come from the query run
again for the same user, so the export has the grid's scope and exact Decimals, and a crafted
request cannot put foreign rows into a file. `to_xlsx` writes text beginning with = + - @ as text.

    @auth.callback(app, "x.view", Output(ids.DOWNLOAD, "data"), Input(ids.EXPORT, "n_clicks"),
                   State(ids.GRID, "virtualRowData"), State(ids.GRID, "columnDefs"),
                   prevent_initial_call=True)
    def export(_n, shown, column_defs, *, user):
        records = queries.things(reader(), user).to_dict("records")
        return exports.grid_xlsx(user, "things", records, shown, column_defs, COLUMNS, _("物件"))
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from dashboard.components import export_columns
from dashboard.db import database
from data_layer import audit
from data_layer.excel.export import to_xlsx


def shown_rows(records: list[dict], shown: list[dict] | None, key: Sequence[str] = ("id",)):
    """`records` in the grid's filter and sort order; `shown` is its virtualRowData (None: the
    grid never reported it, so every record). Rows match on the `key` fields."""
    if shown is None:
        return list(records)

    def of(row):
        return tuple(str(row.get(field)) for field in key)

    by_key = {of(r): r for r in records}
    return [by_key[of(r)] for r in shown if of(r) in by_key]


def _record(session, *, actor, what: str, details: dict) -> None:
    audit.record(session, actor, "export." + what, after=details)


def grid_xlsx(
    user,
    what: str,
    records: list[dict],
    shown: list[dict] | None,
    column_defs: list[dict] | None,
    default_columns: list[dict],
    sheet: str,
    key: Sequence[str] = ("id",),
    details: dict | None = None,
) -> dict:
    """The dcc.Download data of `what`.xlsx holding the grid as shown; the export is audited
    (as export.`what` with the row count and `details`, e.g. whether personal data left)."""
    rows = shown_rows(records, shown, key)
    content = to_xlsx(export_columns(column_defs or default_columns), rows, sheet)
    database().run(_record, actor=user, what=what, details={"rows": len(rows), **(details or {})})
    return {
        "content": base64.b64encode(content).decode(),
        "filename": f"{what}.xlsx",
        "base64": True,
    }
