"""Patient blacklist, provider sanctions, ratings, quality score, reviews and complaints
(ADR 0014). State changes go through ``services.py``; nothing here carries business logic.
Nothing is hard-deleted: entries and sanctions are lifted, complaints resolved or rejected.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from doorstep.core.models import TimeStampedModel

from .enums import (
    BlacklistStatus,
    ComplaintCategory,
    ComplaintStatus,
    ReviewOutcome,
    ReviewStatus,
    ReviewTrigger,
    SanctionKind,
    SanctionStatus,
)

USER = settings.AUTH_USER_MODEL


class BlacklistEntry(TimeStampedModel):
    """An institution refuses new bookings from a patient (Guangdong rule: a patient who
    endangered staff may be refused, with a reason and a date to review the decision)."""

    institution = models.ForeignKey(
        "organizations.Institution", on_delete=models.PROTECT, related_name="blacklist_entries"
    )
    elder = models.ForeignKey(
        "people.Elder", on_delete=models.PROTECT, related_name="blacklist_entries"
    )
    reason = models.TextField(help_text="Why; shown only to the institution's staff.")
    review_date = models.DateField(help_text="When the institution must reconsider the entry.")
    status = models.CharField(
        max_length=16, choices=BlacklistStatus.choices, default=BlacklistStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "elder"],
                condition=Q(status="active"),
                name="quality_one_active_blacklist_entry",
            )
        ]
        indexes = [models.Index(fields=["elder", "institution", "status"])]

    def __str__(self) -> str:
        return f"blacklist {self.pk} ({self.status})"


class ProviderSanction(TimeStampedModel):
    """The exit mechanism: a warning, a suspension (for a period or open-ended) or a
    removal of a provider by their practice institution."""

    provider = models.ForeignKey(
        "workforce.Provider", on_delete=models.PROTECT, related_name="sanctions"
    )
    institution = models.ForeignKey(
        "organizations.Institution", on_delete=models.PROTECT, related_name="provider_sanctions"
    )
    kind = models.CharField(max_length=16, choices=SanctionKind.choices)
    reason = models.TextField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text="End of a suspension; empty = until lifted."
    )
    status = models.CharField(
        max_length=16, choices=SanctionStatus.choices, default=SanctionStatus.ACTIVE
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)
    provider_deactivated = models.BooleanField(
        default=False, help_text="A removal set the provider inactive through workforce."
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["provider", "status", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="quality_sanction_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.status})"


class ProviderQuality(models.Model):
    """A provider's rating aggregate and Bayesian score, updated by ``rate_visit`` under a
    row lock (reads and dispatch sort by ``score`` without aggregating ratings)."""

    provider = models.OneToOneField(
        "workforce.Provider", on_delete=models.PROTECT, related_name="quality"
    )
    rating_count = models.PositiveIntegerField(default=0)
    punctuality_sum = models.PositiveIntegerField(default=0, help_text="Sum of 1-5 scores.")
    skill_sum = models.PositiveIntegerField(default=0, help_text="Sum of 1-5 scores.")
    attitude_sum = models.PositiveIntegerField(default=0, help_text="Sum of 1-5 scores.")
    low_rating_count = models.PositiveIntegerField(default=0)
    score = models.FloatField(help_text="Bayesian average, 1-5 (scoring.score).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["-score"])]

    def __str__(self) -> str:
        return f"quality of provider {self.provider_id}: {self.score}"


def _score_range(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}), name=f"quality_rating_{name}_1_5"
    )


class Rating(models.Model):
    """The elder's (or a linked family member's) rating of one completed visit."""

    visit = models.OneToOneField("orders.Visit", on_delete=models.PROTECT, related_name="rating")
    provider = models.ForeignKey(
        "workforce.Provider", on_delete=models.PROTECT, related_name="ratings"
    )
    institution = models.ForeignKey(
        "organizations.Institution", on_delete=models.PROTECT, related_name="+"
    )
    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="+")
    rated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    punctuality = models.PositiveSmallIntegerField(help_text="1-5.")
    skill = models.PositiveSmallIntegerField(help_text="1-5.")
    attitude = models.PositiveSmallIntegerField(help_text="1-5.")
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [_score_range("punctuality"), _score_range("skill"), _score_range("attitude")]
        indexes = [models.Index(fields=["provider", "created_at"])]

    def __str__(self) -> str:
        return f"rating of visit {self.visit_id}"


class Complaint(TimeStampedModel):
    """A complaint about an order (and optionally one of its visits), handled by the
    institution's quality officer before ``deadline``."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="complaints")
    visit = models.ForeignKey(
        "orders.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    institution = models.ForeignKey(
        "organizations.Institution", on_delete=models.PROTECT, related_name="complaints"
    )
    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        "workforce.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        help_text="The visit's provider, when the complaint names a visit.",
    )
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    on_behalf = models.BooleanField(
        default=False, help_text="Filed by an operator on the elder's behalf."
    )
    category = models.CharField(max_length=16, choices=ComplaintCategory.choices)
    description = models.TextField()
    deadline = models.DateTimeField(help_text="When an outcome is due (24 h for safety).")
    status = models.CharField(
        max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    outcome = models.TextField(blank=True)
    handled_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["institution", "status"]),
        ]

    def __str__(self) -> str:
        return f"complaint {self.pk} ({self.status})"


class QualityReview(TimeStampedModel):
    """A case for the institution's quality officer: opened by a low rating or a safety
    complaint, closed with an outcome."""

    provider = models.ForeignKey(
        "workforce.Provider", on_delete=models.PROTECT, related_name="quality_reviews"
    )
    institution = models.ForeignKey(
        "organizations.Institution", on_delete=models.PROTECT, related_name="quality_reviews"
    )
    visit = models.ForeignKey(
        "orders.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rating = models.ForeignKey(
        Rating, null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    trigger = models.CharField(max_length=16, choices=ReviewTrigger.choices)
    status = models.CharField(max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    outcome = models.CharField(max_length=16, choices=ReviewOutcome.choices, blank=True)
    notes = models.TextField(blank=True)
    handled_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["institution", "status"])]

    def __str__(self) -> str:
        return f"quality review {self.pk} ({self.status})"
