"""Elders (patients), their households, emergency contacts, family proxies, insurance,
consents and the institutions that serve them (ADR 0011).

Identifiers (resident ID number, phones, insurance numbers) are stored only encrypted
(``core.crypto.encrypt``); exact-match lookup goes through a keyed hash
(``core.crypto.search_hash``). Nothing here is ever hard-deleted: rows are deactivated,
revoked, withdrawn or ended. Writes go through ``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from doorstep.core import crypto
from doorstep.core.models import TimeStampedModel

from .enums import (
    ConsentPurpose,
    ElderStatus,
    FamilyLinkStatus,
    InstitutionLinkStatus,
    InsuranceScheme,
    Relationship,
    Sex,
)

CARE_LEVEL_MAX = 5


class Household(TimeStampedModel):
    """Where an elder lives; one per elder or shared by a couple living together."""

    lives_alone = models.BooleanField(default=False)
    floor = models.SmallIntegerField(
        null=True, blank=True, help_text="Storey of the dwelling, 1 = ground floor."
    )
    has_lift = models.BooleanField(default=False, help_text="A lift serves the dwelling.")
    dwelling_notes = models.TextField(
        blank=True, help_text="Access notes for visitors: gate code location, stairs, pets."
    )

    def __str__(self) -> str:
        return f"household {self.pk}"


class Elder(TimeStampedModel):
    """An elder or patient served at home."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="elder_profile",
        help_text="The elder's own login, if they have one.",
    )
    full_name = models.CharField(max_length=64, help_text="Real name as on the resident ID.")
    id_number_encrypted = models.TextField(
        help_text="GB 11643 resident ID number, encrypted (core.crypto)."
    )
    id_number_hash = models.CharField(
        max_length=64, unique=True, help_text="Keyed hash of the ID number for exact lookup."
    )
    sex = models.CharField(max_length=8, choices=Sex.choices)
    birth_date = models.DateField()
    phone_encrypted = models.TextField(blank=True, help_text="Mobile phone, encrypted.")
    phone_hash = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Keyed hash of the mobile phone."
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="elders",
        help_text="The community (level 5) the elder lives in.",
    )
    address = models.CharField(max_length=256, blank=True)
    lat = models.FloatField(null=True, blank=True, help_text="Home latitude, degrees WGS-84.")
    lng = models.FloatField(null=True, blank=True, help_text="Home longitude, degrees WGS-84.")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    care_level = models.PositiveSmallIntegerField(
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(CARE_LEVEL_MAX)],
        help_text=(
            "Assessed care need, 0 (independent) to 5 (total dependency); "
            "used by pricing and matching."
        ),
    )
    languages = models.JSONField(
        default=list, blank=True, help_text="Languages spoken, e.g. ['zh', 'en']."
    )
    dialects = models.JSONField(
        default=list, blank=True, help_text="Dialects spoken, e.g. ['wu-ningbo']."
    )
    preferred_provider_gender = models.CharField(
        max_length=8,
        choices=Sex.choices,
        blank=True,
        help_text="Matching (ADR 0020): only providers of this gender; empty = any.",
    )
    status = models.CharField(
        max_length=16, choices=ElderStatus.choices, default=ElderStatus.ACTIVE, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(care_level__gte=0) & Q(care_level__lte=CARE_LEVEL_MAX),
                name="elder_care_level_range",
            )
        ]

    def __str__(self) -> str:
        return f"elder {self.pk}"

    @property
    def id_number(self) -> str:
        """The decrypted ID number. Mask it before showing it (``core.masking``)."""
        return crypto.decrypt(self.id_number_encrypted) if self.id_number_encrypted else ""

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted) if self.phone_encrypted else ""


class EmergencyContact(TimeStampedModel):
    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="emergency_contacts")
    name = models.CharField(max_length=64)
    relationship = models.CharField(max_length=16, choices=Relationship.choices)
    phone_encrypted = models.TextField(help_text="Mobile phone, encrypted.")
    priority = models.PositiveSmallIntegerField(default=1, help_text="1 = call first.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["elder_id", "priority", "id"]

    def __str__(self) -> str:
        return f"contact {self.pk} of elder {self.elder_id}"

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted) if self.phone_encrypted else ""


class FamilyLink(models.Model):
    """A family member acting as proxy for an elder.

    Requested (pending), confirmed by the elder or staff on their behalf, and active once a
    ``family_proxy_access`` consent also exists. Access additionally requires that consent
    to be un-withdrawn at read time (see ``access.py``).
    """

    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="family_links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="family_links"
    )
    relationship = models.CharField(max_length=16, choices=Relationship.choices)
    can_view_record = models.BooleanField(default=True)
    can_place_orders = models.BooleanField(default=False)
    can_pay = models.BooleanField(default=False)
    can_receive_alerts = models.BooleanField(default=False)
    status = models.CharField(
        max_length=8, choices=FamilyLinkStatus.choices, default=FamilyLinkStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder", "user"],
                condition=~Q(status="revoked"),
                name="family_link_one_open_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"family link {self.pk} ({self.status})"

    @property
    def permissions(self) -> list[str]:
        return [
            name
            for name, flag in (
                ("view_record", self.can_view_record),
                ("place_orders", self.can_place_orders),
                ("pay", self.can_pay),
                ("receive_alerts", self.can_receive_alerts),
            )
            if flag
        ]


class InsuranceEnrollment(TimeStampedModel):
    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="insurance")
    scheme = models.CharField(max_length=24, choices=InsuranceScheme.choices)
    number_encrypted = models.TextField(blank=True, help_text="Insurance number, encrypted.")
    ltc_disability_level = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
        help_text=(
            "Long-term-care disability grade, 0 (basically normal) to 5 (severe grade III), "
            "per the national LTC disability assessment standard; LTC scheme only."
        ),
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Inclusive; empty = open.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["elder_id", "id"]

    def __str__(self) -> str:
        return f"{self.scheme} of elder {self.elder_id}"

    @property
    def number(self) -> str:
        return crypto.decrypt(self.number_encrypted) if self.number_encrypted else ""


class Consent(models.Model):
    """A consent given for one purpose. Withdrawal sets ``withdrawn_at``; never deleted."""

    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(max_length=40, choices=ConsentPurpose.choices)
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="family_proxy_access: the proxy it covers; empty = every linked proxy.",
    )
    institution = models.ForeignKey(
        "organizations.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="data_sharing_with_institution: the institution data may be shared with.",
    )
    policy_version = models.CharField(
        max_length=32, help_text="Version of the privacy notice shown, e.g. '2026-01'."
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["elder_id", "-granted_at", "-id"]
        indexes = [models.Index(fields=["elder", "purpose", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"consent {self.pk} {self.purpose}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class ElderInstitutionLink(models.Model):
    """The tenant relationship: staff of ``institution`` see the elder while it is active."""

    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="institution_links")
    institution = models.ForeignKey(
        "organizations.Institution", on_delete=models.PROTECT, related_name="elder_links"
    )
    since = models.DateField()
    status = models.CharField(
        max_length=8, choices=InstitutionLinkStatus.choices, default=InstitutionLinkStatus.ACTIVE
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder", "institution"],
                condition=Q(status="active"),
                name="elder_institution_one_active",
            )
        ]
        indexes = [models.Index(fields=["institution", "status"])]

    def __str__(self) -> str:
        return f"elder {self.elder_id} @ institution {self.institution_id}"
