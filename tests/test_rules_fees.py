"""Fee rules: dated deed-tax rates, the deposit cap and the safe fee-formula evaluator."""

from datetime import date
from decimal import Decimal

import pytest

from data_layer.rules.fees import (
    DEFAULT_DEED_TAX_RULES,
    DeedTaxRule,
    FormulaError,
    check_deposit,
    deed_tax,
    deed_tax_rule,
    deposit_limit,
    evaluate_formula,
    validate_formula,
)

IN_FORCE = date(2025, 1, 1)


@pytest.mark.parametrize(
    ("price", "area", "home_count", "expected"),
    [
        ("2000000", "150", 2, "40000.00"),  # DOMAIN.md worked example
        ("2000000", "150", 1, "30000.00"),
        ("2000000", "140", 1, "20000.00"),  # 140 m² exactly is still "small"
        ("2000000", "140.01", 1, "30000.00"),
        ("2000000", "140", 2, "20000.00"),
        ("2000000", "90", 3, "60000.00"),  # third home: no relief
        ("1234567.89", "89.5", 1, "12345.68"),
    ],
)
def test_deed_tax_follows_2024_announcement_16(price, area, home_count, expected):
    result = deed_tax(Decimal(price), Decimal(area), home_count, DEFAULT_DEED_TAX_RULES, IN_FORCE)
    assert result == Decimal(expected)


def _rule(effective_from: date, city: str, rate: str) -> DeedTaxRule:
    flat = Decimal(rate)
    return DeedTaxRule(effective_from, city, Decimal(140), flat, flat, flat, flat)


RULES = (
    _rule(date(2020, 1, 1), "*", "0.03"),
    _rule(date(2024, 12, 1), "*", "0.01"),
    _rule(date(2022, 1, 1), "深圳", "0.05"),
    _rule(date(2026, 1, 1), "深圳", "0.02"),
)


@pytest.mark.parametrize(
    ("on", "city", "expected_rate"),
    [
        (date(2024, 11, 30), "*", "0.03"),
        (date(2024, 12, 1), "*", "0.01"),  # effective on its first day
        (date(2025, 6, 1), "深圳", "0.05"),
        (date(2026, 1, 1), "深圳", "0.02"),
        (date(2025, 6, 1), "广州", "0.01"),  # no city rule: falls back to "*"
        (
            date(2021, 6, 1),
            "深圳",
            "0.03",
        ),  # city rule not yet in force: falls back to "*"
    ],
)
def test_deed_tax_picks_latest_rule_in_force_for_the_city(on, city, expected_rate):
    assert deed_tax_rule(RULES, on, city).first_home_small == Decimal(expected_rate)
    tax = deed_tax(Decimal(1000000), Decimal(100), 1, RULES, on, city)
    assert tax == Decimal(1000000) * Decimal(expected_rate)


def test_deed_tax_without_a_rule_in_force_is_refused():
    with pytest.raises(ValueError, match="契税规则"):
        deed_tax(
            Decimal(1000000),
            Decimal(100),
            1,
            DEFAULT_DEED_TAX_RULES,
            date(2020, 1, 1),
        )


@pytest.mark.parametrize(("area", "home_count"), [("0", 1), ("100", 0), ("100", True)])
def test_deed_tax_refuses_impossible_inputs(area, home_count):
    with pytest.raises(ValueError):
        deed_tax(
            Decimal(1000000),
            Decimal(area),
            home_count,
            DEFAULT_DEED_TAX_RULES,
            IN_FORCE,
        )


@pytest.mark.parametrize(
    ("price", "limit"),
    [("3000000", "600000.00"), ("1234567.89", "246913.58"), ("0", "0.00")],
)
def test_deposit_limit_is_twenty_percent_of_price(price, limit):
    assert deposit_limit(Decimal(price)) == Decimal(limit)


@pytest.mark.parametrize("deposit", ["1", "50000", "600000.00"])
def test_deposits_up_to_the_limit_are_accepted(deposit):
    check_deposit(Decimal(deposit), Decimal(3000000))


@pytest.mark.parametrize(
    ("deposit", "message"),
    [
        ("600000.01", "定金不得超过房价的20%（上限 ¥600,000.00）"),
        ("0", "定金必须大于0"),
        ("-100", "定金必须大于0"),
    ],
)
def test_deposits_outside_the_rules_are_refused_with_chinese_message(deposit, message):
    with pytest.raises(ValueError) as error:
        check_deposit(Decimal(deposit), Decimal(3000000))
    assert str(error.value) == message


VARIABLES = {"area": Decimal("89.50"), "price": Decimal("1234567.00")}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("area * 3.5", "313.250"),
        ("price * 0.0005", "617.2835000"),
        ("max(area * 50, 2000)", "4475.00"),
        ("max(area * 10, 2000)", "2000"),
        ("min(area, 80)", "80"),
        ("round_half_up(price * 0.0005, 2)", "617.28"),
        ("round_half_up(2.675, 2)", "2.68"),
        ("-(area - 100) / 2", "5.25"),
        ("(area + 0.5) * 2", "180.00"),
        ("0.1 + 0.2", "0.3"),  # literals are read as text, not through float
        ("1_000 * 2", "2000"),
    ],
)
def test_formulas_evaluate_exactly(expr, expected):
    result = evaluate_formula(expr, VARIABLES)
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)


@pytest.mark.parametrize(
    "expr",
    [
        "__import__('os')",
        "area.__class__",
        "().__class__",
        "9**9**9",
        "area ** 2",
        "'a'*10",
        "open('/etc/passwd')",
        "eval('1')",
        "[x for x in (1, 2)]",
        "(lambda: 1)()",
        "area if area else price",
        "area > 1",
        "area // 2",
        "area % 2",
        "True + 1",
        "1j * area",
        "unknown * 2",
        "max(*[area])",
        "round_half_up(area)",
        "round_half_up(x=area, places=2)",
        "max()",
        "area; price",
        "area = 1",
        "",
        "   ",
        "(" * 240 + "1" + ")" * 240,  # deeper than the parser allows, yet under the length cap
        "1" + " + 1" * 200,  # over the length cap
    ],
)
def test_unsafe_or_unknown_formulas_are_refused(expr):
    with pytest.raises(FormulaError):
        evaluate_formula(expr, VARIABLES)
    with pytest.raises(FormulaError):
        validate_formula(expr, VARIABLES.keys())


@pytest.mark.parametrize(
    "expr",
    [
        "area / 0",
        "price / (area - area)",
        "round_half_up(area, 0.5)",
        "round_half_up(area, 11)",
    ],
)
def test_formulas_that_cannot_be_computed_are_refused(expr):
    with pytest.raises(FormulaError):
        evaluate_formula(expr, VARIABLES)


def test_formula_error_is_a_value_error_with_chinese_message():
    with pytest.raises(ValueError, match="未知的变量"):
        evaluate_formula("floor_area * 2", VARIABLES)


@pytest.mark.parametrize(
    ("expr", "allowed"),
    [("area * 3.5", {"area"}), ("max(area * 50, price * 0.001)", {"area", "price"})],
)
def test_validate_formula_accepts_known_names(expr, allowed):
    validate_formula(expr, allowed)


def test_validate_formula_refuses_names_not_allowed():
    with pytest.raises(FormulaError, match="price"):
        validate_formula("price * 0.0005", {"area"})


def test_float_variables_are_refused():
    with pytest.raises(TypeError):
        evaluate_formula("area * 2", {"area": 89.5})
