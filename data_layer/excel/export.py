"""Write tables to .xlsx so that what the user saw is what they get, and nothing executes."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# A cell starting with one of these would be taken by a spreadsheet as a formula (CSV/formula
# injection): such values are written as plain text, never as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell_value(value):
    if value is None:
        return None
    if isinstance(value, (bool, int, Decimal, date, datetime)):
        return value
    if isinstance(value, float):
        return value
    return str(value)


def write_sheet(ws, columns: Sequence[tuple], rows: Iterable[dict]) -> int:
    """`columns`: (field, header) or (field, header, number format) — an Excel format such as
    "#,##0.00" for the numbers of that column, so that the file shows what the screen showed
    (the cell keeps the exact value)."""
    ws.append([column[1] for column in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    formats = {i: c[2] for i, c in enumerate(columns, start=1) if len(c) > 2 and c[2]}
    count = 0
    for row in rows:
        count += 1
        values = [_cell_value(row.get(column[0])) for column in columns]
        ws.append(values)
        for index, value in enumerate(values, start=1):
            if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
                cell = ws.cell(row=count + 1, column=index)
                cell.value = value
                cell.data_type = "s"  # stored as text: never evaluated as a formula
            elif index in formats and isinstance(value, (int, float, Decimal)):
                ws.cell(row=count + 1, column=index).number_format = formats[index]
    for index, (_, header, *_format) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(header) * 2 + 4))
    ws.freeze_panes = "A2"
    return count


def to_xlsx(columns: Sequence[tuple], rows: Iterable[dict], sheet: str = "Sheet1") -> bytes:
    """One sheet with a bold header row; `columns` are (field, header[, number format]) in
    display order (see write_sheet)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    write_sheet(ws, columns, rows)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
