"""Customers (the CRM funnel) and their follow-ups."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped, enum_column, utcnow
from .types import Area, Money


class CustomerStage(enum.StrEnum):
    LEAD = "lead"  # 线索
    OPPORTUNITY = "opportunity"  # 机会
    DEAL = "deal"  # 成交
    LOST = "lost"  # 流失


class ContactKind(enum.StrEnum):
    VISIT = "visit"  # 来访
    CALL = "call"  # 来电
    OTHER = "other"


class Customer(Base, Timestamped):
    __tablename__ = "customer"
    __table_args__ = (
        # One customer record per mobile per project: duplicates are refused by the database.
        UniqueConstraint("project_id", "mobile"),
        Index("ix_customer_project_first", "project_id", "first_contact_on", "channel", "stage"),
        Index("ix_customer_consultant", "consultant_id", "stage"),
        Index("ix_customer_project_idno", "project_id", "id_number"),
        # Follow-ups due (desktop figure, reminders, to-do) counted from the index alone.
        Index("ix_customer_follow_up", "next_follow_up_on", "stage"),
        # Migration 0004: covers the funnel, trend and ranking aggregates of a project and period.
        Index(
            "ix_customer_funnel",
            "project_id",
            "first_contact_on",
            "consultant_id",
            "channel",
            "level",
            "first_contact",
            "visit_count",
            "stage",
            "opportunity_on",
        ),
        # Across projects (an executive's "all projects"): the same figures by day first.
        Index(
            "ix_customer_day_funnel",
            "first_contact_on",
            "project_id",
            "consultant_id",
            "channel",
            "level",
            "first_contact",
            "visit_count",
            "stage",
            "opportunity_on",
        ),
        Index(
            "ix_customer_lost",
            "project_id",
            "lost_on",
            "lost_reason",
            "consultant_id",
            "channel",
            "level",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history on the columns data_layer/figures.py aggregates: their old values are
    # known at flush even when a command sets them without reading them first.
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), active_history=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    name: Mapped[str] = mapped_column(String(50))
    mobile: Mapped[str] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(18))
    gender: Mapped[str] = mapped_column(String(8), default="")
    birthday: Mapped[date | None] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(32), default="")
    first_contact: Mapped[ContactKind] = enum_column(ContactKind, default=ContactKind.VISIT)
    first_contact_on: Mapped[date] = mapped_column(Date, active_history=True)
    stage: Mapped[CustomerStage] = enum_column(
        CustomerStage, default=CustomerStage.LEAD, active_history=True
    )
    level: Mapped[str] = mapped_column(String(1), default="")  # A/B/C/D for opportunities
    lost_reason: Mapped[str] = mapped_column(String(32), default="")
    intended_layout: Mapped[str] = mapped_column(String(50), default="")
    area_min: Mapped[Decimal | None] = mapped_column(Area())
    area_max: Mapped[Decimal | None] = mapped_column(Area())
    budget: Mapped[Decimal | None] = mapped_column(Money())
    purpose: Mapped[str] = mapped_column(String(32), default="")
    visit_count: Mapped[int] = mapped_column(Integer, default=1)
    follow_up_count: Mapped[int] = mapped_column(Integer, default=0)
    last_contact_on: Mapped[date | None] = mapped_column(Date)
    next_follow_up_on: Mapped[date | None] = mapped_column(Date)
    assigned_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Migration 0004: when the customer first became an opportunity / was lost (funnel).
    opportunity_on: Mapped[date | None] = mapped_column(Date)
    lost_on: Mapped[date | None] = mapped_column(Date)


class FollowUp(Base):
    """跟进: one contact with a customer."""

    __tablename__ = "follow_up"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[ContactKind] = enum_column(ContactKind)
    happened_on: Mapped[date] = mapped_column(Date, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    next_on: Mapped[date | None] = mapped_column(Date)


class SurveyKind(enum.StrEnum):
    TEXT = "text"  # 文本
    NUMBER = "number"  # 数字
    SINGLE = "single"  # 单选
    MULTI = "multi"  # 多选


class SurveyField(Base, Timestamped):
    """问卷数据项: a question an administrator adds to a project's registration form."""

    __tablename__ = "survey_field"
    __table_args__ = (UniqueConstraint("project_id", "label"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    label: Mapped[str] = mapped_column(String(50))
    kind: Mapped[SurveyKind] = enum_column(SurveyKind)
    options: Mapped[list] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SurveyAnswer(Base):
    """A customer's answer to one survey field; a multiple choice is a JSON list of options."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("customer_id", "field_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    field_id: Mapped[int] = mapped_column(ForeignKey("survey_field.id"), index=True)
    value: Mapped[str] = mapped_column(Text, default="")


class AssignmentKind(enum.StrEnum):
    REGISTER = "register"  # 登记
    IMPORT = "import"  # 导入
    CLAIM = "claim"  # 保护期满后接手
    OVERRIDE = "override"  # 经理强制改归属
    TRANSFER = "transfer"  # 客户接转


class CustomerAssignment(Base):
    """Attribution history: who owned a customer from when, and why it changed."""

    __tablename__ = "customer_assignment"
    __table_args__ = (Index("ix_customer_assignment_to", "to_consultant_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    from_consultant_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    to_consultant_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[AssignmentKind] = enum_column(AssignmentKind)
    reason: Mapped[str] = mapped_column(String(200), default="")
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
