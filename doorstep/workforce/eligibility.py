"""May this provider perform this kind of service? A pure function over dataclasses.

``check(provider, requirement, on)`` returns a ``Decision`` whose ``reasons`` explain every
failed rule, not only the first, so a page can tell a nurse everything missing at once.
No Django here: messages are English message ids marked with ``gettext_noop`` (so
``makemessages`` extracts them) and rendered in the caller's language by
``Reason.text(gettext)``. The Django adapter that builds ``ProviderFacts`` from a row is
``selectors.provider_facts``.

The national rule (互联网+护理服务 pilot, 2019): clinical nursing at home needs a verified
licence, the title 护师 (senior nurse) or above and at least 5 years of clinical practice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def gettext_noop(message: str) -> str:
    """Mark a message for extraction; translated later by ``Reason.text``."""
    return message


#: Titles of the nursing series, lowest first. Rank 0 = no title.
TITLE_ORDER: tuple[str, ...] = (
    "nurse",  # 护士
    "senior_nurse",  # 护师
    "supervising_nurse",  # 主管护师
    "associate_chief_nurse",  # 副主任护师
    "chief_nurse",  # 主任护师
)
TITLE_RANK: dict[str, int] = {"": 0, **{t: i + 1 for i, t in enumerate(TITLE_ORDER)}}

VERIFIED = "verified"
VALID = "valid"
REVOKED = "revoked"
PRACTISING_LICENCE = "practising_licence"


@dataclass(frozen=True)
class CertificateFacts:
    kind: str
    status: str  # valid, expired, revoked
    expires_on: dt.date | None = None  # last valid day; None = does not expire

    def valid_on(self, on: dt.date) -> bool:
        return self.status == VALID and (self.expires_on is None or self.expires_on >= on)


@dataclass(frozen=True)
class ProviderFacts:
    kind: str
    verification_status: str
    licence_number: str | None = None
    title: str = ""
    practice_start_date: dt.date | None = None
    certificates: tuple[CertificateFacts, ...] = ()
    is_active: bool = True


@dataclass(frozen=True)
class Requirement:
    """What a kind of service asks of the person who performs it."""

    code: str
    kinds: frozenset[str] = frozenset()  # empty = any kind
    min_title: str = ""  # a code from TITLE_ORDER; "" = no title needed
    min_years: int = 0
    certificate_kinds: frozenset[str] = frozenset()
    clinical: bool = False  # needs a verified licence
    require_verified: bool = True  # verified by the practice institution


@dataclass(frozen=True)
class Reason:
    code: str
    message: str  # English message id with %(name)s placeholders
    params: dict[str, Any] = field(default_factory=dict)

    def text(
        self,
        translate: Callable[[str], str] = gettext_noop,
        label: Callable[[str], str] = gettext_noop,
    ) -> str:
        """The message in the caller's language; code parameters (kinds, titles,
        certificate kinds) are shown through ``label``."""
        shown: dict[str, Any] = {}
        for key, value in self.params.items():
            if isinstance(value, tuple):
                shown[key] = ", ".join(label(v) for v in value)
            elif isinstance(value, str):
                shown[key] = label(value)
            else:
                shown[key] = value
        return translate(self.message) % shown


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: list[Reason]

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]


def years_between(start: dt.date | None, on: dt.date) -> int:
    """Whole years from ``start`` to ``on``; 0 when unknown or in the future."""
    if start is None or start > on:
        return 0
    years = on.year - start.year
    if (on.month, on.day) < (start.month, start.day):
        years -= 1
    return years


def _certificate_reason(
    certs: tuple[CertificateFacts, ...], kind: str, on: dt.date
) -> Reason | None:
    of_kind = [c for c in certs if c.kind == kind]
    if any(c.valid_on(on) for c in of_kind):
        return None
    if any(c.status != REVOKED for c in of_kind):
        return Reason(
            "certificate_expired",
            gettext_noop("The certificate %(certificate)s has expired."),
            {"certificate": kind},
        )
    return Reason(
        "certificate_missing",
        gettext_noop("A valid certificate %(certificate)s is required."),
        {"certificate": kind},
    )


def check(provider: ProviderFacts, requirement: Requirement, on: dt.date) -> Decision:
    """Every rule of ``requirement`` that ``provider`` fails on day ``on``, with reasons."""
    reasons: list[Reason] = []
    req = requirement
    if not provider.is_active:
        reasons.append(Reason("inactive", gettext_noop("This provider is deactivated.")))
    if req.kinds and provider.kind not in req.kinds:
        reasons.append(
            Reason(
                "wrong_provider_kind",
                gettext_noop("This service is performed by: %(kinds)s."),
                {"kinds": tuple(sorted(req.kinds))},
            )
        )
    if (req.clinical or req.require_verified) and provider.verification_status != VERIFIED:
        reasons.append(
            Reason(
                "not_verified",
                gettext_noop("The practice institution has not verified this provider."),
            )
        )
    if req.clinical:
        if not (provider.licence_number or "").strip():
            reasons.append(
                Reason("licence_missing", gettext_noop("A practising licence number is required."))
            )
        # A recorded practising licence that has lapsed by ``on`` fails even before the
        # nightly sweep has moved the provider to re-verification.
        licences = tuple(c for c in provider.certificates if c.kind == PRACTISING_LICENCE)
        if licences and not any(c.valid_on(on) for c in licences):
            reasons.append(
                Reason(
                    "certificate_expired",
                    gettext_noop("The certificate %(certificate)s has expired."),
                    {"certificate": PRACTISING_LICENCE},
                )
            )
    if req.min_title and TITLE_RANK.get(provider.title, 0) < TITLE_RANK[req.min_title]:
        reasons.append(
            Reason(
                "title_too_low",
                gettext_noop("The title %(title)s or above is required."),
                {"title": req.min_title},
            )
        )
    years = years_between(provider.practice_start_date, on)
    if years < req.min_years:
        reasons.append(
            Reason(
                "too_few_years",
                gettext_noop(
                    "At least %(required)d years of clinical practice are required (has %(years)d)."
                ),
                {"required": req.min_years, "years": years},
            )
        )
    for kind in sorted(req.certificate_kinds):
        reason = _certificate_reason(provider.certificates, kind, on)
        if reason is not None:
            reasons.append(reason)
    return Decision(allowed=not reasons, reasons=reasons)


NURSE = "nurse"
CAREGIVER = "caregiver"
VOLUNTEER = "volunteer"
COMMUNITY_DOCTOR = "community_doctor"

#: The national rule for clinical nursing at home.
CLINICAL_NURSING = Requirement(
    code="clinical_nursing",
    kinds=frozenset({NURSE}),
    min_title="senior_nurse",
    min_years=5,
    clinical=True,
)
#: Daily-life care (bathing, feeding, turning): a verified caregiver or nurse.
DAILY_CARE = Requirement(code="daily_care", kinds=frozenset({NURSE, CAREGIVER}))
#: Companionship and errands: any verified provider, including volunteers.
COMPANIONSHIP = Requirement(
    code="companionship", kinds=frozenset({NURSE, CAREGIVER, VOLUNTEER, COMMUNITY_DOCTOR})
)
#: PICC line maintenance: clinical nursing plus the PICC specialist certificate.
PICC_CARE = Requirement(
    code="picc_care",
    kinds=frozenset({NURSE}),
    min_title="senior_nurse",
    min_years=5,
    clinical=True,
    certificate_kinds=frozenset({"specialist_picc"}),
)
#: Wound and ostomy care: clinical nursing plus the wound-ostomy specialist certificate.
WOUND_OSTOMY_CARE = Requirement(
    code="wound_ostomy_care",
    kinds=frozenset({NURSE}),
    min_title="senior_nurse",
    min_years=5,
    clinical=True,
    certificate_kinds=frozenset({"specialist_wound_ostomy"}),
)
#: Hospice care at home: clinical nursing plus the hospice specialist certificate.
HOSPICE_CARE = Requirement(
    code="hospice_care",
    kinds=frozenset({NURSE}),
    min_title="senior_nurse",
    min_years=5,
    clinical=True,
    certificate_kinds=frozenset({"specialist_hospice"}),
)
#: Medical assessment and follow-up by a community doctor with a verified licence.
MEDICAL_ASSESSMENT = Requirement(
    code="medical_assessment", kinds=frozenset({COMMUNITY_DOCTOR}), clinical=True
)

PRESETS: dict[str, Requirement] = {
    r.code: r
    for r in (
        CLINICAL_NURSING,
        DAILY_CARE,
        COMPANIONSHIP,
        PICC_CARE,
        WOUND_OSTOMY_CARE,
        HOSPICE_CARE,
        MEDICAL_ASSESSMENT,
    )
}
