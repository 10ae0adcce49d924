"""Inventory: units, their status history, release batches and price history."""

from __future__ import annotations

import enum
import time
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    literal_column,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .org import Building, Layout
from .types import Area, Money, Rate


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
        # The overview's stock by status from the index alone.
        Index("ix_unit_project_stock", "project_id", "status", "gross_area", "list_total"),
        # The live chart's fingerprint (count, max id, Σ revision per building) from the index.
        Index("ix_unit_building_revision", "building_id", "revision"),
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
    # Open charts poll Σ revision per building through the (building_id, revision) index (see
    # queries.inventory.version). Any UPDATE of a unit through SQLAlchemy, ORM or Core, adds 1
    # in the database (so concurrent commits in any order each move the sum); a new unit starts
    # at the clock in milliseconds, so that one replacing a deleted unit under the same id
    # (SQLite reuses the highest rowid) moves the sum too. Milliseconds, not finer: SQLite's
    # sum() of integers must stay within 64 bits for millions of units in a building.
    revision: Mapped[int] = mapped_column(
        BigInteger,
        default=lambda: time.time_ns() // 1_000_000,
        server_default="0",
        onupdate=literal_column("unit.revision + 1"),
    )
    # Bumped on every status or price change; microseconds on MySQL too.
    updated_at: Mapped[datetime] = mapped_column(
        DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"),
        default=utcnow,
        onupdate=utcnow,
    )

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


class AdjustmentStatus(enum.StrEnum):
    PENDING = "pending"  # 待审批
    APPROVED = "approved"  # 已批准并生效
    REJECTED = "rejected"  # 已驳回
    APPLIED = "applied"  # 直接生效 (within the threshold)


class AdjustmentMethod(enum.StrEnum):
    PERCENT = "percent"  # 按比例 (+3 = +3%)
    AMOUNT = "amount"  # 按每平米金额 (+200 = +200 ¥/m²)
    RULE = "rule"  # 按定价规则 (base × coefficients)
    DIRECT = "direct"  # 逐套指定 / Excel


class PriceAdjustment(Base):
    """调价单: a batch price change with its preview; above the threshold it waits for a sales
    manager's approval, and only then are the unit prices changed (items hold old and new)."""

    __tablename__ = "price_adjustment"
    __table_args__ = (Index("ix_price_adjustment_project_status", "project_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    code: Mapped[str] = mapped_column(String(50), unique=True)
    method: Mapped[AdjustmentMethod] = enum_column(AdjustmentMethod)
    value: Mapped[Decimal | None] = mapped_column(Money())
    scope: Mapped[str] = mapped_column(String(200), default="")  # readable: 3栋 10-20层 A户型
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[AdjustmentStatus] = enum_column(AdjustmentStatus)
    unit_count: Mapped[int] = mapped_column(Integer, default=0)
    old_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    new_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    # Largest absolute relative change of one unit's list price (0.0500 = 5%).
    max_change: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("0"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str] = mapped_column(String(200), default="")

    items: Mapped[list[PriceAdjustmentItem]] = relationship(
        back_populates="adjustment", order_by="PriceAdjustmentItem.id"
    )


class PriceAdjustmentItem(Base):
    __tablename__ = "price_adjustment_item"
    __table_args__ = (UniqueConstraint("adjustment_id", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    adjustment_id: Mapped[int] = mapped_column(ForeignKey("price_adjustment.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    old_list_unit_price: Mapped[Decimal | None] = mapped_column(Money())
    new_list_unit_price: Mapped[Decimal | None] = mapped_column(Money())
    old_list_total: Mapped[Decimal | None] = mapped_column(Money())
    new_list_total: Mapped[Decimal | None] = mapped_column(Money())
    old_floor_unit_price: Mapped[Decimal | None] = mapped_column(Money())
    new_floor_unit_price: Mapped[Decimal | None] = mapped_column(Money())

    adjustment: Mapped[PriceAdjustment] = relationship(back_populates="items")


class PriceRule(Base):
    """定价规则: list price per m² = formula over the base price and the coefficients of the
    unit's floor, orientation and layout (evaluated with rules.fees.evaluate_formula)."""

    __tablename__ = "price_rule"
    __table_args__ = (UniqueConstraint("building_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"))
    base_unit_price: Mapped[Decimal] = mapped_column(Money())
    formula: Mapped[str] = mapped_column(
        String(200), default="base * floor_k * orientation_k * layout_k"
    )
    # Floor price per m² as a share of the list price (底价 = 表价 × floor_ratio).
    floor_ratio: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("0.95"))
    # Floor coefficients as "from-to:factor" lines, e.g. "1-3:0.97\n4-20:1.00\n21-33:1.03".
    floor_factors: Mapped[str] = mapped_column(Text, default="")
    # "code:factor" lines for orientation codes and layout names.
    orientation_factors: Mapped[str] = mapped_column(Text, default="")
    layout_factors: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
