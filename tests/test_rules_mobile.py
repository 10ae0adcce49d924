"""Mainland mobile number rules."""

import pytest

from data_layer.rules import mobile


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0086-138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
    ],
)
def test_valid_mobiles_normalize_to_eleven_digits(text, expected):
    assert mobile.is_valid(text)
    assert mobile.normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("138123456789", "12 digits"),
        ("1381234567", "10 digits"),
        ("12812345678", "starts with 12"),
        ("10812345678", "starts with 10"),
        ("23812345678", "does not start with 1"),
        ("1381234abcd", "letters"),
        ("+85213812345678", "Hong Kong prefix"),
        ("１３８１２３４５６７８", "full-width digits"),
        ("138.1234.5678", "dots are not separators"),
        ("", "empty"),
    ],
)
def test_invalid_mobiles_are_refused(text, why):
    assert not mobile.is_valid(text), why
    with pytest.raises(ValueError, match="手机号码"):
        mobile.normalize(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("12345", "*****"),
    ],
)
def test_mask_hides_the_middle_four_digits(text, expected):
    assert mobile.mask(text) == expected
