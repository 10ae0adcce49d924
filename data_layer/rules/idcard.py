"""Chinese resident ID numbers (GB 11643-1999): check character, validity, birthday, masking."""

from __future__ import annotations

import re
from datetime import date

from .. import localtime

__all__ = ["birthday", "check_char", "is_valid", "mask", "normalize"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# [0-9], not \d: \d also matches full-width and other Unicode digits.
_FIRST17 = re.compile(r"[0-9]{17}")
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
# Nobody alive was born earlier; older dates are typing mistakes.
_EARLIEST_BIRTH_YEAR = 1850


def normalize(id_number: str) -> str:
    """Strip surrounding spaces and upper-case a trailing x, the form stored and compared."""
    return id_number.strip().upper()


def check_char(first17: str) -> str:
    """The check character (0-9 or X) for the first 17 digits."""
    if not isinstance(first17, str) or not _FIRST17.fullmatch(first17):
        raise ValueError("身份证号前17位必须是数字")
    total = sum(int(char) * weight for char, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _birthday_of(id_number: str) -> date | None:
    try:
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None
    if born.year < _EARLIEST_BIRTH_YEAR or born > localtime.today():
        return None
    return born


def is_valid(id_number: str) -> bool:
    """True for an 18-character ID with a real birthday and the right check character."""
    if not isinstance(id_number, str):
        return False
    text = normalize(id_number)
    if not _SHAPE.fullmatch(text):
        return False
    return _birthday_of(text) is not None and check_char(text[:17]) == text[17]


def birthday(id_number: str) -> date | None:
    """Birthday from digits 7-14 of a valid ID, None when the ID is not valid."""
    if not is_valid(id_number):
        return None
    return _birthday_of(normalize(id_number))


def mask(id_number: str) -> str:
    """Keep the first 6 and last 4 characters for display, e.g. "110105********002X"."""
    text = normalize(id_number)
    if len(text) <= 10:
        # Too short to keep both ends without revealing everything.
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]
