"""Workforce choices and the verification state machine (ADR 0009)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import eligibility


class ProviderKind(models.TextChoices):
    NURSE = "nurse", _("Nurse")
    CAREGIVER = "caregiver", _("Caregiver")
    VOLUNTEER = "volunteer", _("Volunteer")
    COMMUNITY_DOCTOR = "community_doctor", _("Community doctor")


#: Kinds that practise under a state licence (nurse practising certificate, doctor licence).
LICENSED_KINDS = frozenset({ProviderKind.NURSE, ProviderKind.COMMUNITY_DOCTOR})


class NurseTitle(models.TextChoices):
    """Professional titles of the nursing series, lowest first (see ``TITLE_RANK``)."""

    NURSE = "nurse", _("Nurse (护士)")
    SENIOR_NURSE = "senior_nurse", _("Senior nurse (护师)")
    SUPERVISING_NURSE = "supervising_nurse", _("Supervising nurse (主管护师)")
    ASSOCIATE_CHIEF_NURSE = "associate_chief_nurse", _("Associate chief nurse (副主任护师)")
    CHIEF_NURSE = "chief_nurse", _("Chief nurse (主任护师)")


#: Rank of each title (1 = 护士 ... 5 = 主任护师); 0 means no title (caregivers, volunteers).
TITLE_RANK: dict[str, int] = eligibility.TITLE_RANK


class TransportMode(models.TextChoices):
    WALK = "walk", _("Walking")
    BICYCLE = "bicycle", _("Bicycle")
    E_BIKE = "e_bike", _("E-bike")
    CAR = "car", _("Car")
    PUBLIC_TRANSPORT = "public_transport", _("Public transport")


class VerificationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    REVERIFICATION_REQUIRED = "reverification_required", _("Re-verification required")


_V = VerificationStatus

#: The allowed transitions: from-status -> the statuses it may move to. Anything else is
#: an illegal transition (409) and changes nothing.
TRANSITIONS: dict[str, frozenset[str]] = {
    _V.DRAFT: frozenset({_V.SUBMITTED}),
    _V.SUBMITTED: frozenset({_V.UNDER_REVIEW}),
    _V.UNDER_REVIEW: frozenset({_V.VERIFIED, _V.REJECTED}),
    _V.VERIFIED: frozenset({_V.REVERIFICATION_REQUIRED}),
    _V.REJECTED: frozenset({_V.SUBMITTED}),
    _V.REVERIFICATION_REQUIRED: frozenset({_V.SUBMITTED}),
}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


class CertificateKind(models.TextChoices):
    PRACTISING_LICENCE = "practising_licence", _("Practising licence")
    SPECIALIST_PICC = "specialist_picc", _("Specialist nurse: PICC")
    SPECIALIST_WOUND_OSTOMY = "specialist_wound_ostomy", _("Specialist nurse: wound and ostomy")
    SPECIALIST_GERIATRIC = "specialist_geriatric", _("Specialist nurse: geriatric care")
    SPECIALIST_HOSPICE = "specialist_hospice", _("Specialist nurse: hospice care")
    CAREGIVER_VOCATIONAL = "caregiver_vocational", _("Caregiver vocational certificate")
    FIRST_AID = "first_aid", _("First aid")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


#: The credential a verified provider of each kind must hold; when it expires (or is
#: revoked) the provider moves to ``reverification_required``.
REQUIRED_CERTIFICATE: dict[str, str | None] = {
    ProviderKind.NURSE: CertificateKind.PRACTISING_LICENCE,
    ProviderKind.COMMUNITY_DOCTOR: CertificateKind.PRACTISING_LICENCE,
    ProviderKind.CAREGIVER: CertificateKind.CAREGIVER_VOCATIONAL,
    ProviderKind.VOLUNTEER: None,
}
