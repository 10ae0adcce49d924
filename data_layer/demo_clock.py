"""Times of the demo's later loaders: office hours in the office's zone, stored as UTC."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from random import Random

from . import localtime


def office_moment(day: date, rng: Random, opens: time = time(9), minutes: int = 510) -> datetime:
    """A random minute of `day` within `minutes` after `opens` in the office, as stored (UTC)."""
    start = datetime.combine(day, opens)
    return localtime.to_utc(start + timedelta(minutes=int(rng.random() * minutes)))
