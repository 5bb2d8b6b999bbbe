"""GB 11643 resident ID numbers, checked by hand.

Weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2; check = "10X98765432"[sum mod 11].
"""

from __future__ import annotations

import datetime as dt

import pytest

from doorstep.core.errors import ValidationFailed
from doorstep.people.validators import check_character, check_consistent, parse_id_number


def test_known_valid_number_with_x() -> None:
    """11010519491231002: 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2
    -> "X". Region 110105, born 1949-12-31, 17th digit 2 (even) -> female."""
    info = parse_id_number("11010519491231002X")
    assert info.number == "11010519491231002X"
    assert info.region_code == "110105"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "female"


def test_lower_case_x_and_spaces_are_normalised() -> None:
    assert parse_id_number(" 110105 19491231 002x ").number == "11010519491231002X"


def test_check_characters_by_hand() -> None:
    """33020319450101001: 21+27+0+10+0+12+2+9+24+15+0+9+0+5+0+0+2 = 136; mod 11 = 4 -> "8".
    33021219380615002: 21+27+0+10+8+8+2+9+18+24+0+54+10+25+0+0+4 = 220; mod 11 = 0 -> "1".
    33020319400515004: 21+27+0+10+0+12+2+9+24+0+0+45+10+25+0+0+8 = 193; mod 11 = 6 -> "6".
    """
    assert check_character("33020319450101001") == "8"
    assert check_character("33021219380615002") == "1"
    assert check_character("33020319400515004") == "6"
    assert parse_id_number("330203194501010018").sex == "male"  # 17th digit 1: odd
    assert parse_id_number("330203194005150046").sex == "female"


def test_leap_day_is_a_valid_birth_date() -> None:
    """33020319520229003: 21+27+0+10+0+12+2+9+30+6+0+18+20+45+0+0+6 = 206; mod 11 = 8
    -> "4". 1952 is a leap year."""
    assert parse_id_number("330203195202290034").birth_date == dt.date(1952, 2, 29)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("11010519491231002", "length"),  # 17 characters
        ("11010519491231002XX", "length"),  # 19 characters
        ("1101051949123100AX", "length"),  # a letter among the first 17
        ("", "length"),
        ("110105194912310021", "check_digit"),  # should end in X
        ("110105194912310035", "check_digit"),  # 11010519491231003 must end in "8"
        # 33020319510229003: ...+30+3+0+18+20+45+0+0+6 = 203; mod 11 = 5 -> "7": the check
        # digit is right but 1951-02-29 does not exist.
        ("330203195102290037", "birth_date"),
    ],
)
def test_invalid_numbers_name_the_reason(value: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        parse_id_number(value)
    assert exc.value.code == "invalid_id_number"
    assert exc.value.status == 422
    assert exc.value.details == {"field": "id_number", "reason": reason}


def test_the_valid_variant_of_the_wrong_check_digit_case() -> None:
    """11010519491231003: 167 - 4 + 6 = 169; mod 11 = 4 -> "8" (male, odd 3)."""
    assert parse_id_number("110105194912310038").sex == "male"


def test_birth_date_in_the_future_is_refused() -> None:
    with pytest.raises(ValidationFailed) as exc:
        parse_id_number("11010519491231002X", today=dt.date(1949, 12, 30))
    assert exc.value.details["reason"] == "birth_date"


def test_sex_and_birth_date_must_match_the_number() -> None:
    info = parse_id_number("11010519491231002X")
    check_consistent(info, sex="female", birth_date=dt.date(1949, 12, 31))
    check_consistent(info, sex=None, birth_date=None)
    with pytest.raises(ValidationFailed) as exc:
        check_consistent(info, sex="male", birth_date=None)
    assert exc.value.code == "id_sex_mismatch"
    with pytest.raises(ValidationFailed) as exc:
        check_consistent(info, sex=None, birth_date=dt.date(1949, 12, 30))
    assert exc.value.code == "id_birth_date_mismatch"
