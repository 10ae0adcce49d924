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

The grid's `columnState` (moved or hidden columns) decides the order and visibility when it is
sent; link columns (cellRenderer "markdown": 打开/查看) belong to the screen, not the file.
`register` wires the whole export of one grid (button, download, states) in one call.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence

from dash import Input, Output, State, html
from dash.exceptions import PreventUpdate

from dashboard import auth
from dashboard.components import export_button, export_columns
from dashboard.db import database
from dashboard.i18n import _
from data_layer import audit
from data_layer.excel.export import to_xlsx


def exact_rows(frame) -> list[dict]:
    """A query's frame as export records: exact Decimals and real dates, no NaN."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def shown_rows(records: list[dict], shown: list[dict] | None, key: Sequence[str] = ("id",)):
    """`records` in the grid's filter and sort order; `shown` is its virtualRowData (None: the
    grid never reported it, so every record). Rows match on the `key` fields."""
    if shown is None:
        return list(records)

    def of(row):
        return tuple(str(row.get(field)) for field in key)

    by_key = {of(r): r for r in records}
    return [by_key[of(r)] for r in shown if of(r) in by_key]


def shown_columns(column_defs: list[dict], column_state: list[dict] | None = None):
    """(field, header) of the grid's visible columns in its order: the column state (the user
    moved or hid columns) when the grid reported it, else the column definitions."""
    defs = [c for c in column_defs if c.get("field") and c.get("cellRenderer") != "markdown"]
    if column_state:
        by_id = {c.get("colId", c["field"]): c for c in defs}
        hide = {s["colId"]: bool(s.get("hide")) for s in column_state if s.get("colId") in by_id}
        order = list(hide) + [i for i in by_id if i not in hide]
        defs = [{**by_id[i], "hide": hide.get(i, by_id[i].get("hide"))} for i in order]
    return [(field, str(header).strip()) for field, header in export_columns(defs)]


_D3_FIXED = re.compile(r"d3\.format\('(,?)\.(\d)([f%])'\)")


def excel_format(column_def: dict) -> str | None:
    """The Excel number format of a grid column shown through d3 (",.2f" money → "#,##0.00",
    ",.0f" → "#,##0", ".1%" → "0.0%"): the file shows the places the screen shows, which follow
    数据设置. None: no number format (General)."""
    formatter = column_def.get("valueFormatter")
    text = formatter.get("function", "") if isinstance(formatter, dict) else ""
    found = _D3_FIXED.search(text or "")
    if not found:
        return None
    comma, places, kind = found.group(1), int(found.group(2)), found.group(3)
    decimals = "." + "0" * places if places else ""
    if kind == "%":
        return "0" + decimals + "%"
    return ("#,##0" if comma else "0") + decimals


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
    column_state: list[dict] | None = None,
    filename: str | None = None,
) -> dict:
    """The dcc.Download data of `what`.xlsx holding the grid as shown; the export is audited
    (as export.`what` with the row count and `details`, e.g. whether personal data left)."""
    rows = shown_rows(records, shown, key)
    defs = column_defs or default_columns
    formats = {c.get("field"): excel_format(c) for c in defs}
    columns = [(f, h, formats.get(f)) for f, h in shown_columns(defs, column_state)]
    content = to_xlsx(columns, rows, sheet)
    database().run(_record, actor=user, what=what, details={"rows": len(rows), **(details or {})})
    return {
        "content": base64.b64encode(content).decode(),
        "filename": filename or f"{what}.xlsx",
        "base64": True,
    }


def register(
    app,
    permission: str,
    what: str,
    grid: str,
    button: str,
    download: str,
    records,
    columns,
    sheet: str,
    state: Sequence[State] = (),
    key: Sequence[str] = ("id",),
    details=None,
    filename=None,
) -> None:
    """The export callback of one grid, under the grid's own `permission`: `records(user,
    *state values)` reads the grid's rows again through its query for the requesting user (None:
    nothing to export); `columns` are the grid's default column definitions (or a function
    returning them); `details(user)` adds to the audit entry; `filename()` names the file
    (default `what`.xlsx)."""

    @auth.callback(
        app,
        permission,
        Output(download, "data"),
        Input(button, "n_clicks"),
        *state,
        State(grid, "virtualRowData"),
        State(grid, "columnDefs"),
        State(grid, "columnState"),
        prevent_initial_call=True,
    )
    def export(_n, *values, user):
        *values, shown, column_defs, column_state = values
        rows = records(user, *values)
        if rows is None:
            raise PreventUpdate
        default = columns() if callable(columns) else columns
        default = [{**c, "headerName": _(c.get("headerName", c["field"]))} for c in default]
        return grid_xlsx(
            user,
            what,
            rows,
            shown,
            column_defs,
            default,
            _(sheet),
            key,
            details(user) if details else None,
            column_state,
            filename() if filename else None,
        )


def heading(title, button: str, download: str, class_name: str = "mt-3"):
    """A grid's title (text, or a component such as a title that callbacks rewrite) with its
    导出 Excel button at the right."""
    if isinstance(title, str):
        title = html.H2(title, className="h6 mb-0")
    return html.Div(
        [
            title,
            html.Div(export_button(button, download), className="ms-auto"),
        ],
        className=f"d-flex align-items-center mb-2 {class_name}",
    )
