"""A user's inbox and sent messages."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..localtime import DEFAULT_ZONE, local_text
from ..models import Message, User

COLUMNS = ["id", "sent_at", "other", "subject", "body", "read"]


def _frame(session, query, zone: str) -> pd.DataFrame:
    rows = [
        {
            "id": m.id,
            "sent_at": local_text(m.sent_at, zone),
            "other": other,
            "subject": m.subject,
            "body": m.body,
            "read": m.read_at is not None,
        }
        for m, other in session.execute(query)
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def inbox(session, viewer: User, zone: str = DEFAULT_ZONE, limit: int = 500):
    sender = aliased(User)
    query = (
        select(Message, sender.display_name)
        .join(sender, sender.id == Message.sender_id)
        .where(Message.recipient_id == viewer.id, Message.archived.is_(False))
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return _frame(session, query, zone)


def sent(session, viewer: User, zone: str = DEFAULT_ZONE, limit: int = 500):
    recipient = aliased(User)
    query = (
        select(Message, recipient.display_name)
        .join(recipient, recipient.id == Message.recipient_id)
        .where(Message.sender_id == viewer.id)
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return _frame(session, query, zone)


def unread_count(session, viewer: User) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.recipient_id == viewer.id,
            Message.read_at.is_(None),
            Message.archived.is_(False),
        )
    )


def recipients(session, viewer: User) -> list[dict]:
    """Active users to write to, with their role, for a drop-down."""
    users = session.execute(
        select(User.id, User.display_name, User.username)
        .where(User.active.is_(True), User.id != viewer.id)
        .order_by(User.display_name)
    )
    return [{"label": f"{name} ({username})", "value": uid} for uid, name, username in users]
