"""置业计划书 (quotes): a consultant's priced offer of one unit to one customer, every figure
snapshotted so that later price, rate or fee changes never alter a quote already handed out."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped, enum_column
from .deals import PlanKind
from .types import Area, Money, Rate


class LoanKind(enum.StrEnum):
    NONE = "none"  # 不贷款 (一次性 / 分期)
    COMMERCIAL = "commercial"  # 商业贷款
    PROVIDENT = "provident"  # 公积金贷款
    COMBINED = "combined"  # 组合贷款


class Quote(Base, Timestamped):
    """One quote: numbered per company, valid for a few days, never edited after saving."""

    __tablename__ = "quote"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        Index("ix_quote_project_day", "project_id", "quoted_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("user.id"))  # who prepared it
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("payment_plan.id"))
    number: Mapped[str] = mapped_column(String(32))
    quoted_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    # The price and every factor behind it (as data_layer.commands.deals.quote_price gives it).
    plan_name: Mapped[str] = mapped_column(String(50))
    plan_kind: Mapped[PlanKind] = enum_column(PlanKind)
    area: Mapped[Decimal] = mapped_column(Area())
    list_unit_price: Mapped[Decimal] = mapped_column(Money())
    list_total: Mapped[Decimal] = mapped_column(Money())
    discount_rate: Mapped[Decimal] = mapped_column(Rate())
    plan_total: Mapped[Decimal] = mapped_column(Money())
    extra_discount: Mapped[Decimal] = mapped_column(Money())
    deal_total: Mapped[Decimal] = mapped_column(Money())
    deal_unit_price: Mapped[Decimal] = mapped_column(Money())
    # An extra discount beyond the consultant's limit: the quote says so (a quote is no deal).
    needs_approval: Mapped[bool] = mapped_column(default=False)
    approval_reason: Mapped[str] = mapped_column(String(200), default="")
    # Payment: deposit (part of the down payment), down payment, loans.
    deposit: Mapped[Decimal] = mapped_column(Money())
    down_payment_ratio: Mapped[Decimal] = mapped_column(Rate())
    down_payment: Mapped[Decimal] = mapped_column(Money())
    loan_kind: Mapped[LoanKind] = enum_column(LoanKind)
    loan_years: Mapped[int] = mapped_column(Integer, default=0)
    commercial_loan: Mapped[Decimal] = mapped_column(Money())
    commercial_rate: Mapped[Decimal] = mapped_column(Rate())
    provident_loan: Mapped[Decimal] = mapped_column(Money())
    provident_rate: Mapped[Decimal] = mapped_column(Rate())
    # 等额本息: the same payment every month; 等额本金: first month, monthly decrease, last.
    installment_monthly: Mapped[Decimal] = mapped_column(Money())
    installment_interest: Mapped[Decimal] = mapped_column(Money())
    principal_first: Mapped[Decimal] = mapped_column(Money())
    principal_decrease: Mapped[Decimal] = mapped_column(Money())
    principal_last: Mapped[Decimal] = mapped_column(Money())
    principal_interest: Mapped[Decimal] = mapped_column(Money())
    # Taxes and fees: [{"code", "name", "amount"}] with amounts as exact strings.
    home_count: Mapped[int] = mapped_column(Integer, default=1)
    fees: Mapped[list] = mapped_column(JSON, default=list)
    fees_total: Mapped[Decimal] = mapped_column(Money())
    cash_needed: Mapped[Decimal] = mapped_column(Money())
    notes: Mapped[str] = mapped_column(Text, default="")
