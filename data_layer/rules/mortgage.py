"""Mortgage quotes and repayment schedules: 等额本息, 等额本金 and 组合贷款."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import StrEnum

from .money import DecimalLike, money, to_decimal

__all__ = [
    "CombinedQuote",
    "LoanQuote",
    "RepaymentMethod",
    "ScheduleRow",
    "combined",
    "equal_installment",
    "equal_principal",
    "quote",
    "schedule",
]

# (1 + r)^360 needs far more than the default 28 digits to keep the cents exact.
_PRECISION = 50


class RepaymentMethod(StrEnum):
    EQUAL_INSTALLMENT = "equal_installment"  # 等额本息
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金


@dataclass(frozen=True)
class LoanQuote:
    """What a bank calculator shows for one loan; all amounts rounded half-up to the cent."""

    method: RepaymentMethod
    principal: Decimal
    annual_rate: Decimal
    months: int
    first_payment: Decimal  # 等额本息: the payment of every month
    monthly_decrease: Decimal  # 等额本金 only; zero for 等额本息
    last_payment: Decimal
    total_interest: Decimal

    @property
    def monthly_payment(self) -> Decimal:
        """The headline 月供: every month's payment, or the first month's for 等额本金."""
        return self.first_payment

    @property
    def total_payment(self) -> Decimal:
        return self.principal + self.total_interest


@dataclass(frozen=True)
class CombinedQuote:
    """组合贷款: each part quoted on its own, then the rounded figures added."""

    commercial: LoanQuote
    provident: LoanQuote

    @property
    def monthly_payment(self) -> Decimal:
        return self.commercial.monthly_payment + self.provident.monthly_payment

    @property
    def first_payment(self) -> Decimal:
        return self.commercial.first_payment + self.provident.first_payment

    @property
    def monthly_decrease(self) -> Decimal:
        return self.commercial.monthly_decrease + self.provident.monthly_decrease

    @property
    def last_payment(self) -> Decimal:
        return self.commercial.last_payment + self.provident.last_payment

    @property
    def principal(self) -> Decimal:
        return self.commercial.principal + self.provident.principal

    @property
    def total_interest(self) -> Decimal:
        return self.commercial.total_interest + self.provident.total_interest

    @property
    def total_payment(self) -> Decimal:
        return self.commercial.total_payment + self.provident.total_payment


@dataclass(frozen=True)
class ScheduleRow:
    """One month of a repayment schedule; payment == principal + interest."""

    month: int
    payment: Decimal
    principal: Decimal
    interest: Decimal
    remaining: Decimal


def _inputs(
    principal: DecimalLike, annual_rate: DecimalLike, months: int
) -> tuple[Decimal, Decimal]:
    amount = money(principal)
    rate = to_decimal(annual_rate)
    if amount < 0:
        raise ValueError("贷款金额不能为负数")
    if rate < 0:
        raise ValueError("贷款利率不能为负数")
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ValueError("贷款期数必须是正整数")
    return amount, rate


def _exact_installment(principal: Decimal, monthly_rate: Decimal, months: int) -> Decimal:
    """Unrounded 等额本息 payment; call inside a high-precision context."""
    if monthly_rate == 0:
        return principal / months
    factor = (1 + monthly_rate) ** months
    return principal * monthly_rate * factor / (factor - 1)


def equal_installment(principal: DecimalLike, annual_rate: DecimalLike, months: int) -> LoanQuote:
    """等额本息 quote: M = P·r·(1+r)^n / ((1+r)^n − 1), total interest M·n − P rounded last."""
    amount, rate = _inputs(principal, annual_rate, months)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        payment = _exact_installment(amount, rate / 12, months)
        # Bank calculators round the total from the exact payment, not from the rounded one.
        total_interest = money(payment * months - amount)
        payment = money(payment)
    return LoanQuote(
        method=RepaymentMethod.EQUAL_INSTALLMENT,
        principal=amount,
        annual_rate=rate,
        months=months,
        first_payment=payment,
        monthly_decrease=Decimal("0.00"),
        last_payment=payment,
        total_interest=total_interest,
    )


def equal_principal(principal: DecimalLike, annual_rate: DecimalLike, months: int) -> LoanQuote:
    """等额本金 quote: month k pays P/n + (P − (k−1)·P/n)·r."""
    amount, rate = _inputs(principal, annual_rate, months)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        monthly_rate = rate / 12
        share = amount / months
        decrease = share * monthly_rate
        first = share + amount * monthly_rate
        last = share + share * monthly_rate
        # Interest falls linearly, so its sum is the average of first and last times n.
        total_interest = amount * monthly_rate * (months + 1) / 2
        return LoanQuote(
            method=RepaymentMethod.EQUAL_PRINCIPAL,
            principal=amount,
            annual_rate=rate,
            months=months,
            first_payment=money(first),
            monthly_decrease=money(decrease),
            last_payment=money(last),
            total_interest=money(total_interest),
        )


def quote(
    principal: DecimalLike,
    annual_rate: DecimalLike,
    months: int,
    method: RepaymentMethod,
) -> LoanQuote:
    """Quote one loan by either repayment method."""
    if RepaymentMethod(method) is RepaymentMethod.EQUAL_PRINCIPAL:
        return equal_principal(principal, annual_rate, months)
    return equal_installment(principal, annual_rate, months)


def combined(
    *,
    commercial_principal: DecimalLike,
    commercial_rate: DecimalLike,
    provident_principal: DecimalLike,
    provident_rate: DecimalLike,
    months: int,
    method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALLMENT,
) -> CombinedQuote:
    """组合贷款: commercial and provident-fund parts computed separately, then added."""
    return CombinedQuote(
        commercial=quote(commercial_principal, commercial_rate, months, method),
        provident=quote(provident_principal, provident_rate, months, method),
    )


def schedule(
    principal: DecimalLike,
    annual_rate: DecimalLike,
    months: int,
    method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALLMENT,
) -> list[ScheduleRow]:
    """Month-by-month schedule; interest rounded each month, the last month absorbs rounding."""
    amount, rate = _inputs(principal, annual_rate, months)
    method = RepaymentMethod(method)
    rows: list[ScheduleRow] = []
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        monthly_rate = rate / 12
        installment = money(_exact_installment(amount, monthly_rate, months))
        share = money(amount / months)
        remaining = amount
        for month in range(1, months + 1):
            interest = money(remaining * monthly_rate)
            if month == months:
                # Whatever rounding left over is repaid now, so principal sums to the loan.
                repaid = remaining
            elif method is RepaymentMethod.EQUAL_PRINCIPAL:
                repaid = min(share, remaining)
            else:
                repaid = min(installment - interest, remaining)
            remaining -= repaid
            rows.append(
                ScheduleRow(
                    month=month,
                    payment=repaid + interest,
                    principal=repaid,
                    interest=interest,
                    remaining=remaining,
                )
            )
    return rows
