"""Excel import framework: declare columns once, get a template, per-cell and per-row
validation that collects every error, and an all-or-nothing write.

An area declares an `ImportSpec` (columns with a Chinese header, a type and limits, optional row
validator, duplicate keys, a check against the database and a writer). Then:

    template_xlsx(spec, session, context)           -> bytes of a template to fill in
    result = run_import(db, spec, content, actor=user, context={...}, progress=hook)
    if not result.ok: errors_xlsx(result.errors)    -> the error table as Excel

Uploads are read with python-calamine (about 15x faster than openpyxl); openpyxl only writes.
Nothing in a cell is ever evaluated: formulas are not computed by calamine (a formula cell
reads as its cached value or empty; python-calamine 0.9 does not tell a formula without a
cached value from an empty cell, so such a cell imports as empty) and text beginning with
= + - @ is stored neutralised with a leading apostrophe, so that no spreadsheet ever takes it
for a formula again.
"""

from __future__ import annotations

import gc
import io
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import repeat
from operator import itemgetter
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import DomainError
from .export import FORMULA_PREFIXES, write_sheet

__all__ = [
    "Column",
    "ImportResult",
    "ImportSpec",
    "Parsed",
    "RowError",
    "Rows",
    "code_choices",
    "errors_xlsx",
    "neutralise",
    "parse",
    "read_table",
    "run_import",
    "template_xlsx",
]

TYPES = ("text", "int", "decimal", "date", "choice", "bool")
# Header row is row 1 of the sheet: the first data row is Excel row 2, as the user sees it.
FIRST_DATA_ROW = 2
MAX_ROWS = 200_000
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "有"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "无", ""}

Progress = Callable[[int, int, str], None]  # (done, total, stage) → None


@dataclass(frozen=True)
class RowError:
    """One problem: the Excel row number (header = 1), the column header and a message in
    Chinese, with its English twin (empty: the Chinese is shown in both languages)."""

    row: int
    column: str
    message: str
    message_en: str = ""

    def text(self, language: str = "zh") -> str:
        """The message in a language ("zh" or "en")."""
        return (self.message_en or self.message) if language == "en" else self.message

    def as_dict(self, language: str = "zh") -> dict:
        return {"row": self.row, "column": self.column, "message": self.text(language)}


@dataclass(frozen=True)
class Column:
    """One column of an import: header in Chinese, the field it fills and how it is checked.

    type: text | int | decimal | date | choice | bool.
    choices: for "choice", a mapping of accepted cell text → stored value, or a callable
      (session, context) → such mapping (e.g. `code_choices("orientation")` from the code
      dictionary). Both the label and the code are usually accepted.
    places: decimals allowed for "decimal" (more digits are refused, not silently rounded).
    unique: no two rows of the file may repeat this value (case-insensitive for text).
    """

    header: str
    field: str
    type: str = "text"
    required: bool = False
    min: Decimal | int | date | None = None
    max: Decimal | int | date | None = None
    max_length: int | None = None
    places: int | None = None
    choices: Mapping[str, Any] | Callable[[Session | None, dict], Mapping[str, Any]] | None = None
    unique: bool = False
    default: Any = None
    help: str = ""
    example: Any = None
    width: int | None = None

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"unknown column type {self.type!r}")


RowValidator = Callable[[dict, dict], Iterable[tuple[str, str]]]
DbCheck = Callable[[Session, list[dict], dict], Iterable[RowError]]
Writer = Callable[..., int]


@dataclass(frozen=True)
class ImportSpec:
    """What an import accepts and how it is written.

    row_validator(values, context) yields (column header, message) or (column header, message,
      English message) for a row whose cells are each valid but that is wrong as a whole (e.g.
      internal area larger than gross area).
    unique_together: tuples of fields that must not repeat within the file.
    db_check(session, rows, context) yields RowError for rows that conflict with the database
      (duplicate codes, unknown buildings…); rows carry their Excel row number in "_row".
    writer(session, rows, *, actor, context, progress) writes everything in the caller's
      transaction and returns the number of rows written; it may raise DomainError.
    check_rows_with_errors: the row validator, the checks across rows and db_check also see the
      rows that already have errors (a bad cell, a repeated key), so that one upload lists every
      error of every row. In such a row a cell that failed its own check holds None and the
      row's "_bad" holds the fields of those cells (a check that needs one of them skips it);
      only the rows without any error are in Parsed.rows (and reach the writer). A message of
      the validator or db_check about a (row, column) already reported is left out. Off: those
      checks only see the rows that have no error yet.
    """

    name: str
    columns: Sequence[Column]
    writer: Writer | None = None
    row_validator: RowValidator | None = None
    unique_together: Sequence[tuple[str, ...]] = ()
    db_check: DbCheck | None = None
    instructions: Sequence[str] = ()
    permission: str | None = None
    check_rows_with_errors: bool = False

    def column(self, field_name: str) -> Column:
        for col in self.columns:
            if col.field == field_name:
                return col
        raise KeyError(field_name)

    def header_of(self, field_name: str) -> str:
        try:
            return self.column(field_name).header
        except KeyError:
            return field_name


class Rows(list):
    """The valid rows of a file: dicts (field → value, "_row" → the Excel row), as a list. The
    same values are also held column by column in `columns` (field → list in row order, "_row"
    included), so that a check or writer working on columns need not read them out of every
    dict again. `columns` is what parse() produced: changes made to the dicts are not in it."""

    columns: dict[str, list]

    def __init__(self, rows: Iterable[dict] = (), columns: dict[str, list] | None = None):
        super().__init__(rows)
        self.columns = columns if columns is not None else {}


@dataclass
class Parsed:
    rows: list[dict] = field(default_factory=Rows)
    errors: list[RowError] = field(default_factory=list)
    neutralised: int = 0  # text cells that began with = + - @

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportResult:
    ok: bool
    total: int  # data rows in the file
    written: int
    errors: list[RowError]
    neutralised: int = 0

    def error_records(self, language: str = "zh") -> list[dict]:
        return [e.as_dict(language) for e in self.errors]


class ImportRejected(DomainError):
    """Raised inside the write transaction to roll everything back."""


# ---------------------------------------------------------------------------------------------
# Reading


def neutralise(text: str) -> str:
    """Text that a spreadsheet would take for a formula gets a leading apostrophe (OWASP)."""
    if text and text[0] in FORMULA_PREFIXES:
        return "'" + text
    return text


def read_table(content: bytes, sheet: str | int = 0) -> list[list]:
    """All rows of a sheet (header first) via python-calamine; cells are never evaluated."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception as err:  # calamine raises several kinds for a bad file
        raise DomainError(
            "无法读取该文件，请上传 Excel 文件（.xlsx / .xls）。",
            "The file cannot be read; upload an Excel file (.xlsx / .xls).",
        ) from err
    try:
        if isinstance(sheet, str) and sheet in workbook.sheet_names:
            ws = workbook.get_sheet_by_name(sheet)
        else:
            ws = workbook.get_sheet_by_index(0)
        return ws.to_python(skip_empty_area=False)
    finally:
        workbook.close()


def code_choices(category: str) -> Callable[[Session | None, dict], Mapping[str, str]]:
    """Choices from the code dictionary (代码设置): label or code → code, active items only."""

    def load(session: Session | None, _context: dict) -> Mapping[str, str]:
        from ..models import CodeItem

        if session is None:
            return {}
        mapping: dict[str, str] = {}
        items = session.execute(
            select(CodeItem.code, CodeItem.label)
            .where(CodeItem.category == category, CodeItem.active.is_(True))
            .order_by(CodeItem.sort, CodeItem.id)
        ).all()
        for code, label in items:
            mapping[label] = code
            mapping.setdefault(code, code)
        return mapping

    load.category = category  # type: ignore[attr-defined]
    return load


def _resolve_choices(col: Column, session: Session | None, context: dict) -> Mapping[str, Any]:
    if col.choices is None:
        return {}
    if callable(col.choices):
        return col.choices(session, context)
    return col.choices


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _limit_text(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def _make_converter(col: Column, choices: Mapping[str, Any]):
    """A function cell → (value, None) or (None, (Chinese message, English message)), compiled
    once per column."""
    header = col.header
    required = col.required
    lo, hi = col.min, col.max

    def bounds(value):
        if lo is not None and value < lo:
            return f"不能小于 {_limit_text(lo)}", f"Must not be less than {_limit_text(lo)}"
        if hi is not None and value > hi:
            return f"不能大于 {_limit_text(hi)}", f"Must not be more than {_limit_text(hi)}"
        return None

    def empty():
        if required:
            return None, (f"「{header}」必填", f"“{header}” is required")
        return col.default, None

    if col.type == "text":
        max_length = col.max_length

        def convert(cell):
            if cell is None or cell == "":
                return empty()
            text = cell.strip() if isinstance(cell, str) else _cell_text(cell)
            if not text:
                return empty()
            if max_length is not None and len(text) > max_length:
                return None, (
                    f"超过 {max_length} 个字符",
                    f"Longer than {max_length} characters",
                )
            return text, None

        convert.plain_text = True  # type: ignore[attr-defined]  # see _convert_column
        convert.max_length = max_length  # type: ignore[attr-defined]

    elif col.type == "int":

        def convert(cell):
            if cell is None or cell == "":
                return empty()
            if isinstance(cell, bool):
                return None, ("应为整数", "Must be a whole number")
            if isinstance(cell, int):
                value = cell
            elif isinstance(cell, float):
                if not cell.is_integer():
                    return None, (
                        f"应为整数，而不是 {cell!r}",
                        f"Must be a whole number, not {cell!r}",
                    )
                value = int(cell)
            else:
                text = str(cell).strip().replace(",", "")
                if not text:
                    return empty()
                try:
                    value = int(text)
                except ValueError:
                    return None, (
                        f"应为整数，而不是「{cell}」",
                        f"Must be a whole number, not “{cell}”",
                    )
            problem = bounds(value)
            return (None, problem) if problem else (value, None)

    elif col.type == "decimal":
        quantum = Decimal(1).scaleb(-col.places) if col.places is not None else None
        places = col.places

        def convert(cell):
            if cell is None or cell == "":
                return empty()
            if isinstance(cell, bool):
                return None, ("应为数字", "Must be a number")
            try:
                if isinstance(cell, float):
                    # Fast path (most numeric cells): the float's shortest repr is what was typed.
                    if places is not None and round(cell, places) != cell:
                        return None, (f"最多 {places} 位小数", f"At most {places} decimals")
                    value = Decimal(int(cell)) if cell.is_integer() else Decimal(repr(cell))
                    problem = (
                        bounds(value) if value.is_finite() else ("应为数字", "Must be a number")
                    )
                    return (None, problem) if problem else (value, None)
                elif isinstance(cell, int):
                    value = Decimal(cell)
                else:
                    text = str(cell).strip().replace(",", "").replace("，", "")
                    if not text:
                        return empty()
                    value = Decimal(text)
            except InvalidOperation:
                return None, (f"应为数字，而不是「{cell}」", f"Must be a number, not “{cell}”")
            if not value.is_finite():
                return None, (f"应为数字，而不是「{cell}」", f"Must be a number, not “{cell}”")
            if quantum is not None and value != value.quantize(quantum, rounding=ROUND_HALF_UP):
                return None, (f"最多 {col.places} 位小数", f"At most {col.places} decimals")
            problem = bounds(value)
            return (None, problem) if problem else (value, None)

    elif col.type == "date":

        def convert(cell):
            if cell is None or cell == "":
                return empty()
            if isinstance(cell, datetime):
                value = cell.date()
            elif isinstance(cell, date):
                value = cell
            else:
                text = str(cell).strip().replace("/", "-").replace(".", "-")
                if not text:
                    return empty()
                try:
                    value = date.fromisoformat(text[:10]) if len(text) >= 8 else None
                except ValueError:
                    value = None
                if value is None:
                    return None, (
                        f"应为日期（如 2026-03-01），而不是「{cell}」",
                        f"Must be a date (like 2026-03-01), not “{cell}”",
                    )
            problem = bounds(value)
            return (None, problem) if problem else (value, None)

    elif col.type == "choice":
        lowered = {str(k).strip().lower(): v for k, v in choices.items()}
        shown_keys = list(dict.fromkeys(str(k) for k in choices))[:12]
        shown, shown_en = "、".join(shown_keys), ", ".join(shown_keys)

        def convert(cell):
            text = _cell_text(cell)
            if not text:
                return empty()
            try:
                return lowered[text.lower()], None
            except KeyError:
                return None, (
                    f"「{text}」不是可选值（可选：{shown}）",
                    f"“{text}” is not one of the choices ({shown_en})",
                )

    else:  # bool

        def convert(cell):
            if isinstance(cell, bool):
                return cell, None
            text = _cell_text(cell).lower()
            if text in TRUE_WORDS:
                return True, None
            if text in FALSE_WORDS:
                if not text and required:
                    return empty()
                return False if text else col.default, None
            return None, (
                f"应填「是」或「否」，而不是「{cell}」",
                f"Must be “是” (yes) or “否” (no), not “{cell}”",
            )

    return convert


class _Converted(dict):
    """A column's conversions by cell value (see _convert_column)."""

    def __init__(self, convert):
        super().__init__()
        self.convert = convert

    def __missing__(self, cell):
        result = self[cell] = self.convert(cell)
        return result


_FIRST = itemgetter(0)  # a (value, problem) pair's value; a row's first cell


def _convert_column(convert, cells: list) -> tuple[list, list[tuple] | None]:
    """The converted value of every cell, and every cell's (value, problem) when any cell has
    a problem (None when all converted cleanly, the usual case).

    Each distinct value is converted once. Python's equal keys True == 1 == 1.0 would share an
    entry, so a column holding booleans (which convert differently) is converted cell by cell;
    NaN never equals itself and is simply converted each time (every result still lands in the
    memo, which is where problems are looked for)."""
    types = set(map(type, cells))
    if types == {str} and getattr(convert, "plain_text", False):
        # Text cells (codes, names): usually all distinct, so no memo; stripped in C, and
        # converted one by one only if some cell is empty or too long.
        values = list(map(str.strip, cells))
        longest = sys.maxsize if convert.max_length is None else convert.max_length
        if min(map(len, values), default=1) and max(map(len, values), default=0) <= longest:
            return values, None
    if bool in types:
        results = [convert(cell) for cell in cells]
        outcomes: Iterable[tuple] = results
    else:
        memo = _Converted(convert)
        results = list(map(memo.__getitem__, cells))
        outcomes = memo.values()
    values = list(map(_FIRST, results))
    if any(problem is not None for _value, problem in outcomes):
        return values, results
    return values, None


def _blank_offsets(data: list[list], width: int) -> set[int]:
    """Offsets of the rows whose cells are all empty. A blank row has an empty first cell, so
    rows are only scanned when some first cell is empty."""
    if width:
        firsts = set(map(_FIRST, data))
        if None not in firsts and "" not in firsts:
            return set()
    return {
        offset
        for offset, cells in enumerate(data)
        if cells.count("") + cells.count(None) == len(cells)
    }


def _repeats(keys: list, skip: Callable[[Any], bool]) -> Iterator[tuple[int, int]]:
    """(index, index of the first occurrence) of each key met again, in order; keys for which
    skip(key) is true are left out. Keys seldom repeat: when they are all distinct (one set
    built in C) nothing is looped over in Python."""
    if len(set(keys)) == len(keys):
        return
    seen: dict = {}
    for index, key in enumerate(keys):
        if skip(key):
            continue
        first = seen.setdefault(key, index)
        if first != index:
            yield index, first


def _is_none(key) -> bool:
    return key is None


def _has_none(key: tuple) -> bool:
    return any(part is None for part in key)


def _normal_header(text) -> str:
    return _cell_text(text).replace("*", "").replace("＊", "").strip()


def parse(
    spec: ImportSpec,
    content: bytes | list[list],
    *,
    session: Session | None = None,
    context: dict | None = None,
    progress: Progress | None = None,
) -> Parsed:
    """Read and validate every cell and row; collect all errors (none is fatal on its own)."""
    context = dict(context or {})
    table = read_table(content) if isinstance(content, bytes | bytearray) else content
    out = Parsed()
    if not table:
        out.errors.append(
            RowError(
                1,
                "",
                "文件是空的：第 1 行应为表头",
                "The file is empty: row 1 should hold the headers",
            )
        )
        return out
    header_row = [_normal_header(h) for h in table[0]]
    positions: dict[str, int] = {}
    for index, text in enumerate(header_row):
        if text and text not in positions:
            positions[text] = index
    missing = [c.header for c in spec.columns if c.required and c.header not in positions]
    for header in missing:
        out.errors.append(
            RowError(
                1,
                header,
                f"缺少必填列「{header}」，请使用下载的模板",
                f"The required column “{header}” is missing; use the downloaded template",
            )
        )
    if missing:
        return out
    data = table[1:]
    # Trailing rows that are entirely empty (formatting left behind) are not data.
    while data and all(c is None or c == "" for c in data[-1]):
        data.pop()
    total = len(data)
    if total > MAX_ROWS:
        out.errors.append(
            RowError(
                1,
                "",
                f"一次最多导入 {MAX_ROWS} 行，本文件有 {total} 行",
                f"At most {MAX_ROWS} rows can be imported at once; this file has {total}",
            )
        )
        return out

    present = [(c, positions[c.header]) for c in spec.columns if c.header in positions]
    absent = [c for c in spec.columns if c.header not in positions]
    converters = [
        (
            c.field,
            c.header,
            index,
            _make_converter(c, _resolve_choices(c, session, context)),
            c.type == "text",
        )
        for c, index in present
    ]
    errors = out.errors
    neutralised = 0
    check_all = spec.check_rows_with_errors

    # Column by column: each column's cells are converted through a memo (areas, prices,
    # floors and dictionary values repeat a lot, and a dict lookup in C costs far less than a
    # conversion); the checks across rows then read whole columns, and a row's dict is only
    # built for a row whose every cell is valid (or, with check_rows_with_errors, for every
    # row that is not blank). Errors are kept per row, so that the report lists them in row
    # order and, within a row, in the order the checks run.
    width = min(map(len, data), default=0)  # every row has at least this many cells
    blank = _blank_offsets(data, width)
    problems: dict[int, list[RowError]] = {}  # offset → its errors
    bad: dict[int, set[str]] = {}  # offset → the fields of its cells with a problem
    by_field: dict[str, list] = {}
    for number, (field_name, header, index, convert, is_text) in enumerate(converters):
        if progress is not None:
            progress(total * number // len(converters), total, "validate")
        if index < width:
            cells = list(map(itemgetter(index), data))
        else:
            cells = [row[index] if index < len(row) else None for row in data]
        values, results = _convert_column(convert, cells)
        if results is not None:
            for offset, (_value, problem) in enumerate(results):
                if problem is not None and offset not in blank:
                    problems.setdefault(offset, []).append(
                        RowError(offset + FIRST_DATA_ROW, header, *problem)
                    )
                    bad.setdefault(offset, set()).add(field_name)
        if is_text:
            formulas = {v for v in set(values) if v and v[0] in FORMULA_PREFIXES}
            if formulas:
                for offset, value in enumerate(values):
                    if value in formulas and offset not in blank:
                        values[offset] = "'" + value
                        neutralised += 1
        by_field[field_name] = values

    # The rows checked across rows (those whose every cell is valid, or every row that is not
    # blank), as columns (with the absent columns' defaults). A bad cell's value is None.
    if blank or (problems and not check_all):
        skipped = blank if check_all else blank | problems.keys()
        offsets: Sequence[int] = [o for o in range(total) if o not in skipped]
        by_field = {f: list(map(values.__getitem__, offsets)) for f, values in by_field.items()}
    else:
        offsets = range(total)
    count = len(offsets)
    defaults = {c.field: c.default for c in absent}
    excel_rows = [offset + FIRST_DATA_ROW for offset in offsets]

    def column(name: str) -> list:
        if name in by_field:
            return by_field[name]
        if name == "_row":
            return excel_rows
        return [defaults.get(name)] * count

    found: dict[int, list[RowError]] = {}  # offset → errors of the checks across rows
    for field_name, header in ((c.field, c.header) for c in spec.columns if c.unique):
        keys = column(field_name)
        types = set(map(type, keys))
        if types == {str}:
            keys = list(map(str.lower, keys))
        elif any(issubclass(t, str) for t in types):
            keys = [k.lower() if isinstance(k, str) else k for k in keys]
        for index, first in _repeats(keys, _is_none):
            key = column(field_name)[index]
            found.setdefault(offsets[index], []).append(
                RowError(
                    excel_rows[index],
                    header,
                    f"「{key}」与第 {excel_rows[first]} 行重复",
                    f"“{key}” repeats row {excel_rows[first]}",
                )
            )
    for fields in spec.unique_together:
        keys = list(zip(*map(column, fields), strict=True))
        headers = "+".join(spec.header_of(k) for k in fields)
        for index, first in _repeats(keys, _has_none):
            found.setdefault(offsets[index], []).append(
                RowError(
                    excel_rows[index],
                    headers,
                    f"与第 {excel_rows[first]} 行重复",
                    f"Repeats row {excel_rows[first]}",
                )
            )
    # What is reported already, by (row, column): the validator and db_check do not repeat it.
    reported = (
        {(e.row, e.column) for by_row in (problems, found) for es in by_row.values() for e in es}
        if check_all
        else set()
    )

    # A dict per remaining row (built in C) for the row validator, the check against the
    # database and the writer.
    names = [*defaults, *(c[0] for c in converters), "_row"]
    parts = [[value] * count for value in defaults.values()]
    parts += [by_field[c[0]] for c in converters]
    parts.append(excel_rows)
    dicts = list(map(dict, map(zip, repeat(names), zip(*parts, strict=True))))
    all_offsets, all_dicts = offsets, dicts
    if bad and check_all:
        for i, offset in enumerate(offsets):
            if offset in bad:
                dicts[i]["_bad"] = frozenset(bad[offset])
    if found and not check_all:
        kept = [i for i, offset in enumerate(offsets) if offset not in found]
        offsets = [offsets[i] for i in kept]
        dicts = [dicts[i] for i in kept]
    validator = spec.row_validator
    rows = out.rows
    if validator is None:
        if check_all and (problems or found):
            rows.extend(
                d for o, d in zip(offsets, dicts, strict=True) if o not in bad and o not in found
            )
        else:
            rows.extend(dicts)
    else:
        for offset, values in zip(offsets, dicts, strict=True):
            row_ok = offset not in bad and offset not in found
            for header, *message in validator(values, context):
                row_ok = False
                if (offset + FIRST_DATA_ROW, header) not in reported:
                    found.setdefault(offset, []).append(
                        RowError(offset + FIRST_DATA_ROW, header, *message)
                    )
            if row_ok:
                rows.append(values)
    # The columns of the rows kept, and of the rows checked against the database.
    if check_all and len(all_dicts) != len(rows):
        checked = Rows(all_dicts, dict(zip(names, parts, strict=True)))
    else:
        checked = rows
    if found or (check_all and bad):
        kept = [i for i, o in enumerate(all_offsets) if o not in found and o not in bad]
        parts = [list(map(part.__getitem__, kept)) for part in parts]
    out.rows.columns = dict(zip(names, parts, strict=True))
    for offset in sorted(problems.keys() | found.keys()):
        errors.extend(problems.get(offset, ()))
        errors.extend(found.get(offset, ()))
    out.neutralised = neutralised
    if not errors and not rows:
        errors.append(RowError(FIRST_DATA_ROW, "", "文件中没有数据行", "The file has no data rows"))
    if spec.db_check is not None and session is not None and checked:
        if progress is not None:
            progress(total, total, "check")
        if reported:
            errors.extend(
                e
                for e in spec.db_check(session, checked, context)
                if (e.row, e.column) not in reported
            )
        else:
            errors.extend(spec.db_check(session, checked, context))
    errors.sort(key=lambda e: e.row)
    return out


def run_import(
    database,
    spec: ImportSpec,
    content: bytes | list[list],
    *,
    actor,
    context: dict | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate the whole file, then write all of it in one transaction, or nothing.

    `database` is a data_layer.db.Database (its writer() owns the transaction) or a Session
    whose caller owns the transaction (tests, or a command that imports as one of its steps)."""
    from .. import authz

    context = dict(context or {})
    if spec.permission:
        authz.require(actor, spec.permission, project_id=context.get("project_id"))
    with _collector_paused():
        return _run_import(database, spec, content, actor=actor, context=context, progress=progress)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the duration of an import. A big file is read into
    hundreds of thousands of lists and dicts that all stay alive until the import ends; every
    few thousand new containers the collector would walk them again (about 0.2 s of a 50,000-
    row import) and find nothing: the import makes no garbage cycles worth collecting early.
    Imports run in a background job's own process; the collector is left as it was found."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _run_import(database, spec, content, *, actor, context, progress) -> ImportResult:
    if progress is not None:
        progress(0, 1, "read")
    table = read_table(content) if isinstance(content, bytes | bytearray) else content
    total = max(0, len(table) - 1)

    def attempt(session: Session) -> ImportResult:
        parsed = parse(spec, table, session=session, context=context, progress=progress)
        if not parsed.ok:
            raise _Rejected(parsed)
        written = spec.writer(session, parsed.rows, actor=actor, context=context, progress=progress)
        return ImportResult(True, total, written, [], parsed.neutralised)

    try:
        if isinstance(database, Session):
            with database.begin_nested():
                result = attempt(database)
        else:
            with database.writer() as session:
                result = attempt(session)
    except _Rejected as rejected:
        parsed = rejected.parsed
        return ImportResult(False, total, 0, parsed.errors, parsed.neutralised)
    except ImportRejected as err:
        return ImportResult(False, total, 0, [RowError(0, "", err.message, err.message_en)])
    if progress is not None:
        progress(total, total, "done")
    return result


class _Rejected(Exception):
    def __init__(self, parsed: Parsed):
        super().__init__("import rejected")
        self.parsed = parsed


# ---------------------------------------------------------------------------------------------
# Writing templates and error tables

REQUIRED_FILL = PatternFill("solid", fgColor="FDE2E1")
HEADER_FILL = PatternFill("solid", fgColor="E8EEF9")
TYPE_NAMES = {
    "text": "文本",
    "int": "整数",
    "decimal": "数字",
    "date": "日期（YYYY-MM-DD）",
    "choice": "下拉选择",
    "bool": "是/否",
}


def template_xlsx(
    spec: ImportSpec,
    session: Session | None = None,
    context: dict | None = None,
    example_rows: Sequence[dict] = (),
) -> bytes:
    """A template: the data sheet with headers (required ones shaded and starred in their
    comment), drop-down lists for choices, and a 填写说明 sheet with rules and an example."""
    context = dict(context or {})
    wb = Workbook()
    ws = wb.active
    ws.title = spec.name[:31]
    lists = wb.create_sheet("选项")
    for index, col in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=index, value=col.header)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = REQUIRED_FILL if col.required else HEADER_FILL
        note = [("必填" if col.required else "选填") + "，" + TYPE_NAMES[col.type]]
        if col.help:
            note.append(col.help)
        cell.comment = Comment("\n".join(note), "Loupan")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = col.width or max(10, min(30, len(col.header) * 2 + 6))
        choices = _resolve_choices(col, session, context) if col.type == "choice" else {}
        if choices:
            labels = list(dict.fromkeys(str(k) for k in _display_choices(choices)))
            for r, label in enumerate(labels, start=1):
                _as_text(lists.cell(row=r, column=index, value=label))
            validation = DataValidation(
                type="list",
                formula1=f"'选项'!${letter}$1:${letter}${len(labels)}",
                allow_blank=not col.required,
                showErrorMessage=True,
                errorTitle="无效的值",
                error=f"请从下拉列表中选择「{col.header}」",
            )
            validation.add(f"{letter}2:{letter}{MAX_ROWS}")
            ws.add_data_validation(validation)
        elif col.type in ("int", "decimal") and (col.min is not None or col.max is not None):
            validation = DataValidation(
                type="whole" if col.type == "int" else "decimal",
                operator="between",
                formula1=str(col.min if col.min is not None else -(10**12)),
                formula2=str(col.max if col.max is not None else 10**12),
                allow_blank=not col.required,
                showErrorMessage=True,
                error=f"「{col.header}」超出范围",
            )
            validation.add(f"{letter}2:{letter}{MAX_ROWS}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"
    lists.sheet_state = "hidden"

    guide = wb.create_sheet("填写说明")
    guide.append(["填写说明"])
    guide["A1"].font = Font(bold=True, size=14)
    for line in (
        "第一行是表头，请勿修改；从第二行开始填写，每行一条。",
        "红色表头为必填列。下拉列可从列表选择，也可填写代码。",
        "导入前会逐格检查；只要有一处错误，整个文件都不会导入，并列出所有错误。",
        *spec.instructions,
    ):
        guide.append([line])
    guide.append([])
    guide.append(["列", "必填", "类型", "范围 / 可选值", "说明", "示例"])
    for cell in guide[guide.max_row]:
        cell.font = Font(bold=True)
    for col in spec.columns:
        choices = _resolve_choices(col, session, context) if col.type == "choice" else {}
        if choices:
            limits = "、".join(list(dict.fromkeys(str(k) for k in _display_choices(choices)))[:20])
        else:
            parts = []
            if col.min is not None:
                parts.append(f"≥ {_limit_text(col.min)}")
            if col.max is not None:
                parts.append(f"≤ {_limit_text(col.max)}")
            if col.places is not None:
                parts.append(f"{col.places} 位小数")
            if col.max_length:
                parts.append(f"最多 {col.max_length} 字")
            if col.unique:
                parts.append("不可重复")
            limits = "，".join(parts)
        guide.append(
            [
                col.header,
                "是" if col.required else "",
                TYPE_NAMES[col.type],
                limits,
                col.help,
                _plain_example(col.example),
            ]
        )
    for row in guide.iter_rows():
        for cell in row:
            _as_text(cell)  # dictionary labels, helps and examples are never formulas
    for letter, width in zip("ABCDEF", (18, 6, 18, 40, 40, 18), strict=True):
        guide.column_dimensions[letter].width = width
    if example_rows:
        sample = wb.create_sheet("示例")
        write_sheet(sample, [(c.field, c.header) for c in spec.columns], example_rows)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _as_text(cell) -> None:
    """Text a spreadsheet would take for a formula (a dictionary label "=1+2") is stored as
    text, as export.write_sheet does: never evaluated when the template is opened."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"


def _display_choices(choices: Mapping[str, Any]) -> list[str]:
    """Labels for a drop-down: prefer the labels (keys whose value differs from the key)."""
    labels = [k for k, v in choices.items() if str(k) != str(v)]
    return labels or list(choices)


def _plain_example(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


ERROR_COLUMNS = [("row", "行号"), ("column", "列"), ("message", "错误说明")]
ERROR_COLUMNS_EN = [("row", "Row"), ("column", "Column"), ("message", "Problem")]


def errors_xlsx(errors: Sequence[RowError | dict], language: str = "zh") -> bytes:
    """The error table (row, column, message) as an Excel file for the user to fix the file,
    headed in the viewer's language; a RowError's message is given in that language (a dict is
    written as it is: the error table's rows already hold the viewer's language)."""
    from .export import to_xlsx

    rows = [e.as_dict(language) if isinstance(e, RowError) else e for e in errors]
    if language == "en":
        return to_xlsx(ERROR_COLUMNS_EN, rows, sheet="Import errors")
    return to_xlsx(ERROR_COLUMNS, rows, sheet="导入错误")


def error_rows(errors: Sequence[RowError], language: str = "zh") -> list[dict]:
    return [e.as_dict(language) for e in errors]
