"""Desktop (桌面): each user's favourite screens (常用功能), shown as a quick menu."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class UserFavorite(Base):
    """One favourite page of a user (its menu path), in the user's own order (`sort`)."""

    __tablename__ = "user_favorite"
    __table_args__ = (UniqueConstraint("user_id", "path"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(200))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
