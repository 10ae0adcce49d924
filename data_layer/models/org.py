"""Organisation: companies, projects, buildings, layouts, the code dictionary, users and teams."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from .base import Base, Timestamped, enum_column, utcnow
from .types import Area


class Company(Base):
    __tablename__ = "company"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class Project(Base, Timestamped):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(50))
    address: Mapped[str] = mapped_column(String(200), default="")
    opened_on: Mapped[date | None] = mapped_column(Date)
    # Days a consultant keeps a customer before another consultant may take them over.
    protection_days: Mapped[int] = mapped_column(Integer, default=30)
    # Days a temporary hold (临定) lasts before the unit is released again.
    hold_days: Mapped[int] = mapped_column(Integer, default=3)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    company: Mapped[Company] = relationship()
    buildings: Mapped[list[Building]] = relationship(
        back_populates="project", order_by="Building.code"
    )


class Building(Base):
    __tablename__ = "building"
    __table_args__ = (UniqueConstraint("project_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(50))
    floors: Mapped[int] = mapped_column(Integer)
    sections: Mapped[int] = mapped_column(Integer, default=1)
    units_per_floor: Mapped[int] = mapped_column(Integer)

    project: Mapped[Project] = relationship(back_populates="buildings")


class Layout(Base):
    """户型: a floor plan that units refer to."""

    __tablename__ = "layout"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    rooms: Mapped[int] = mapped_column(Integer, default=0)
    halls: Mapped[int] = mapped_column(Integer, default=0)
    baths: Mapped[int] = mapped_column(Integer, default=0)
    gross_area: Mapped[Decimal | None] = mapped_column(Area())
    plan_image: Mapped[str | None] = mapped_column(String(255))


class CodeItem(Base):
    """代码设置: administrator-defined drop-down values, grouped by category."""

    __tablename__ = "code_item"
    __table_args__ = (UniqueConstraint("category", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100), default="")
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Setting(Base):
    """Key/value settings such as precision (数据设置)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class RoleCode(enum.StrEnum):
    ADMIN = "admin"
    EXECUTIVE = "executive"
    MANAGER = "manager"
    CONSULTANT = "consultant"
    FINANCE = "finance"
    MARKETING = "marketing"
    AFTERSALES = "aftersales"


class Role(Base):
    __tablename__ = "role"
    code: Mapped[RoleCode] = enum_column(RoleCode, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(50))


project_member = Table(
    "project_member",
    Base.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
)


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))


class User(Base, Timestamped):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(255))
    role_code: Mapped[RoleCode] = enum_column(RoleCode, index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    mobile: Mapped[str] = mapped_column(String(20), default="")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    notes: Mapped[str] = mapped_column(Text, default="")

    projects: Mapped[list[Project]] = relationship(secondary=project_member)
    team: Mapped[Team | None] = relationship(foreign_keys=[team_id])

    @property
    def project_ids(self) -> set[int]:
        """The projects this user belongs to. Read as bare ids (one indexed query, no Project
        objects) once per transaction, unless the relationship is already loaded or changed in
        this session; the last ids read stay usable once the user is detached."""
        if "projects" in self.__dict__:
            return {p.id for p in self.projects}
        session = object_session(self)
        known = self.__dict__.get("_loupan_project_ids")
        if session is None:
            return set(known[1]) if known is not None else {p.id for p in self.projects}
        transaction = session.get_transaction()
        if known is not None and transaction is not None and known[0] is transaction:
            return set(known[1])
        column = project_member.c.project_id
        ids = set(session.scalars(select(column).where(project_member.c.user_id == self.id)))
        self.__dict__["_loupan_project_ids"] = (session.get_transaction(), frozenset(ids))
        return ids
