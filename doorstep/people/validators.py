"""Pure validation of GB 11643-1999 resident identity numbers.

An 18-character number is: a 6-digit administrative region code, an 8-digit birth date
(YYYYMMDD), a 3-digit sequence code whose last digit is odd for men and even for women,
and a check character. The check character is ``MAP[sum(d_i * W_i) mod 11]`` with
``W = 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2`` and ``MAP = "10X98765432"``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import ValidationFailed

from .enums import Sex

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_MAP = "10X98765432"
EARLIEST_BIRTH = dt.date(1890, 1, 1)


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    region_code: str
    birth_date: dt.date
    sex: str


def check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_MAP[total % 11]


def _invalid(reason: str) -> ValidationFailed:
    messages = {
        "length": _("A resident ID number has 18 characters: 17 digits and a check digit."),
        "check_digit": _("The check digit of this resident ID number is wrong; check for typos."),
        "birth_date": _("The birth date inside this resident ID number is not a valid date."),
    }
    return ValidationFailed(
        "invalid_id_number",
        messages[reason],
        details={"field": "id_number", "reason": reason},
    )


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdNumberInfo:
    """Validate and normalise (strip spaces, upper-case ``x``) an 18-character ID number.

    Raises ``ValidationFailed("invalid_id_number")`` with ``details.reason`` one of
    ``length``, ``check_digit``, ``birth_date``.
    """
    number = "".join((value or "").split()).upper()
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise _invalid("length")
    if check_character(number[:17]) != number[17]:
        raise _invalid("check_digit")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _invalid("birth_date") from None
    if birth < EARLIEST_BIRTH or (today is not None and birth > today):
        raise _invalid("birth_date")
    sex = Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE
    return IdNumberInfo(number=number, region_code=number[:6], birth_date=birth, sex=sex)


def check_consistent(info: IdNumberInfo, *, sex: str | None, birth_date: dt.date | None) -> None:
    """The sex and birth date given with an ID number must match the ones it encodes."""
    if sex and sex != info.sex:
        raise ValidationFailed(
            "id_sex_mismatch",
            _("The sex does not match the resident ID number."),
            details={"field": "sex"},
        )
    if birth_date and birth_date != info.birth_date:
        raise ValidationFailed(
            "id_birth_date_mismatch",
            _("The birth date does not match the resident ID number."),
            details={"field": "birth_date"},
        )
