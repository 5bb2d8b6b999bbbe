from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import get_language

from doorstep.core.models import TimeStampedModel

from .enums import InstitutionStatus, InstitutionType


class Institution(TimeStampedModel):
    """A tenant: hospital, health centre or care agency that employs providers."""

    name_zh = models.CharField(max_length=128)
    name_en = models.CharField(max_length=256)
    type = models.CharField(max_length=32, choices=InstitutionType.choices)
    licence_number = models.CharField(
        max_length=64,
        unique=True,
        help_text="Medical institution practice licence or registration.",
    )
    status = models.CharField(
        max_length=16, choices=InstitutionStatus.choices, default=InstitutionStatus.ONBOARDING
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="institutions",
        help_text="Where the institution is registered.",
    )
    address = models.CharField(max_length=256, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text="Front desk.")
    security_contact_name = models.CharField(max_length=64, blank=True)
    security_contact_phone = models.CharField(
        max_length=32, blank=True, help_text="Security office, called by nurse alarms."
    )
    prepayment_required = models.BooleanField(
        default=True, help_text="Patients pay before dispatch (else at the door)."
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class ServiceArea(models.Model):
    """A region node (and its subtree) the institution serves."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="service_areas"
    )
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["institution", "region"], name="service_area_unique")
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}->{self.region_id}"


class Contract(models.Model):
    """The institution's contract with the platform: revenue split, versioned by date.

    Percentages are in basis points (1/100 of a percent) so they stay integers; the three
    shares add up to 10,000.
    """

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="contracts")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Exclusive; empty = open.")
    platform_bp = models.PositiveIntegerField(help_text="Platform share, basis points.")
    institution_bp = models.PositiveIntegerField(help_text="Institution share, basis points.")
    provider_bp = models.PositiveIntegerField(help_text="Provider share, basis points.")
    signed_at = models.DateTimeField(auto_now_add=True)
    notes = models.CharField(max_length=256, blank=True)
    # Incentives for the provider (ADR 0024): each an extra share of the visit's price in
    # basis points plus a fixed amount per visit, taken from the platform's and the
    # institution's shares of that visit (``incentive_platform_bp`` of it from the platform).
    night_start = models.TimeField(
        default=dt.time(22, 0), help_text="Night hours start (local time, Asia/Shanghai)."
    )
    night_end = models.TimeField(
        default=dt.time(6, 0),
        help_text="Night hours end, exclusive (local time); equal to the start = no night.",
    )
    night_incentive_bp = models.PositiveIntegerField(
        default=0, help_text="Night visit incentive, basis points of the visit's price."
    )
    night_incentive_fen = models.PositiveIntegerField(
        default=0, help_text="Night visit incentive, fen per visit."
    )
    rural_incentive_bp = models.PositiveIntegerField(
        default=0, help_text="Rural region incentive, basis points of the visit's price."
    )
    rural_incentive_fen = models.PositiveIntegerField(
        default=0, help_text="Rural region incentive, fen per visit."
    )
    difficult_incentive_bp = models.PositiveIntegerField(
        default=0, help_text="Difficult item incentive, basis points of the visit's price."
    )
    difficult_incentive_fen = models.PositiveIntegerField(
        default=0, help_text="Difficult item incentive, fen per visit."
    )
    difficult_items = models.JSONField(
        default=list,
        blank=True,
        help_text="Service item codes counted as difficult (besides every high-risk item).",
    )
    incentive_platform_bp = models.PositiveIntegerField(
        default=10000,
        help_text="Part of each incentive the platform funds, basis points; "
        "the institution funds the rest.",
    )

    class Meta:
        ordering = ["institution_id", "effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(platform_bp__lte=10000)
                & models.Q(institution_bp__lte=10000)
                & models.Q(provider_bp__lte=10000),
                name="contract_bp_range",
            ),
            models.CheckConstraint(
                condition=models.Q(night_incentive_bp__lte=10000)
                & models.Q(rural_incentive_bp__lte=10000)
                & models.Q(difficult_incentive_bp__lte=10000)
                & models.Q(incentive_platform_bp__lte=10000),
                name="contract_incentive_bp_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} from {self.effective_from}"
