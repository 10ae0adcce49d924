"""试算统计: one row per price trial (试算) or saved quote of a unit, for pricing analysis."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class QuoteTrial(Base):
    """A consultant priced `unit_id` for a customer (or nobody yet) at `at` (UTC); `saved` when
    the trial was saved as a numbered 置业计划书. Insert-only: never updated."""

    __tablename__ = "quote_trial"
    __table_args__ = (Index("ix_quote_trial_project_at", "project_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("payment_plan.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    saved: Mapped[bool] = mapped_column(default=False)
