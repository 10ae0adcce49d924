"""Resident ID rules (GB 11643-1999)."""

from datetime import date

import pytest

from data_layer.rules import idcard


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),
        ("44030619900307311", "5"),
    ],
)
def test_check_char_matches_standard_examples(first17, expected):
    assert idcard.check_char(first17) == expected


@pytest.mark.parametrize(
    "first17",
    ["1101051949123100", "1101051949123100A", "１１０１０５１９４９１２３１００２"],
)
def test_check_char_rejects_anything_but_17_ascii_digits(first17):
    with pytest.raises(ValueError):
        idcard.check_char(first17)


@pytest.mark.parametrize(
    "id_number",
    [
        "11010519491231002X",
        "11010519491231002x",
        "440306199003073115",
        " 440306199003073115 ",
    ],
)
def test_valid_ids_are_accepted(id_number):
    assert idcard.is_valid(id_number)


def _with_check_char(first17: str) -> str:
    """Build an ID whose check character is right, so only the rule under test can refuse it."""
    return first17 + idcard.check_char(first17)


@pytest.mark.parametrize(
    ("id_number", "why"),
    [
        ("110105194912310021", "wrong check character"),
        ("440306199003073116", "wrong check character"),
        (_with_check_char("11010519490230002"), "February 30th does not exist"),
        (_with_check_char("11010519491331002"), "month 13"),
        (_with_check_char("11010519491200002"), "day 0"),
        (_with_check_char("11010518000101002"), "birth year before anyone alive"),
        (_with_check_char("11010529991231002"), "birthday in the future"),
        ("11010519491231002", "17 characters"),
        ("11010519491231002XX", "19 characters"),
        ("1101051949123100AX", "letter among the digits"),
        ("ABCDEFGHIJKLMNOPQR", "letters"),
        ("11010519491231002Y", "check character other than X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "full-width digits"),
        ("", "empty"),
    ],
)
def test_invalid_ids_are_refused(id_number, why):
    assert not idcard.is_valid(id_number), why


@pytest.mark.parametrize(
    ("id_number", "expected"),
    [
        ("11010519491231002X", date(1949, 12, 31)),
        ("440306199003073115", date(1990, 3, 7)),
        ("110105194912310021", None),
        ("not an id", None),
    ],
)
def test_birthday_comes_from_digits_7_to_14_of_valid_ids(id_number, expected):
    assert idcard.birthday(id_number) == expected


@pytest.mark.parametrize(
    ("id_number", "expected"),
    [
        ("11010519491231002X", "110105********002X"),
        ("11010519491231002x", "110105********002X"),
        ("440306199003073115", "440306********3115"),
        ("12345", "*****"),
    ],
)
def test_mask_keeps_first_six_and_last_four(id_number, expected):
    assert idcard.mask(id_number) == expected
