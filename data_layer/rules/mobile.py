"""Mainland China mobile numbers: validation, normalisation to 11 digits, masking."""

from __future__ import annotations

import re

__all__ = ["is_valid", "mask", "normalize"]

_SEPARATORS = re.compile(r"[\s\-]")
# [0-9], not \d: \d also matches full-width and other Unicode digits.
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# "+86", "0086" and a bare "86" are the forms people paste from contacts and forms.
_COUNTRY_PREFIX = re.compile(r"^(?:\+86|0086|86)(?=[0-9]{11}\Z)")


def _strip(text: str) -> str:
    return _COUNTRY_PREFIX.sub("", _SEPARATORS.sub("", text), count=1)


def is_valid(text: str) -> bool:
    """True for an 11-digit number starting 13-19, after removing spaces, hyphens and +86."""
    return isinstance(text, str) and _MOBILE.fullmatch(_strip(text)) is not None


def normalize(text: str) -> str:
    """The bare 11-digit form that is stored and compared; ValueError when not a mobile number."""
    if not is_valid(text):
        raise ValueError(f"手机号码格式不正确：{text!r}")
    return _strip(text)


def mask(text: str) -> str:
    """Hide the middle four digits for display, e.g. "138****5678"."""
    if is_valid(text):
        digits = _strip(text)
        return digits[:3] + "****" + digits[7:]
    # Not a mobile number: reveal nothing rather than guess which part is sensitive.
    return "*" * len(text.strip())
