"""Statuses of offers and exclusions (ADR 0020)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class OfferStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("offer", "Waiting for an answer")
    ACCEPTED = "accepted", pgettext_lazy("offer", "Accepted")
    DECLINED = "declined", pgettext_lazy("offer", "Declined")
    EXPIRED = "expired", pgettext_lazy("offer", "Timed out")
    WITHDRAWN = "withdrawn", pgettext_lazy("offer", "Withdrawn")


class ExclusionStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("exclusion", "Active")
    REVOKED = "revoked", pgettext_lazy("exclusion", "Revoked")


class DeclineReason(models.TextChoices):
    """Why a provider declined an offer (the offers page asks; the API may leave it out)."""

    TOO_FAR = "too_far", pgettext_lazy("decline", "Too far away")
    BUSY = "busy", pgettext_lazy("decline", "I am busy at that time")
    SKILLS = "skills", pgettext_lazy("decline", "Not the right skills for this visit")
    PERSONAL = "personal", pgettext_lazy("decline", "Personal reasons")
    OTHER = "other", pgettext_lazy("decline", "Another reason")
