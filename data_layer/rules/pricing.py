"""Pricing rules: unit totals from unit prices, rule-based prices (base × coefficients through
a safe formula), batch adjustments by percent or per m², and the approval threshold.

Totals are rounded half-up to the cent from the rounded unit price × the pricing area, the way
a price list is printed; a unit priced per unit (按套) keeps its total and has no m² price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from .fees import FormulaError, evaluate_formula, validate_formula
from .money import DecimalLike, money, to_decimal

__all__ = [
    "FORMULA_NAMES",
    "Factors",
    "PriceError",
    "Quote",
    "adjust",
    "change_ratio",
    "needs_approval",
    "parse_factors",
    "parse_floor_factors",
    "rule_unit_price",
    "total_for",
    "validate_rule_formula",
]

FORMULA_NAMES = ("base", "floor_k", "orientation_k", "layout_k", "floor", "area")
ONE = Decimal(1)
# A coefficient outside this range is a typing error (0.5 or 2.0 would halve or double a price).
FACTOR_MIN = Decimal("0.5")
FACTOR_MAX = Decimal("2")


class PriceError(ValueError):
    """A price that cannot be right: negative, absurd, or from an invalid rule."""


@dataclass(frozen=True)
class Quote:
    unit_price: Decimal | None
    total: Decimal


def total_for(unit_price: DecimalLike, area: DecimalLike, places: int = 2) -> Decimal:
    """Total = unit price × area, half-up to `places` (the amount precision)."""
    return money(to_decimal(unit_price) * to_decimal(area), places)


def adjust(
    unit_price: DecimalLike,
    area: DecimalLike,
    method: str,
    value: DecimalLike,
    *,
    unit_price_places: int = 2,
    amount_places: int = 2,
) -> Quote:
    """New price of one unit: method "percent" (value +3 = +3%) or "amount" (+200 ¥ per m²)."""
    price = to_decimal(unit_price)
    change = to_decimal(value)
    if method == "percent":
        if change <= -100:
            raise PriceError("降价幅度不能达到或超过 100%")
        new_price = money(price * (100 + change) / 100, unit_price_places)
    elif method == "amount":
        new_price = money(price + change, unit_price_places)
    else:
        raise PriceError(f"未知的调价方式：{method}")
    if new_price <= 0:
        raise PriceError(f"调整后单价为 {new_price}，必须大于 0")
    return Quote(new_price, total_for(new_price, area, amount_places))


def change_ratio(old: DecimalLike | None, new: DecimalLike | None) -> Decimal:
    """|new − old| ÷ old, 4 places; a unit that had no price counts as no change."""
    if old is None or new is None:
        return Decimal(0)
    before = to_decimal(old)
    if before == 0:
        return Decimal(0)
    return money(abs(to_decimal(new) - before) / before, 4)


def needs_approval(max_change: DecimalLike, threshold: DecimalLike) -> bool:
    """An adjustment moving any unit's price by more than the threshold waits for approval."""
    return to_decimal(max_change) > to_decimal(threshold)


@dataclass(frozen=True)
class Factors:
    """Coefficients of a pricing rule. Floors are ranges (inclusive); keys are codes/names."""

    floors: tuple[tuple[int, int, Decimal], ...] = ()
    orientation: Mapping[str, Decimal] | None = None
    layout: Mapping[str, Decimal] | None = None

    def floor_k(self, floor: int) -> Decimal:
        for low, high, factor in self.floors:
            if low <= floor <= high:
                return factor
        return ONE

    def orientation_k(self, code: str | None) -> Decimal:
        return (self.orientation or {}).get(code or "", ONE)

    def layout_k(self, name: str | None) -> Decimal:
        return (self.layout or {}).get(name or "", ONE)


def _factor(text: str, line: str) -> Decimal:
    try:
        factor = to_decimal(text)
    except (TypeError, ValueError):
        raise PriceError(f"系数「{text}」不是数字（{line}）") from None
    if not FACTOR_MIN <= factor <= FACTOR_MAX:
        raise PriceError(f"系数 {factor} 超出 {FACTOR_MIN}–{FACTOR_MAX}（{line}）")
    return factor


def parse_floor_factors(text: str) -> tuple[tuple[int, int, Decimal], ...]:
    """Lines "1-3:0.97" or "18:1.02" → ((1, 3, 0.97), (18, 18, 1.02)); ranges may not overlap."""
    ranges: list[tuple[int, int, Decimal]] = []
    for raw in (text or "").replace("，", "\n").replace(",", "\n").splitlines():
        line = raw.strip().replace("：", ":")
        if not line:
            continue
        span, sep, factor = line.partition(":")
        if not sep:
            raise PriceError(f"楼层系数应写成「起-止:系数」，如 1-3:0.97（{line}）")
        low_text, _, high_text = span.replace("～", "-").replace("~", "-").partition("-")
        try:
            low = int(low_text)
            high = int(high_text) if high_text.strip() else low
        except ValueError:
            raise PriceError(f"楼层应为整数（{line}）") from None
        if high < low:
            raise PriceError(f"楼层范围起点大于终点（{line}）")
        ranges.append((low, high, _factor(factor.strip(), line)))
    ranges.sort()
    for (_, high, _), (low, _, _) in pairwise(ranges):
        if low <= high:
            raise PriceError(f"楼层范围重叠：第 {low} 层出现在两个范围中")
    return tuple(ranges)


def parse_factors(text: str) -> dict[str, Decimal]:
    """Lines "NS:1.02" (orientation code or label, layout name) → {"NS": 1.02}."""
    out: dict[str, Decimal] = {}
    for raw in (text or "").replace("，", "\n").replace(",", "\n").splitlines():
        line = raw.strip().replace("：", ":")
        if not line:
            continue
        key, sep, factor = line.rpartition(":")
        if not sep or not key.strip():
            raise PriceError(f"系数应写成「名称:系数」，如 南北:1.02（{line}）")
        if key.strip() in out:
            raise PriceError(f"「{key.strip()}」重复")
        out[key.strip()] = _factor(factor.strip(), line)
    return out


def validate_rule_formula(formula: str) -> None:
    try:
        validate_formula(formula, FORMULA_NAMES)
    except FormulaError as err:
        raise PriceError(str(err)) from None


def rule_unit_price(
    formula: str,
    base: DecimalLike,
    factors: Factors,
    *,
    floor: int,
    orientation: str | None,
    layout: str | None,
    area: DecimalLike,
    places: int = 2,
) -> Decimal:
    """List price per m² from a pricing rule (never Python eval: rules.fees.evaluate_formula)."""
    try:
        value = evaluate_formula(
            formula,
            {
                "base": to_decimal(base),
                "floor_k": factors.floor_k(floor),
                "orientation_k": factors.orientation_k(orientation),
                "layout_k": factors.layout_k(layout),
                "floor": Decimal(floor),
                "area": to_decimal(area),
            },
        )
    except FormulaError as err:
        raise PriceError(str(err)) from None
    price = money(value, places)
    if price <= 0:
        raise PriceError(f"定价公式得出的单价为 {price}，必须大于 0")
    return price
