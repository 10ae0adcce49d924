"""Stored moments (naive UTC in every DateTime column) shown in the office's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

# Settings.timezone's default; reads take the configured zone as `zone=`.
DEFAULT_ZONE = "Asia/Shanghai"
MINUTES = "%Y-%m-%d %H:%M"


def local(moment: datetime | None, zone: str = DEFAULT_ZONE) -> datetime | None:
    """The wall-clock time (naive) in `zone` of a stored UTC moment; None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def local_text(moment: datetime | None, zone: str = DEFAULT_ZONE, fmt: str = MINUTES) -> str:
    """A stored UTC moment as text in `zone` ("" for None)."""
    shown = local(moment, zone)
    return shown.strftime(fmt) if shown is not None else ""


def to_utc(moment: datetime, zone: str = DEFAULT_ZONE) -> datetime:
    """A wall-clock time in `zone` as a stored (naive UTC) moment, to compare with columns."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC).replace(tzinfo=None)


def day_start_utc(day: date, zone: str = DEFAULT_ZONE) -> datetime:
    """The stored moment at which `day` begins in `zone`."""
    return to_utc(datetime.combine(day, time.min), zone)
