"""The audit log for the administrator's screen."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import select

from .. import authz
from ..audit import describe
from ..errors import ValidationError
from ..localtime import DEFAULT_ZONE, day_start_utc, local_text
from ..models import AuditEntry, User

MAX_ROWS = 5000


def audit_frame(
    session,
    viewer: User,
    *,
    start: date | None = None,
    end: date | None = None,
    action: str | None = None,
    username: str | None = None,
    limit: int = MAX_ROWS,
    zone: str = DEFAULT_ZONE,
) -> pd.DataFrame:
    """Entries newest first; `start`/`end` are dates in the office's zone, times shown in it."""
    authz.require(viewer, "audit.view")
    if start and end and end < start:
        raise ValidationError("结束日期不能早于开始日期。", "The end date precedes the start date.")
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if start:
        query = query.where(AuditEntry.at >= day_start_utc(start, zone))
    if end:
        query = query.where(AuditEntry.at < day_start_utc(end + timedelta(days=1), zone))
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if username:
        query = query.where(AuditEntry.username.contains(username.strip()))
    rows = [
        {
            "id": e.id,
            "at": local_text(e.at, zone, "%Y-%m-%d %H:%M:%S"),
            "username": e.username,
            "action": e.action,
            "object": f"{e.entity}#{e.entity_id}" if e.entity else e.subject,
            "ip": e.ip,
            "success": e.success,
            "details": describe(e),
        }
        for e in session.scalars(query)
    ]
    return pd.DataFrame(
        rows, columns=["id", "at", "username", "action", "object", "ip", "success", "details"]
    )


def audit_actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
