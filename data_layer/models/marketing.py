"""Marketing: ad campaigns (广告活动), linked to a channel and a period of one project."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped
from .types import Money


class Campaign(Base, Timestamped):
    """An advertising campaign of a project on one channel (认知途径) over a period.

    Customers are attributed to a campaign when they first contacted the project through its
    channel within its period (the customer records only the channel, as the product we
    replace did)."""

    __tablename__ = "campaign"
    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        Index("ix_campaign_project_period", "project_id", "starts_on", "ends_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    name: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    budget: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
