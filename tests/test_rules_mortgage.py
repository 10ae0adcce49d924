"""Mortgage rules: the worked examples of DOMAIN.md and schedule invariants."""

from decimal import Decimal

import pytest

from data_layer.rules.mortgage import (
    RepaymentMethod,
    combined,
    equal_installment,
    equal_principal,
    quote,
    schedule,
)


@pytest.mark.parametrize(
    ("principal", "rate", "months", "payment", "total_interest"),
    [
        ("1000000", "0.049", 360, "5307.27", "910616.19"),
        ("700000", "0.031", 300, "3356.00", None),
        ("600000", "0.035", 240, "3479.76", None),
        ("400000", "0.026", 240, "2139.15", None),
        ("120000", "0", 12, "10000.00", "0.00"),  # interest-free instalments
    ],
)
def test_equal_installment_matches_bank_calculators(
    principal, rate, months, payment, total_interest
):
    result = equal_installment(Decimal(principal), Decimal(rate), months)
    assert result.monthly_payment == Decimal(payment)
    assert result.last_payment == Decimal(payment)
    assert result.monthly_decrease == 0
    if total_interest is not None:
        assert result.total_interest == Decimal(total_interest)
        assert result.total_payment == Decimal(principal) + Decimal(total_interest)


def test_equal_installment_total_interest_uses_the_unrounded_payment():
    result = equal_installment(Decimal(1000000), Decimal("0.049"), 360)
    # From the rounded 5,307.27 it would be 910,617.20, which is not what banks show.
    assert result.monthly_payment * 360 - result.principal == Decimal("910617.20")
    assert result.total_interest == Decimal("910616.19")


@pytest.mark.parametrize(
    ("principal", "rate", "months", "first", "decrease", "last", "total_interest"),
    [
        ("1000000", "0.049", 360, "6861.11", "11.34", "2789.12", "737041.67"),
        ("120000", "0", 12, "10000.00", "0.00", "10000.00", "0.00"),
    ],
)
def test_equal_principal_matches_worked_example(
    principal, rate, months, first, decrease, last, total_interest
):
    result = equal_principal(Decimal(principal), Decimal(rate), months)
    assert result.first_payment == Decimal(first)
    assert result.monthly_decrease == Decimal(decrease)
    assert result.last_payment == Decimal(last)
    assert result.total_interest == Decimal(total_interest)


def test_combined_loan_adds_separately_computed_parts():
    result = combined(
        commercial_principal=Decimal(600000),
        commercial_rate=Decimal("0.035"),
        provident_principal=Decimal(400000),
        provident_rate=Decimal("0.026"),
        months=240,
    )
    assert result.commercial.monthly_payment == Decimal("3479.76")
    assert result.provident.monthly_payment == Decimal("2139.15")
    assert result.monthly_payment == Decimal("5618.91")
    assert result.principal == Decimal("1000000.00")
    assert (
        result.total_interest == result.commercial.total_interest + result.provident.total_interest
    )


def test_combined_loan_by_equal_principal_adds_first_and_last_months():
    result = combined(
        commercial_principal=Decimal(600000),
        commercial_rate=Decimal("0.035"),
        provident_principal=Decimal(400000),
        provident_rate=Decimal("0.026"),
        months=240,
        method=RepaymentMethod.EQUAL_PRINCIPAL,
    )
    assert result.first_payment == result.commercial.first_payment + result.provident.first_payment
    assert result.last_payment == result.commercial.last_payment + result.provident.last_payment


@pytest.mark.parametrize("method", list(RepaymentMethod))
def test_quote_dispatches_on_method(method):
    assert quote(Decimal(500000), Decimal("0.04"), 120, method).method is method


@pytest.mark.parametrize(
    ("principal", "rate", "months", "method"),
    [
        ("1000000", "0.049", 360, RepaymentMethod.EQUAL_INSTALLMENT),
        ("1000000", "0.049", 360, RepaymentMethod.EQUAL_PRINCIPAL),
        ("700000", "0.031", 300, RepaymentMethod.EQUAL_INSTALLMENT),
        ("333333.33", "0.0355", 7, RepaymentMethod.EQUAL_INSTALLMENT),
        ("333333.33", "0.0355", 7, RepaymentMethod.EQUAL_PRINCIPAL),
        ("100000", "0", 36, RepaymentMethod.EQUAL_INSTALLMENT),
        ("100000", "0.05", 1, RepaymentMethod.EQUAL_INSTALLMENT),
    ],
)
def test_schedule_repays_the_loan_exactly_in_cents(principal, rate, months, method):
    rows = schedule(Decimal(principal), Decimal(rate), months, method)
    assert [row.month for row in rows] == list(range(1, months + 1))
    assert sum(row.principal for row in rows) == Decimal(principal)
    assert rows[-1].remaining == 0
    for row in rows:
        assert row.payment == row.principal + row.interest
        assert row.interest.as_tuple().exponent == -2
        assert row.principal >= 0


def test_equal_installment_schedule_pays_the_quoted_amount_until_the_last_month():
    rows = schedule(Decimal(1000000), Decimal("0.049"), 360)
    assert rows[0].interest == Decimal("4083.33")
    assert rows[0].principal == Decimal("1223.94")
    assert {row.payment for row in rows[:-1]} == {Decimal("5307.27")}
    # Per-month rounding makes the last month differ by a few yuan from the quote, never more.
    assert abs(rows[-1].payment - Decimal("5307.27")) < Decimal(5)


def test_equal_principal_schedule_starts_at_the_quoted_first_month():
    rows = schedule(Decimal(1000000), Decimal("0.049"), 360, RepaymentMethod.EQUAL_PRINCIPAL)
    assert rows[0].payment == Decimal("6861.11")
    assert rows[1].payment == Decimal("6849.77")


@pytest.mark.parametrize(
    ("principal", "rate", "months"),
    [
        ("-1", "0.04", 12),
        ("1000", "-0.01", 12),
        ("1000", "0.04", 0),
        ("1000", "0.04", True),
    ],
)
def test_impossible_loans_are_refused(principal, rate, months):
    with pytest.raises(ValueError):
        equal_installment(Decimal(principal), Decimal(rate), months)


def test_float_rates_are_refused():
    with pytest.raises(TypeError):
        equal_installment(Decimal(1000), 0.049, 12)
