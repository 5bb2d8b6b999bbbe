"""The pure eligibility core: hand-checked cases, one per reason code and boundary.

Day of every check: 2026-06-15. A nurse who started on 2021-06-15 has exactly 5 years;
one who started on 2021-06-16 has 4.
"""

from __future__ import annotations

import datetime as dt

import pytest

from doorstep.workforce import eligibility as el
from doorstep.workforce.eligibility import (
    CLINICAL_NURSING,
    COMPANIONSHIP,
    DAILY_CARE,
    PICC_CARE,
    CertificateFacts,
    ProviderFacts,
    check,
)
from doorstep.workforce.enums import TITLE_RANK, NurseTitle

ON = dt.date(2026, 6, 15)
LIC_OK = CertificateFacts("practising_licence", "valid", dt.date(2028, 1, 1))

#: A nurse who meets the national rule exactly: 护师, 5 years to the day, verified.
GOOD_NURSE = ProviderFacts(
    kind="nurse",
    verification_status="verified",
    licence_number="NUR-1",
    title="senior_nurse",
    practice_start_date=dt.date(2021, 6, 15),
    certificates=(LIC_OK,),
)


def nurse(**changes: object) -> ProviderFacts:
    values = {**GOOD_NURSE.__dict__, **changes}
    return ProviderFacts(**values)  # type: ignore[arg-type]


CASES = [
    # (description, facts, requirement, expected reason codes)
    ("meets the national rule exactly", GOOD_NURSE, CLINICAL_NURSING, []),
    (
        "chief nurse, 20 years",
        nurse(title="chief_nurse", practice_start_date=dt.date(2006, 1, 1)),
        CLINICAL_NURSING,
        [],
    ),
    (
        "submitted, not yet verified",
        nurse(verification_status="submitted"),
        CLINICAL_NURSING,
        ["not_verified"],
    ),
    (
        "re-verification pending",
        nurse(verification_status="reverification_required"),
        CLINICAL_NURSING,
        ["not_verified"],
    ),
    ("no licence number", nurse(licence_number=None), CLINICAL_NURSING, ["licence_missing"]),
    ("blank licence number", nurse(licence_number="  "), CLINICAL_NURSING, ["licence_missing"]),
    ("护士 is below 护师", nurse(title="nurse"), CLINICAL_NURSING, ["title_too_low"]),
    ("no title at all", nurse(title=""), CLINICAL_NURSING, ["title_too_low"]),
    (
        "one day short of 5 years",
        nurse(practice_start_date=dt.date(2021, 6, 16)),
        CLINICAL_NURSING,
        ["too_few_years"],
    ),
    (
        "no practice start date",
        nurse(practice_start_date=None),
        CLINICAL_NURSING,
        ["too_few_years"],
    ),
    (
        "licence certificate lapsed yesterday",
        nurse(
            certificates=(CertificateFacts("practising_licence", "valid", dt.date(2026, 6, 14)),)
        ),
        CLINICAL_NURSING,
        ["certificate_expired"],
    ),
    (
        "licence certificate valid through today",
        nurse(certificates=(CertificateFacts("practising_licence", "valid", ON),)),
        CLINICAL_NURSING,
        [],
    ),
    (
        "caregiver asked for clinical nursing",
        ProviderFacts(kind="caregiver", verification_status="verified"),
        CLINICAL_NURSING,
        ["wrong_provider_kind", "licence_missing", "title_too_low", "too_few_years"],
    ),
    (
        "everything wrong at once",
        ProviderFacts(kind="nurse", verification_status="draft"),
        CLINICAL_NURSING,
        ["not_verified", "licence_missing", "title_too_low", "too_few_years"],
    ),
    ("PICC without the specialist certificate", GOOD_NURSE, PICC_CARE, ["certificate_missing"]),
    (
        "PICC with the certificate",
        nurse(certificates=(LIC_OK, CertificateFacts("specialist_picc", "valid", None))),
        PICC_CARE,
        [],
    ),
    (
        "PICC certificate marked expired",
        nurse(
            certificates=(
                LIC_OK,
                CertificateFacts("specialist_picc", "expired", dt.date(2025, 1, 1)),
            )
        ),
        PICC_CARE,
        ["certificate_expired"],
    ),
    (
        "PICC certificate revoked counts as missing",
        nurse(certificates=(LIC_OK, CertificateFacts("specialist_picc", "revoked", None))),
        PICC_CARE,
        ["certificate_missing"],
    ),
    (
        "an old expired and a renewed PICC certificate",
        nurse(
            certificates=(
                LIC_OK,
                CertificateFacts("specialist_picc", "expired", dt.date(2024, 1, 1)),
                CertificateFacts("specialist_picc", "valid", dt.date(2029, 1, 1)),
            )
        ),
        PICC_CARE,
        [],
    ),
    (
        "verified caregiver, daily care",
        ProviderFacts(kind="caregiver", verification_status="verified"),
        DAILY_CARE,
        [],
    ),
    (
        "unverified caregiver, daily care",
        ProviderFacts(kind="caregiver", verification_status="submitted"),
        DAILY_CARE,
        ["not_verified"],
    ),
    (
        "volunteer, daily care",
        ProviderFacts(kind="volunteer", verification_status="verified"),
        DAILY_CARE,
        ["wrong_provider_kind"],
    ),
    (
        "volunteer, companionship",
        ProviderFacts(kind="volunteer", verification_status="verified"),
        COMPANIONSHIP,
        [],
    ),
    ("deactivated nurse", nurse(is_active=False), CLINICAL_NURSING, ["inactive"]),
]


@pytest.mark.parametrize(
    ("facts", "requirement", "codes"),
    [pytest.param(f, r, c, id=d) for d, f, r, c in CASES],
)
def test_check_table(facts: ProviderFacts, requirement: el.Requirement, codes: list[str]) -> None:
    decision = check(facts, requirement, ON)
    assert decision.codes == codes
    assert decision.allowed is (codes == [])


def test_every_reason_code_is_covered_by_the_table() -> None:
    seen = {code for _, f, r, _c in CASES for code in check(f, r, ON).codes}
    assert seen == {
        "not_verified",
        "licence_missing",
        "title_too_low",
        "too_few_years",
        "certificate_missing",
        "certificate_expired",
        "wrong_provider_kind",
        "inactive",
    }


def test_national_preset_is_senior_nurse_five_years_clinical() -> None:
    assert CLINICAL_NURSING.min_title == "senior_nurse"
    assert CLINICAL_NURSING.min_years == 5
    assert CLINICAL_NURSING.clinical is True
    assert CLINICAL_NURSING.kinds == frozenset({"nurse"})


def test_title_rank_matches_the_enum_order() -> None:
    assert [TITLE_RANK[t] for t in NurseTitle.values] == [1, 2, 3, 4, 5]
    assert TITLE_RANK[""] == 0


@pytest.mark.parametrize(
    ("start", "years"),
    [
        (dt.date(2021, 6, 15), 5),
        (dt.date(2021, 6, 16), 4),
        (dt.date(2020, 2, 29), 6),
        (dt.date(2026, 6, 16), 0),
        (None, 0),
    ],
)
def test_years_between(start: dt.date | None, years: int) -> None:
    assert el.years_between(start, ON) == years


def test_reason_text_fills_parameters_and_labels() -> None:
    decision = check(
        nurse(title="nurse", practice_start_date=dt.date(2023, 1, 1)), CLINICAL_NURSING, ON
    )
    texts = [r.text(label=lambda code: code.upper()) for r in decision.reasons]
    assert texts == [
        "The title SENIOR_NURSE or above is required.",
        "At least 5 years of clinical practice are required (has 3).",
    ]


def test_eligibility_module_imports_no_django() -> None:
    import ast
    import inspect

    imported: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(el))):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert imported == {"__future__", "datetime", "collections.abc", "dataclasses", "typing"}
