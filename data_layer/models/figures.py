"""Pre-aggregated daily figures of the executive overview (see data_layer/figures.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base
from .types import Money


class FigureDay(Base):
    """One project's figure on one day (compacted): money received, receivables due and
    paid, visitors and converted visitors by their first contact day."""

    __tablename__ = "figure_day"
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    count: Mapped[int] = mapped_column(Integer, default=0)


class FigureDelta(Base):
    """A change to FigureDay written by the transaction that made it (insert-only, so that
    concurrent writers never wait on a shared total row); folded into FigureDay by compact()."""

    __tablename__ = "figure_delta"
    __table_args__ = (Index("ix_figure_delta_project_day", "project_id", "day", "metric"),)
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    project_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    count: Mapped[int] = mapped_column(Integer, default=0)
