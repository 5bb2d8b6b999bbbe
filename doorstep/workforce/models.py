"""Providers (nurses, caregivers, volunteers, community doctors), their credentials and the
record of every verification transition (ADR 0009).

State changes go through ``services.py``; nothing here carries business logic.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from doorstep.core.models import TimeStampedModel
from doorstep.people.enums import Sex

from .eligibility import years_between
from .enums import (
    CertificateKind,
    CertificateStatus,
    NurseTitle,
    ProviderKind,
    TransportMode,
    VerificationStatus,
)


class Provider(TimeStampedModel):
    """A person who delivers services at home, with the practice institution that verifies
    them. Years of clinical practice derive from ``practice_start_date``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="provider"
    )
    kind = models.CharField(max_length=24, choices=ProviderKind.choices)
    institution = models.ForeignKey(
        "organizations.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="providers",
        help_text="Practice institution; it verifies the provider. Volunteers may have none.",
    )
    licence_number = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text="Nurse practising certificate or doctor licence number; NULL when none.",
    )
    title = models.CharField(
        max_length=32,
        choices=NurseTitle.choices,
        blank=True,
        help_text="Professional title (nursing series); empty for caregivers and volunteers.",
    )
    practice_start_date = models.DateField(
        null=True, blank=True, help_text="Start of clinical practice; years derive from it."
    )
    specialties = models.JSONField(default=list, blank=True, help_text="List of codes.")
    languages = models.JSONField(
        default=list, blank=True, help_text="Language/dialect codes, e.g. ['zh', 'wuu']."
    )
    home_lat = models.FloatField(null=True, blank=True, help_text="Home base, degrees WGS-84.")
    home_lng = models.FloatField(null=True, blank=True, help_text="Home base, degrees WGS-84.")
    home_region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="home_providers",
    )
    service_radius_km = models.FloatField(
        default=5.0, help_text="How far from home base the provider takes visits, kilometres."
    )
    transport_mode = models.CharField(
        max_length=24, choices=TransportMode.choices, default=TransportMode.E_BIKE
    )
    verification_status = models.CharField(
        max_length=24,
        choices=VerificationStatus.choices,
        default=VerificationStatus.DRAFT,
        db_index=True,
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rejection_reason = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    # Matching (ADR 0020): an elder may ask for a provider of one gender; a daily cap.
    gender = models.CharField(
        max_length=8, choices=Sex.choices, blank=True, help_text="Empty = not recorded."
    )
    max_daily_minutes = models.PositiveIntegerField(
        default=480, help_text="Cap on booked service time per day, minutes."
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["institution", "verification_status"]),
            models.Index(fields=["kind", "verification_status"]),
        ]
        constraints = [
            # The invariant check_invariants also looks for: no verified licensed provider
            # without a licence number.
            models.CheckConstraint(
                condition=~(
                    Q(verification_status=VerificationStatus.VERIFIED)
                    & Q(kind__in=[ProviderKind.NURSE, ProviderKind.COMMUNITY_DOCTOR])
                    & (Q(licence_number__isnull=True) | Q(licence_number=""))
                ),
                name="provider_verified_needs_licence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.user_id}"

    def years_of_practice(self, on: dt.date) -> int:
        return years_between(self.practice_start_date, on)


class Certificate(TimeStampedModel):
    """A credential: practising licence, specialist nurse certificate, caregiver vocational
    certificate or first aid. Never deleted; expired or revoked instead."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="certificates")
    kind = models.CharField(max_length=32, choices=CertificateKind.choices)
    number = models.CharField(max_length=64, blank=True)
    issuer = models.CharField(max_length=128, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(
        null=True, blank=True, help_text="Last day it is valid; empty = does not expire."
    )
    status = models.CharField(
        max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )

    class Meta:
        ordering = ["provider_id", "kind", "id"]
        indexes = [models.Index(fields=["status", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} ({self.status})"


class VerificationEvent(models.Model):
    """One verification transition: who, when, from, to, why. Append-only."""

    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="verification_events"
    )
    from_status = models.CharField(max_length=24, choices=VerificationStatus.choices)
    to_status = models.CharField(max_length=24, choices=VerificationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the system made the change (certificate expiry sweep).",
    )
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["provider", "at"])]

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.from_status}->{self.to_status}"
