"""After-sales (售后服务): mortgage processing (按揭办理) and property certificates (产权办理).

One case per live contracted deal and kind, created when after-sales first acts on it (until
then the deal is listed as 待办). Its documents are the code dictionary's checklist for the
kind (categories `mortgage_document` and `certificate_document`), each ticked when received;
every status change is a step in the case's history."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, enum_column, utcnow
from .types import Money


class CaseKind(enum.StrEnum):
    MORTGAGE = "mortgage"  # 按揭办理
    CERTIFICATE = "certificate"  # 产权办理


class CaseStatus(enum.StrEnum):
    """Both kinds share 待办 and 送办; mortgage ends at 已办, a certificate goes 待办 → 已申请 →
    送办 → 出证 (data_layer.rules.aftersales has the order of each kind)."""

    PENDING = "pending"  # 待办
    APPLIED = "applied"  # 已申请 (certificate)
    SUBMITTED = "submitted"  # 送办
    DONE = "done"  # 已办 (mortgage)
    ISSUED = "issued"  # 出证 (certificate)


class AftersalesCase(Base, Timestamped):
    __tablename__ = "aftersales_case"
    __table_args__ = (
        UniqueConstraint("kind", "deal_id"),
        Index("ix_aftersales_case_project", "project_id", "kind", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CaseKind] = enum_column(CaseKind)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    status: Mapped[CaseStatus] = enum_column(CaseStatus, default=CaseStatus.PENDING)
    status_on: Mapped[date | None] = mapped_column(Date)  # when the current status was reached
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Mortgage: the lending bank and the loan; certificate: the certificate number once issued.
    bank: Mapped[str] = mapped_column(String(100), default="")
    loan_amount: Mapped[Decimal | None] = mapped_column(Money())
    certificate_no: Mapped[str] = mapped_column(String(50), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    documents: Mapped[list[AftersalesDocument]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )


class AftersalesDocument(Base):
    """A checklist document received from the owner (the code is a code_item's code)."""

    __tablename__ = "aftersales_document"
    __table_args__ = (UniqueConstraint("case_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("aftersales_case.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    received_on: Mapped[date] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    case: Mapped[AftersalesCase] = relationship(back_populates="documents")


class AftersalesStep(Base):
    """One status change of a case, never rewritten."""

    __tablename__ = "aftersales_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("aftersales_case.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    from_status: Mapped[CaseStatus] = enum_column(CaseStatus)
    to_status: Mapped[CaseStatus] = enum_column(CaseStatus)
    note: Mapped[str] = mapped_column(String(200), default="")
