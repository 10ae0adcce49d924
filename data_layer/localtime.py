"""Stored moments (naive UTC in every DateTime column) shown in the office's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

# Reads take a zone as `zone=`; their default, DEFAULT_ZONE, stands for the office's zone:
# Settings.timezone (LOUPAN_TIMEZONE), set once at start-up by set_office_zone().
DEFAULT_ZONE = "office"
MINUTES = "%Y-%m-%d %H:%M"
_office_zone = "Asia/Shanghai"


def set_office_zone(name: str) -> None:
    """The zone that DEFAULT_ZONE means in this process (the app sets it from its settings)."""
    global _office_zone
    ZoneInfo(name)  # an unknown zone fails here, at start-up
    _office_zone = name


def _zone(zone: str | None) -> ZoneInfo:
    return ZoneInfo(_office_zone if zone in (None, DEFAULT_ZONE) else zone)


def today(zone: str = DEFAULT_ZONE) -> date:
    """The date now in `zone`: the office's day, whatever zone the server's clock runs in (a
    server on UTC is still on yesterday until 08:00 in Beijing)."""
    return datetime.now(_zone(zone)).date()


def local(moment: datetime | None, zone: str = DEFAULT_ZONE) -> datetime | None:
    """The wall-clock time (naive) in `zone` of a stored UTC moment; None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone(zone)).replace(tzinfo=None)


def local_text(moment: datetime | None, zone: str = DEFAULT_ZONE, fmt: str = MINUTES) -> str:
    """A stored UTC moment as text in `zone` ("" for None)."""
    shown = local(moment, zone)
    return shown.strftime(fmt) if shown is not None else ""


def to_utc(moment: datetime, zone: str = DEFAULT_ZONE) -> datetime:
    """A wall-clock time in `zone` as a stored (naive UTC) moment, to compare with columns."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone(zone))
    return moment.astimezone(UTC).replace(tzinfo=None)


def day_start_utc(day: date, zone: str = DEFAULT_ZONE) -> datetime:
    """The stored moment at which `day` begins in `zone`."""
    return to_utc(datetime.combine(day, time.min), zone)
