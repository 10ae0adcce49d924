"""Area-difference settlement (面积补差): the DOMAIN.md worked examples and edges."""

from decimal import Decimal

import pytest

from data_layer.rules.settlement import internal_area_check, settle_area_difference

CONTRACT_AREA = Decimal("100.00")
UNIT_PRICE = Decimal("10000.00")


@pytest.mark.parametrize(
    ("measured", "ratio", "amount", "may_cancel"),
    [
        ("102.00", "0.02", "20000.00", False),
        ("105.00", "0.05", "30000.00", True),
        ("97.00", "-0.03", "-30000.00", False),
        ("95.00", "-0.05", "-70000.00", True),
        ("103.00", "0.03", "30000.00", False),  # +3% is still inside the tolerance
        ("100.00", "0", "0.00", False),
    ],
)
def test_settlement_matches_worked_examples(measured, ratio, amount, may_cancel):
    result = settle_area_difference(CONTRACT_AREA, Decimal(measured), UNIT_PRICE)
    assert result.error_ratio == Decimal(ratio)
    assert result.amount == Decimal(amount)
    assert result.buyer_may_cancel is may_cancel


def test_larger_beyond_three_percent_is_borne_by_the_developer():
    result = settle_area_difference(CONTRACT_AREA, Decimal("105.00"), UNIT_PRICE)
    assert result.within_area == Decimal(3)
    assert result.beyond_area == Decimal(2)
    assert result.within_amount == Decimal("30000.00")
    assert result.beyond_amount == 0
    assert result.developer_borne_amount == Decimal("20000.00")


def test_smaller_beyond_three_percent_is_refunded_double():
    result = settle_area_difference(CONTRACT_AREA, Decimal("95.00"), UNIT_PRICE)
    assert result.within_amount == Decimal("-30000.00")
    assert result.beyond_area == Decimal(-2)
    assert result.beyond_amount == Decimal("-40000.00")
    assert result.developer_borne_amount == 0


def test_amount_is_the_sum_of_rounded_parts():
    result = settle_area_difference(Decimal("89.37"), Decimal("93.11"), Decimal("12345.67"))
    assert result.amount == result.within_amount + result.beyond_amount
    assert result.within_amount.as_tuple().exponent == -2


@pytest.mark.parametrize("measured", ["90.00", "110.00", "100.00"])
def test_units_priced_per_unit_have_no_settlement(measured):
    result = settle_area_difference(
        CONTRACT_AREA, Decimal(measured), UNIT_PRICE, priced_per_unit=True
    )
    assert result.amount == 0
    assert result.priced_per_unit
    assert not result.buyer_may_cancel


@pytest.mark.parametrize(
    ("contract_internal", "measured_internal", "may_cancel"),
    [
        ("80.00", "82.40", False),  # +3% exactly
        ("80.00", "77.60", False),  # −3% exactly
        ("80.00", "82.41", True),
        ("80.00", "77.59", True),
    ],
)
def test_internal_area_beyond_three_percent_lets_the_buyer_cancel(
    contract_internal, measured_internal, may_cancel
):
    check = internal_area_check(Decimal(contract_internal), Decimal(measured_internal))
    assert check.buyer_may_cancel is may_cancel
    settled = settle_area_difference(
        CONTRACT_AREA,
        Decimal("101.00"),
        UNIT_PRICE,
        contract_internal_area=Decimal(contract_internal),
        measured_internal_area=Decimal(measured_internal),
    )
    assert settled.buyer_may_cancel is may_cancel
    assert settled.internal_area_beyond_tolerance is may_cancel
    assert settled.amount == Decimal("10000.00")  # the gross-area settlement is unchanged


@pytest.mark.parametrize(
    ("contract", "measured", "price"),
    [("0", "100", "10000"), ("100", "-1", "10000"), ("100", "100", "-1")],
)
def test_impossible_inputs_are_refused(contract, measured, price):
    with pytest.raises(ValueError):
        settle_area_difference(Decimal(contract), Decimal(measured), Decimal(price))


def test_only_one_internal_area_is_refused():
    with pytest.raises(ValueError, match="套内"):
        settle_area_difference(
            CONTRACT_AREA,
            CONTRACT_AREA,
            UNIT_PRICE,
            contract_internal_area=Decimal(80),
        )
