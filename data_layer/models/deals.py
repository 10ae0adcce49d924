"""Transactions (deals) on units, payment plans, receivables, receipts and their allocation."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, enum_column, utcnow
from .types import Area, Money, Rate


class PlanKind(enum.StrEnum):
    LUMP_SUM = "lump_sum"  # 一次性
    INSTALLMENT = "installment"  # 分期
    COMMERCIAL = "commercial"  # 商业贷款
    PROVIDENT = "provident"  # 公积金
    COMBINED = "combined"  # 组合贷款


class PaymentPlan(Base):
    __tablename__ = "payment_plan"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[PlanKind] = enum_column(PlanKind)
    discount_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("1"))
    active: Mapped[bool] = mapped_column(default=True)

    items: Mapped[list[PaymentPlanItem]] = relationship(order_by="PaymentPlanItem.seq")


class ReceivableKind(enum.StrEnum):
    DEPOSIT = "deposit"  # 定金
    DOWN_PAYMENT = "down_payment"  # 首付
    INSTALLMENT = "installment"  # 分期款
    FULL_PAYMENT = "full_payment"  # 一次性房款
    MORTGAGE = "mortgage"  # 按揭款 (paid by the bank)
    PROVIDENT = "provident"  # 公积金贷款 (paid by the fund)
    FEE = "fee"  # 税费 / 配套费
    REFUND = "refund"  # 退款 (negative amount owed to the buyer)
    SETTLEMENT = "settlement"  # 面积补差


class PaymentPlanItem(Base):
    """One line of a plan's schedule: a share of the price due some days after subscription."""

    __tablename__ = "payment_plan_item"
    __table_args__ = (UniqueConstraint("plan_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plan.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ReceivableKind] = enum_column(ReceivableKind)
    ratio: Mapped[Decimal] = mapped_column(Rate())
    due_days: Mapped[int] = mapped_column(Integer, default=0)


class DealStage(enum.StrEnum):
    RESERVED = "reserved"  # 预留
    HELD = "held"  # 临定
    SUBSCRIBED = "subscribed"  # 认购
    CONTRACTED = "contracted"  # 签约


class DealState(enum.StrEnum):
    LIVE = "live"
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # 退房
    FORFEITED = "forfeited"  # 挞定
    SWAPPED = "swapped"  # 换房 (the old deal)


class ContractStatus(enum.StrEnum):
    NONE = "none"
    SIGNED = "signed"
    AUDITED = "audited"  # 审核
    FILED = "filed"  # 备案


class Deal(Base, Timestamped):
    """A transaction on one unit. While live, live_unit_id = unit_id and is UNIQUE, so the
    database itself refuses a second live deal on the same unit."""

    __tablename__ = "deal"
    __table_args__ = (
        Index("ix_deal_project_stage", "project_id", "state", "stage"),
        Index("ix_deal_consultant", "consultant_id", "state"),
        Index("ix_deal_subscribed", "project_id", "subscribed_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history on what data_layer/figures.py aggregates
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), active_history=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    live_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    stage: Mapped[DealStage] = enum_column(DealStage, active_history=True)
    state: Mapped[DealState] = enum_column(DealState, default=DealState.LIVE, active_history=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("payment_plan.id"))
    # Snapshot of the price and every factor at the time of the deal.
    area: Mapped[Decimal | None] = mapped_column(Area(), active_history=True)
    list_unit_price: Mapped[Decimal | None] = mapped_column(Money())
    list_total: Mapped[Decimal | None] = mapped_column(Money())
    discount_rate: Mapped[Decimal | None] = mapped_column(Rate())
    extra_discount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    deal_unit_price: Mapped[Decimal | None] = mapped_column(Money())
    deal_total: Mapped[Decimal | None] = mapped_column(Money(), active_history=True)
    deposit: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    reserved_until: Mapped[date | None] = mapped_column(Date)
    held_until: Mapped[date | None] = mapped_column(Date)
    subscribed_on: Mapped[date | None] = mapped_column(Date, active_history=True)
    contract_no: Mapped[str | None] = mapped_column(String(50), unique=True)
    contracted_on: Mapped[date | None] = mapped_column(Date, active_history=True)
    contract_status: Mapped[ContractStatus] = enum_column(
        ContractStatus, default=ContractStatus.NONE
    )
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    close_reason: Mapped[str] = mapped_column(String(200), default="")

    receivables: Mapped[list[Receivable]] = relationship(
        back_populates="deal", order_by="Receivable.seq"
    )


class DealEvent(Base):
    """History of a deal: every stage change, approval and transaction change."""

    __tablename__ = "deal_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class Receivable(Base):
    """应收: one amount a deal owes, by whom and when."""

    __tablename__ = "receivable"
    __table_args__ = (Index("ix_receivable_due", "project_id", "due_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: see data_layer/figures.py
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), active_history=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ReceivableKind] = enum_column(ReceivableKind)
    payer: Mapped[str] = mapped_column(String(16), default="buyer")  # buyer / bank / fund
    due_on: Mapped[date] = mapped_column(Date, active_history=True)
    amount: Mapped[Decimal] = mapped_column(Money(), active_history=True)
    # Denormalised sum of audited allocations, kept by the receipt commands.
    paid: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"), active_history=True)
    cancelled: Mapped[bool] = mapped_column(default=False, active_history=True)

    deal: Mapped[Deal] = relationship(back_populates="receivables")


class ReceiptStatus(enum.StrEnum):
    DRAFT = "draft"
    AUDITED = "audited"
    VOIDED = "voided"


class Receipt(Base, Timestamped):
    """收据: numbered per company; after audit never edited, only voided or reversed."""

    __tablename__ = "receipt"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        Index("ix_receipt_project_day", "project_id", "received_on", "kind"),
        # Covers the collections aggregates (回款分析, 日报): no table lookups on 2M receipts.
        Index("ix_receipt_collections", "project_id", "status", "received_on", "kind", "amount"),
        # The few split receipts (split_kinds) of a project and period, for the correction
        # 回款分析 adds to the aggregate above; covering for the receipts' own side of it.
        Index(
            "ix_receipt_split",
            "split_kinds",
            "project_id",
            "status",
            "received_on",
            "kind",
            "amount",
        ),
        # A receipt is reversed (红冲) at most once: the database refuses a second reversal.
        Index("uq_receipt_reverses_id", "reverses_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    # active_history: see data_layer/figures.py
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), active_history=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    payer: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(16))  # cash / card / transfer / bank
    kind: Mapped[ReceivableKind] = enum_column(ReceivableKind)
    amount: Mapped[Decimal] = mapped_column(Money(), active_history=True)
    received_on: Mapped[date] = mapped_column(Date, active_history=True)
    status: Mapped[ReceiptStatus] = enum_column(
        ReceiptStatus, default=ReceiptStatus.DRAFT, active_history=True
    )
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    audited_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    audited_at: Mapped[datetime | None] = mapped_column(DateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Its allocations pay receivables of more than one kind (定金 and 房款 in one transfer):
    # 回款分析 counts those by the receivables' kinds, every other receipt by its own `kind`
    # (the kind of all its lines). Set by the receipt commands through splits_kinds().
    split_kinds: Mapped[bool] = mapped_column(default=False, server_default="0")

    allocations: Mapped[list[ReceiptAllocation]] = relationship(back_populates="receipt")


def splits_kinds(kinds: Iterable[ReceivableKind | str]) -> bool:
    """Receipt.split_kinds from the kinds of the receivables its allocations pay."""
    return len({ReceivableKind(k) for k in kinds}) > 1


class ReceiptAllocation(Base):
    __tablename__ = "receipt_allocation"
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), index=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivable.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())

    receipt: Mapped[Receipt] = relationship(back_populates="allocations")


class FeeRule(Base):
    """费用设置: a fee or tax as a formula over area and price, effective from a date, per city."""

    __tablename__ = "fee_rule"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    city: Mapped[str] = mapped_column(String(50), default="*")
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(50))
    formula: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ApprovalKind(enum.StrEnum):
    DISCOUNT = "discount"  # 额外优惠 beyond the limit / below the floor price
    FORFEIT = "forfeit"  # 挞定
    CANCEL = "cancel"  # 退房
    SWAP = "swap"  # 换房
    RENAME = "rename"  # 更名


class ApprovalStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class DealApproval(Base, Timestamped):
    """A requested transaction change (交易变更) waiting for a manager's decision.

    At most one pending request per deal: pending_deal_id = deal_id while pending (UNIQUE)."""

    __tablename__ = "deal_approval"
    __table_args__ = (Index("ix_deal_approval_project_status", "project_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id"), index=True)
    pending_deal_id: Mapped[int | None] = mapped_column(ForeignKey("deal.id"), unique=True)
    kind: Mapped[ApprovalKind] = enum_column(ApprovalKind)
    status: Mapped[ApprovalStatus] = enum_column(ApprovalStatus, default=ApprovalStatus.PENDING)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(String(200), default="")
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str] = mapped_column(String(200), default="")


class DeedTaxRate(Base):
    """契税 rates per city from a date on (a row of rules.fees.DeedTaxRule)."""

    __tablename__ = "deed_tax_rate"
    __table_args__ = (UniqueConstraint("city", "effective_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str] = mapped_column(String(50), default="*")
    effective_from: Mapped[date] = mapped_column(Date)
    area_threshold: Mapped[Decimal] = mapped_column(Area())
    first_home_small: Mapped[Decimal] = mapped_column(Rate())
    first_home_large: Mapped[Decimal] = mapped_column(Rate())
    second_home_small: Mapped[Decimal] = mapped_column(Rate())
    second_home_large: Mapped[Decimal] = mapped_column(Rate())
    other_home_rate: Mapped[Decimal] = mapped_column(Rate())


class ReceiptSequence(Base):
    """The next voucher number of a company for a prefix (SJ 收据, TK 退款单, ZK 换房转款) in
    a year (locked while a number is taken)."""

    __tablename__ = "receipt_sequence"
    __table_args__ = (UniqueConstraint("company_id", "prefix", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    prefix: Mapped[str] = mapped_column(String(8), default="SJ", server_default="SJ")
    year: Mapped[int] = mapped_column(Integer)
    next_no: Mapped[int] = mapped_column(Integer, default=1)


class CommandToken(Base):
    """A form submission's one-time token: a second click of the same form is refused by the
    database (UNIQUE), so a double submit never creates twins."""

    __tablename__ = "command_token"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    result_id: Mapped[int | None] = mapped_column(Integer)
