"""Inventory: units, their status history, release batches and price history."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .org import Building, Layout
from .types import Area, Money


class UnitStatus(enum.StrEnum):
    UNRELEASED = "unreleased"  # 未放盘
    AVAILABLE = "available"  # 待售
    RESERVED = "reserved"  # 预留
    HELD = "held"  # 临定
    SUBSCRIBED = "subscribed"  # 认购
    CONTRACTED = "contracted"  # 签约
    NOT_FOR_SALE = "not_for_sale"  # 不可售


class PricingBasis(enum.StrEnum):
    GROSS = "gross"  # 按建筑面积
    INTERNAL = "internal"  # 按套内面积
    UNIT = "unit"  # 按套


class ReleaseBatch(Base):
    """放盘批次: units released to sale together."""

    __tablename__ = "release_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    released_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class Unit(Base):
    __tablename__ = "unit"
    __table_args__ = (
        UniqueConstraint("project_id", "code"),
        Index("ix_unit_building_floor", "building_id", "floor", "position"),
        Index("ix_unit_project_status", "project_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"))
    section: Mapped[int] = mapped_column(Integer, default=1)
    floor: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)  # number on the floor: 1502 → 2
    code: Mapped[str] = mapped_column(String(32))
    layout_id: Mapped[int | None] = mapped_column(ForeignKey("layout.id"), index=True)
    orientation: Mapped[str] = mapped_column(String(32), default="")
    use: Mapped[str] = mapped_column(String(32), default="residential")
    decoration: Mapped[str] = mapped_column(String(32), default="")
    gross_area: Mapped[Decimal] = mapped_column(Area())
    internal_area: Mapped[Decimal] = mapped_column(Area())
    shared_area: Mapped[Decimal] = mapped_column(Area())
    measured_gross_area: Mapped[Decimal | None] = mapped_column(Area())
    measured_internal_area: Mapped[Decimal | None] = mapped_column(Area())
    pricing_basis: Mapped[PricingBasis] = enum_column(PricingBasis, default=PricingBasis.GROSS)
    list_unit_price: Mapped[Decimal | None] = mapped_column(Money())
    list_total: Mapped[Decimal | None] = mapped_column(Money())
    floor_unit_price: Mapped[Decimal | None] = mapped_column(Money())
    floor_total: Mapped[Decimal | None] = mapped_column(Money())
    status: Mapped[UnitStatus] = enum_column(UnitStatus, default=UnitStatus.UNRELEASED)
    release_batch_id: Mapped[int | None] = mapped_column(ForeignKey("release_batch.id"))
    # Shown as sold on the customer-facing (virtual) sales control chart.
    virtual_sold: Mapped[bool] = mapped_column(default=False)
    # Bumped on every status or price change: open charts poll max(updated_at) per building.
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    building: Mapped[Building] = relationship()
    layout: Mapped[Layout | None] = relationship()


class UnitStatusChange(Base):
    __tablename__ = "unit_status_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    from_status: Mapped[UnitStatus] = enum_column(UnitStatus)
    to_status: Mapped[UnitStatus] = enum_column(UnitStatus)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deal.id"))
    note: Mapped[str] = mapped_column(String(200), default="")


class PriceChange(Base):
    """价格历史: every list/floor price change is appended, never overwritten."""

    __tablename__ = "price_change"
    __table_args__ = (Index("ix_price_change_unit_at", "unit_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    batch: Mapped[str] = mapped_column(String(50), default="")  # groups a batch adjustment
    old_list_unit_price: Mapped[Decimal | None] = mapped_column(Money())
    new_list_unit_price: Mapped[Decimal | None] = mapped_column(Money())
    old_list_total: Mapped[Decimal | None] = mapped_column(Money())
    new_list_total: Mapped[Decimal | None] = mapped_column(Money())
    old_floor_unit_price: Mapped[Decimal | None] = mapped_column(Money())
    new_floor_unit_price: Mapped[Decimal | None] = mapped_column(Money())
