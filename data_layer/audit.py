"""Writing audit entries: every command calls record() inside its transaction."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from .models import AuditEntry, User


def _plain(value: Any) -> Any:
    """Make a value JSON-safe without losing money precision (Decimal → string)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str]) -> dict:
    return {f: _plain(getattr(obj, f)) for f in fields}


# One prepared INSERT, run at once in the command's transaction: an audit row is never read
# back or changed, so it does not need the ORM's unit of work (which costs more than the
# insert itself on the busiest path, an opening's subscriptions).
_INSERT = insert(AuditEntry.__table__)


def record(
    session: Session,
    actor: User | None,
    action: str,
    entity: Any = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    subject: str = "",
    ip: str = "",
    success: bool = True,
) -> None:
    values = dict(
        user_id=actor.id if actor is not None else None,
        username=actor.username if actor is not None else subject,
        action=action,
        entity=getattr(entity, "__tablename__", "") if entity is not None else "",
        entity_id=getattr(entity, "id", None) if entity is not None else None,
        subject=subject[:100],
        ip=ip[:64],
        success=success,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
    )
    session.connection().execute(_INSERT, values)


def describe(entry: AuditEntry) -> str:
    """A compact one-line before→after for tables."""
    parts = []
    if entry.before:
        parts.append(json.dumps(entry.before, ensure_ascii=False))
    if entry.after:
        parts.append(json.dumps(entry.after, ensure_ascii=False))
    return " → ".join(parts)
