"""Offers of a visit to one provider at a time, and the providers an elder excludes
(ADR 0020). Writes go through ``services.py``; nothing is ever deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .enums import DeclineReason, ExclusionStatus, OfferStatus

USER = settings.AUTH_USER_MODEL


class Offer(models.Model):
    """A visit offered to one provider until ``expires_at``. At most one pending offer
    per visit; the answer (or the timeout) moves the visit to the next candidate."""

    visit = models.ForeignKey("orders.Visit", on_delete=models.PROTECT, related_name="offers")
    provider = models.ForeignKey(
        "workforce.Provider", on_delete=models.PROTECT, related_name="offers"
    )
    attempt = models.PositiveSmallIntegerField(help_text="1 for the first offer of the visit.")
    status = models.CharField(
        max_length=12, choices=OfferStatus.choices, default=OfferStatus.PENDING, db_index=True
    )
    score = models.FloatField(help_text="The candidate's matching score (scoring.py).")
    eta_minutes = models.FloatField(help_text="Travel from the provider's home base, minutes.")
    reasons = models.JSONField(default=list, blank=True, help_text="Score terms at offer time.")
    offered_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The dispatcher on whose behalf the acceptance assigns the visit.",
    )
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(
        max_length=12,
        choices=DeclineReason.choices,
        blank=True,
        help_text="The provider's reason when they declined (blank: none given).",
    )

    class Meta:
        ordering = ["visit_id", "attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(status="pending"),
                name="matching_one_pending_offer_per_visit",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["provider", "status"]),
        ]

    def __str__(self) -> str:
        return f"offer {self.pk} of visit {self.visit_id} to {self.provider_id} ({self.status})"


class Exclusion(models.Model):
    """An elder does not want this provider again (set by the elder, a family proxy or
    institution staff). Revoked, never deleted."""

    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("workforce.Provider", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    status = models.CharField(
        max_length=8, choices=ExclusionStatus.choices, default=ExclusionStatus.ACTIVE
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    revoked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["elder_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder", "provider"],
                condition=Q(status="active"),
                name="matching_one_active_exclusion",
            )
        ]

    def __str__(self) -> str:
        return f"exclusion {self.pk}: elder {self.elder_id} x provider {self.provider_id}"
