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
