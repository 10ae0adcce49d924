"""Exact money helpers: parsing, half-up rounding, thousands formatting and 人民币大写."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["chinese_capital", "format_amount", "money", "to_decimal"]

DecimalLike = Decimal | int | str

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACE_UNITS = ("", "拾", "佰", "仟")  # within a four-digit group
_GROUP_UNITS = ("", "万", "亿")  # 10^0, 10^4, 10^8
# Receipts never need more; refusing beats inventing 万亿/兆 conventions banks disagree on.
_CAPITAL_LIMIT = Decimal(1000000000000)


def to_decimal(value: DecimalLike) -> Decimal:
    """Parse user or database input into a finite Decimal; "1,234.50" and " 12 " are accepted."""
    # bool is an int subclass but True is never an amount; floats already lost the cents.
    if isinstance(value, bool | float):
        raise TypeError(f"金额不能使用浮点数或布尔值：{value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = "".join(value.split()).replace(",", "").replace("，", "")
        if not text:
            raise ValueError("数字不能为空")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"无法识别的数字：{value!r}") from None
    else:
        raise TypeError(f"不支持的数字类型：{type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"无法识别的数字：{value!r}")
    return result


def money(value: DecimalLike, places: int = 2) -> Decimal:
    """Round to `places` decimals half-up, the way receipts and bank calculators do."""
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise ValueError(f"小数位数必须是非负整数：{places!r}")
    return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_amount(value: DecimalLike, places: int = 2) -> str:
    """Format with thousands separators after half-up rounding, e.g. "1,234,567.80"."""
    # Round first: Decimal's own formatting would round half-even.
    return f"{money(value, places):,.{places}f}"


def _capital_integer(yuan: int) -> str:
    """Integer yuan in capital numerals, applying the banking rules for 零."""
    digits = str(yuan)
    out: list[str] = []
    zero_pending = False
    group_has_digit = False
    for index, char in enumerate(digits):
        position = len(digits) - 1 - index
        digit = int(char)
        if digit == 0:
            # Any run of zeros between two written digits collapses to one 零.
            zero_pending = bool(out)
        else:
            if zero_pending:
                out.append("零")
                zero_pending = False
            out.append(_DIGITS[digit] + _PLACE_UNITS[position % 4])
            group_has_digit = True
        if position % 4 == 0:
            if position and group_has_digit:
                out.append(_GROUP_UNITS[position // 4])
                # 1,001,000 is 壹佰万壹仟: zeros ending a group are absorbed by 万/亿.
                zero_pending = False
            group_has_digit = False
    return "".join(out)


def chinese_capital(amount: DecimalLike) -> str:
    """Amount in 人民币大写 as written on receipts, e.g. 10005.20 -> "壹万零伍元贰角"."""
    value = money(amount)
    sign = "负" if value < 0 else ""
    value = abs(value)
    if value >= _CAPITAL_LIMIT:
        raise ValueError("金额过大，无法转换为大写")
    cents = int(value * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    parts: list[str] = []
    if yuan:
        parts.append(_capital_integer(yuan) + "元")
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    elif fen and yuan:
        # ¥325.04 is 叁佰贰拾伍元零肆分: the missing 角 is spoken as 零.
        parts.append("零")
    if fen:
        parts.append(_DIGITS[fen] + "分")
    elif not jiao:
        # 整 only after 元; after 角 it is optional and the common form omits it.
        parts.append("整")
    return sign + "".join(parts)
