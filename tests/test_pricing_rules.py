"""Pure pricing rules: totals, batch adjustments, the approval threshold, rule-based prices."""

from decimal import Decimal as D  # noqa: N817 - short in tables of cases

import pytest

from data_layer.rules import pricing
from data_layer.rules.pricing import Factors, PriceError


@pytest.mark.parametrize(
    ("price", "area", "method", "value", "new_price", "new_total"),
    [
        ("20000.00", "89.50", "percent", "3", "20600.00", "1843700.00"),
        ("20000.00", "89.50", "percent", "-2.5", "19500.00", "1745250.00"),
        ("20000.00", "89.50", "amount", "200", "20200.00", "1807900.00"),
        ("20000.00", "89.50", "amount", "-150.50", "19849.50", "1776530.25"),
        # half-up on the unit price, then on the total
        ("19999.99", "100.01", "percent", "0.5", "20099.99", "2010200.00"),
    ],
)
def test_adjust_by_percent_or_amount_per_square_metre(
    price, area, method, value, new_price, new_total
):
    quote = pricing.adjust(D(price), D(area), method, D(value))
    assert quote.unit_price == D(new_price)
    assert quote.total == D(new_total)


def test_total_rounds_half_up_to_the_cent():
    assert pricing.total_for(D("12345.67"), D("88.885")) == D("1097344.88")
    assert pricing.total_for(D("0.5"), D("0.01")) == D("0.01")  # 0.005 → 0.01, not 0.00


def test_an_adjustment_can_never_make_a_price_zero_or_negative():
    with pytest.raises(PriceError):
        pricing.adjust(D("100"), D("10"), "percent", D("-100"))
    with pytest.raises(PriceError):
        pricing.adjust(D("100"), D("10"), "amount", D("-100"))
    with pytest.raises(PriceError):
        pricing.adjust(D("100"), D("10"), "bogus", D("1"))


@pytest.mark.parametrize(
    ("old", "new", "ratio", "approval"),
    [
        ("20000", "21000", "0.0500", False),
        ("20000", "21001", "0.0501", True),
        ("20000", "18000", "0.1000", True),
        (None, "18000", "0", False),
    ],
)
def test_change_ratio_and_threshold(old, new, ratio, approval):
    r = pricing.change_ratio(D(old) if old else None, D(new))
    assert r == D(ratio)
    assert pricing.needs_approval(r, D("0.05")) is approval


def test_floor_factors_parse_ranges_and_refuse_overlaps_and_absurd_values():
    ranges = pricing.parse_floor_factors("1-3:0.97\n4-20：1.00, 21～33:1.03\n34:1.05")
    assert ranges == (
        (1, 3, D("0.97")),
        (4, 20, D("1.00")),
        (21, 33, D("1.03")),
        (34, 34, D("1.05")),
    )
    for bad in ("1-5:0.97\n5-9:1.0", "3-1:1.0", "a-b:1", "1-3:abc", "1-3:3.5", "1-3"):
        with pytest.raises(PriceError):
            pricing.parse_floor_factors(bad)


def test_rule_price_is_base_times_coefficients():
    factors = Factors(
        floors=pricing.parse_floor_factors("1-3:0.97\n4-30:1.00"),
        orientation=pricing.parse_factors("NS:1.02\nE:0.99"),
        layout=pricing.parse_factors("A户型:1.01"),
    )
    formula = "base * floor_k * orientation_k * layout_k"
    price = pricing.rule_unit_price(
        formula, D("20000"), factors, floor=2, orientation="NS", layout="A户型", area=D("89.5")
    )
    assert price == D("19985.88")  # 20000 × 0.97 × 1.02 × 1.01
    plain = pricing.rule_unit_price(
        formula, D("20000"), factors, floor=10, orientation="W", layout=None, area=D("89.5")
    )
    assert plain == D("20000.00")  # unknown keys count as 1
    with_floor = pricing.rule_unit_price(
        "base + floor * 50",
        D("20000"),
        factors,
        floor=10,
        orientation=None,
        layout=None,
        area=D("1"),
    )
    assert with_floor == D("20500.00")


@pytest.mark.parametrize(
    "formula", ["__import__('os').system('id')", "base ** 2", "open('x')", "base * unknown", ""]
)
def test_rule_formula_is_never_evaluated_by_python(formula):
    with pytest.raises(PriceError):
        pricing.validate_rule_formula(formula)
    with pytest.raises(PriceError):
        pricing.rule_unit_price(
            formula, D("1"), Factors(), floor=1, orientation=None, layout=None, area=D("1")
        )
