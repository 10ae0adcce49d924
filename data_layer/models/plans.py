"""Sales plans (销售计划) and marketing cost (营销费用)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped
from .types import Area, Money


class SalesPlan(Base):
    """Monthly targets of a team or a consultant (neither: the whole project)."""

    __tablename__ = "sales_plan"
    __table_args__ = (UniqueConstraint("project_id", "month", "team_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    month: Mapped[date] = mapped_column(Date)  # first day of the month
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    target_units: Mapped[int] = mapped_column(Integer, default=0)
    target_area: Mapped[Decimal] = mapped_column(Area(), default=Decimal("0"))
    target_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))


class MarketingBudget(Base):
    """营销费用计划: planned spend per project, month, channel and category."""

    __tablename__ = "marketing_budget"
    __table_args__ = (UniqueConstraint("project_id", "month", "channel", "category"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    month: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Money())


class MarketingExpense(Base, Timestamped):
    """实际费用: money actually spent."""

    __tablename__ = "marketing_expense"
    __table_args__ = (Index("ix_marketing_expense_project_day", "project_id", "spent_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    spent_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    campaign: Mapped[str] = mapped_column(String(100), default="")
    # The campaign row (migration 0006); `campaign` keeps its name as entered.
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    vendor: Mapped[str] = mapped_column(String(100), default="")
    invoice_no: Mapped[str] = mapped_column(String(50), default="")
    amount: Mapped[Decimal] = mapped_column(Money())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
