"""Numbers on screen as the precision settings (数据设置) say: areas, unit prices, amounts.

fmt = format.current()                  # this request's precision, read once
fmt.area(Decimal("89.5"))               # "89.50"
fmt.amount(Decimal("1789000"))          # "1,789,000.00"
format.number_column("list_total", "表价总价", fmt.amount_places)   # ag-grid column
format.grid_records(frame)              # DataFrame → rowData (Decimal → number at the edge)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from data_layer.queries.base import Precision, precision
from data_layer.rules.money import format_amount

_QUANTUM = {p: Decimal(1).scaleb(-p) for p in range(0, 7)}


def _fmt(value, places: int, thousands: bool = True) -> str:
    """Half-up to `places` (Decimal's own formatting would round half-even), then format."""
    if value is None or value == "":
        return ""
    if not isinstance(value, Decimal):
        return format_amount(value if not isinstance(value, float) else str(value), places)
    rounded = value.quantize(_QUANTUM[places], rounding=ROUND_HALF_UP)
    return f"{rounded:,f}" if thousands else f"{rounded:f}"


@dataclass(frozen=True)
class Formatter:
    precision: Precision

    @property
    def area_places(self) -> int:
        return self.precision.area

    @property
    def price_places(self) -> int:
        return self.precision.unit_price

    @property
    def amount_places(self) -> int:
        return self.precision.amount

    def area(self, value) -> str:
        return _fmt(value, self.precision.area, thousands=False)

    def unit_price(self, value) -> str:
        return _fmt(value, self.precision.unit_price)

    def amount(self, value) -> str:
        return _fmt(value, self.precision.amount)

    def wan(self, value) -> str:
        """An amount in 万元 (10,000 yuan), as executives read large totals."""
        if value is None:
            return ""
        return _fmt(Decimal(value) / 10000, 2) + "万"


def current() -> Formatter:
    """The formatter of this request (reads the settings with the request's session)."""
    from .db import reader

    return Formatter(precision(reader()))


def of(session) -> Formatter:
    return Formatter(precision(session))


def number_column(field: str, header: str, places: int, **extra) -> dict:
    """An ag-grid column showing a number with thousands separators and `places` decimals,
    right-aligned, sorted and filtered as a number."""
    return {
        "field": field,
        "headerName": header,
        "type": "numericColumn",
        "filter": "agNumberColumnFilter",
        "valueFormatter": {
            "function": f"params.value == null ? '' : d3.format(',.{int(places)}f')(params.value)"
        },
        **extra,
    }


def grid_number(pattern: str, blank: str = "—", **extra) -> dict:
    """Column settings (spread into a column) for a right-aligned number in the d3 format
    `pattern` (",.2f" money, ".1%" a rate), `blank` where there is no value."""
    formatter = f"params.value == null ? '{blank}' : d3.format('{pattern}')(params.value)"
    return {"type": "rightAligned", "valueFormatter": {"function": formatter}, **extra}


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and value != value:  # NaN from pandas: an empty cell
        return None
    return value


def grid_records(frame) -> list[dict]:
    """rowData for a grid: Decimals become numbers here, at the edge, for display only (exports
    are built from the query's exact values)."""
    records = frame.to_dict("records") if hasattr(frame, "to_dict") else list(frame)
    return [{k: _plain(v) for k, v in row.items()} for row in records]
