"""Area-difference settlement (面积补差) under 商品房销售管理办法 article 20."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .money import DecimalLike, money, to_decimal

__all__ = [
    "TOLERANCE",
    "AreaSettlement",
    "InternalAreaCheck",
    "internal_area_check",
    "settle_area_difference",
]

# ±3% inclusive is the statutory default when the contract is silent.
TOLERANCE = Decimal("0.03")
# Shown on screens as a percentage with two decimals; decisions never use the rounded ratio.
_RATIO_PLACES = 6
_ZERO_AREA = Decimal(0)
_ZERO_MONEY = Decimal("0.00")


@dataclass(frozen=True)
class AreaSettlement:
    """Result of settling one unit; amounts are positive when the buyer pays, negative on refund.

    `amount` assumes the buyer keeps the unit, even when `buyer_may_cancel` is true.
    """

    contract_area: Decimal
    measured_area: Decimal
    unit_price: Decimal
    error_ratio: Decimal  # (measured − contract) ÷ contract, rounded to 6 places for display
    difference_area: Decimal  # measured − contract
    within_area: Decimal  # the part of the difference inside ±3%, signed
    beyond_area: Decimal  # the part outside ±3%, signed
    within_amount: Decimal  # settled at the unit price
    beyond_amount: Decimal  # smaller unit: refunded double; larger unit: nothing charged
    developer_borne_amount: Decimal  # larger unit: value of the area beyond +3% the developer bears
    amount: Decimal  # within_amount + beyond_amount
    buyer_may_cancel: bool
    internal_area_beyond_tolerance: bool = False
    priced_per_unit: bool = False


@dataclass(frozen=True)
class InternalAreaCheck:
    """套内面积 check for contracts priced by gross area (2014 model contract)."""

    contract_internal_area: Decimal
    measured_internal_area: Decimal
    error_ratio: Decimal
    buyer_may_cancel: bool


def _area(value: DecimalLike, label: str) -> Decimal:
    area = to_decimal(value)
    if area <= 0:
        raise ValueError(f"{label}必须大于0")
    return area


def _beyond_tolerance(contract: Decimal, measured: Decimal) -> bool:
    # Compare by multiplication: a divided ratio like 1/3 is never exact.
    return abs(measured - contract) > contract * TOLERANCE


def _ratio(contract: Decimal, measured: Decimal) -> Decimal:
    return money((measured - contract) / contract, _RATIO_PLACES)


def internal_area_check(
    contract_internal_area: DecimalLike, measured_internal_area: DecimalLike
) -> InternalAreaCheck:
    """The buyer may cancel when the internal area differs by more than ±3%."""
    contract = _area(contract_internal_area, "合同套内面积")
    measured = _area(measured_internal_area, "实测套内面积")
    return InternalAreaCheck(
        contract_internal_area=contract,
        measured_internal_area=measured,
        error_ratio=_ratio(contract, measured),
        buyer_may_cancel=_beyond_tolerance(contract, measured),
    )


def settle_area_difference(
    contract_area: DecimalLike,
    measured_area: DecimalLike,
    unit_price: DecimalLike,
    *,
    priced_per_unit: bool = False,
    contract_internal_area: DecimalLike | None = None,
    measured_internal_area: DecimalLike | None = None,
) -> AreaSettlement:
    """Settle the measured area at the contract's after-discount unit price.

    Pass both internal areas when the contract prices by gross area: a 套内 difference beyond
    ±3% also lets the buyer cancel. A unit priced per unit (按套) has no settlement.
    """
    contract = _area(contract_area, "合同面积")
    measured = _area(measured_area, "实测面积")
    price = to_decimal(unit_price)
    if price < 0:
        raise ValueError("单价不能为负数")
    ratio = _ratio(contract, measured)

    if priced_per_unit:
        return AreaSettlement(
            contract_area=contract,
            measured_area=measured,
            unit_price=price,
            error_ratio=ratio,
            difference_area=measured - contract,
            within_area=_ZERO_AREA,
            beyond_area=_ZERO_AREA,
            within_amount=_ZERO_MONEY,
            beyond_amount=_ZERO_MONEY,
            developer_borne_amount=_ZERO_MONEY,
            amount=_ZERO_MONEY,
            buyer_may_cancel=False,
            priced_per_unit=True,
        )

    difference = measured - contract
    limit = contract * TOLERANCE
    within = max(-limit, min(difference, limit))
    beyond = difference - within
    within_amount = money(within * price)
    beyond_value = money(beyond * price)
    if beyond > 0:
        # Larger than +3%: the developer bears the excess, the buyer pays nothing for it.
        beyond_amount, developer_borne = _ZERO_MONEY, beyond_value
    else:
        # Smaller than −3%: the developer refunds the shortfall beyond 3% twice over.
        beyond_amount, developer_borne = 2 * beyond_value, _ZERO_MONEY

    internal_beyond = False
    if contract_internal_area is not None or measured_internal_area is not None:
        if contract_internal_area is None or measured_internal_area is None:
            raise ValueError("合同套内面积与实测套内面积须同时提供")
        internal_beyond = internal_area_check(
            contract_internal_area, measured_internal_area
        ).buyer_may_cancel

    return AreaSettlement(
        contract_area=contract,
        measured_area=measured,
        unit_price=price,
        error_ratio=ratio,
        difference_area=difference,
        within_area=within,
        beyond_area=beyond,
        within_amount=within_amount,
        beyond_amount=beyond_amount,
        developer_borne_amount=developer_borne,
        amount=within_amount + beyond_amount,
        buyer_may_cancel=beyond != 0 or internal_beyond,
        internal_area_beyond_tolerance=internal_beyond,
        priced_per_unit=False,
    )
