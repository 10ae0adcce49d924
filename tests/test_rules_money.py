"""Money rules: half-up rounding, parsing, thousands formatting and 人民币大写."""

from decimal import Decimal

import pytest

from data_layer.rules.money import chinese_capital, format_amount, money, to_decimal


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("2.675"), 2, Decimal("2.68")),  # half-even would give 2.67
        (Decimal("2.665"), 2, Decimal("2.67")),
        (Decimal("-2.675"), 2, Decimal("-2.68")),  # half-up rounds away from zero
        (Decimal("0.5"), 0, Decimal(1)),
        (Decimal("1.2345"), 3, Decimal("1.235")),
        (7, 2, Decimal("7.00")),
        ("1,234.565", 2, Decimal("1234.57")),
    ],
)
def test_money_rounds_half_up(value, places, expected):
    result = money(value, places)
    assert result == expected
    assert result.as_tuple().exponent == -places


@pytest.mark.parametrize("value", [0.1, 1.0, True])
def test_money_refuses_floats_and_bools(value):
    with pytest.raises(TypeError):
        money(value)


def test_money_refuses_negative_places():
    with pytest.raises(ValueError):
        money(Decimal(1), -1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234,567.80", Decimal("1234567.80")),
        (" 12 345 ", Decimal(12345)),
        ("-0.50", Decimal("-0.50")),
        ("1，000", Decimal(1000)),  # full-width comma typed with a Chinese IME
        (42, Decimal(42)),
        (Decimal("3.10"), Decimal("3.10")),
    ],
)
def test_to_decimal_parses_text_with_separators(text, expected):
    assert to_decimal(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "abc", "1.2.3", "NaN", "Infinity", "¥100"])
def test_to_decimal_rejects_bad_input_with_chinese_message(text):
    with pytest.raises(ValueError, match="数字"):
        to_decimal(text)


@pytest.mark.parametrize("value", [1.5, None, [1]])
def test_to_decimal_refuses_non_numeric_types(value):
    with pytest.raises(TypeError):
        to_decimal(value)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("1234567.8"), 2, "1,234,567.80"),
        (Decimal(0), 2, "0.00"),
        (Decimal("999.995"), 2, "1,000.00"),
        (Decimal("-1234.5"), 2, "-1,234.50"),
        (Decimal("1234.5"), 0, "1,235"),
        (Decimal("12.3456"), 3, "12.346"),
    ],
)
def test_format_amount_uses_thousands_separators(value, places, expected):
    assert format_amount(value, places) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("100", "壹佰元整"),
        ("10005.20", "壹万零伍元贰角"),
        ("0.05", "伍分"),
        ("0", "零元整"),
        ("100000000", "壹亿元整"),
        ("1000000.00", "壹佰万元整"),
        ("1010", "壹仟零壹拾元整"),
        ("10", "壹拾元整"),
        ("0.50", "伍角"),
        ("0.15", "壹角伍分"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        ("1001000", "壹佰万壹仟元整"),
        ("1000100", "壹佰万零壹佰元整"),
        ("100000001", "壹亿零壹元整"),
        ("100010000", "壹亿零壹万元整"),
        ("110000000", "壹亿壹仟万元整"),
        ("3580000.00", "叁佰伍拾捌万元整"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        ("-1234.56", "负壹仟贰佰叁拾肆元伍角陆分"),
        ("-0.05", "负伍分"),
        ("0.005", "壹分"),  # rounded half-up to the cent first
    ],
)
def test_chinese_capital_follows_banking_rules(amount, expected):
    assert chinese_capital(Decimal(amount)) == expected


def test_chinese_capital_refuses_amounts_beyond_a_trillion():
    with pytest.raises(ValueError):
        chinese_capital(Decimal(1000000000000))
