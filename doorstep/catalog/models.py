"""The service catalogue: categories, items, packages, regional price caps, institution
offerings and regional pricing policies (ADR 0012).

Nothing here carries business logic: writes go through ``services.py``; prices are
computed by the pure ``pricing.quote``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from doorstep.core.models import TimeStampedModel

from .enums import CategoryGroup, RiskLevel


class ServiceCategory(models.Model):
    code = models.CharField(max_length=48, unique=True)
    name_zh = models.CharField(max_length=64)
    name_en = models.CharField(max_length=128)
    group = models.CharField(max_length=32, choices=CategoryGroup.choices, db_index=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name_plural = "service categories"

    def __str__(self) -> str:
        return self.code


class ServiceItem(TimeStampedModel):
    """One kind of service that can be bought and performed at home."""

    code = models.CharField(max_length=48, unique=True)
    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="items")
    name_zh = models.CharField(max_length=64)
    name_en = models.CharField(max_length=128)
    synonyms = models.JSONField(
        default=list, blank=True, help_text="Chinese and English words for the intake classifier."
    )
    provider_kinds = models.JSONField(
        default=list, help_text="Workforce ProviderKind values that may perform the item."
    )
    eligibility_preset = models.CharField(
        max_length=32, blank=True, help_text="A workforce eligibility preset name."
    )
    min_title_rank = models.PositiveSmallIntegerField(
        default=0, help_text="Minimum nursing title rank (0 = none, 1 = 护士 ... 5 = 主任护师)."
    )
    min_years = models.PositiveSmallIntegerField(
        default=0, help_text="Minimum years of clinical practice."
    )
    required_certificates = models.JSONField(
        default=list, blank=True, help_text="Workforce CertificateKind values."
    )
    is_clinical = models.BooleanField(default=False)
    duration_minutes = models.PositiveIntegerField(help_text="Standard duration, minutes.")
    risk_level = models.CharField(max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW)
    requires_assessment = models.BooleanField(default=False)
    assessment_validity_days = models.PositiveIntegerField(
        default=0, help_text="Days a first-visit assessment stays valid for repeat orders."
    )
    consumables = models.JSONField(
        default=list,
        blank=True,
        help_text="[{code, name_zh, name_en, unit, price_fen}]; price in fen per unit.",
    )
    documentation_template = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "[{key, label_zh, label_en, type, unit, loinc, required, min, max, choices}]: "
            "what the provider records."
        ),
    )
    contraindications_zh = models.TextField(blank=True)
    contraindications_en = models.TextField(blank=True)
    base_price_fen = models.PositiveIntegerField(help_text="Reference base price, fen.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category__sort_order", "id"]

    def __str__(self) -> str:
        return self.code


class ServicePackage(TimeStampedModel):
    """Several visits of one item bought together, e.g. 4 weekly PICC maintenance visits."""

    code = models.CharField(max_length=48, unique=True)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="packages")
    name_zh = models.CharField(max_length=64)
    name_en = models.CharField(max_length=128)
    visit_count = models.PositiveSmallIntegerField()
    interval_days = models.PositiveSmallIntegerField(help_text="Days between visits.")
    discount_bp = models.PositiveIntegerField(
        default=0, help_text="Discount on the sum of the visits, basis points (100 = 1%)."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visit_count__gte=1) & Q(discount_bp__lte=10000),
                name="package_visits_discount_range",
            )
        ]

    def __str__(self) -> str:
        return self.code


class PriceCap(TimeStampedModel):
    """A regional guidance price: the most a visit of ``item`` may cost in ``region``'s
    subtree. The nearest ancestor's cap applies."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="price_caps")
    cap_fen = models.PositiveIntegerField(help_text="Maximum price of one visit, fen.")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Exclusive; empty = open.")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["item", "region"])]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.region_id}<={self.cap_fen}"


class Offering(TimeStampedModel):
    """An institution offers ``item`` in ``region`` (inside one of its service areas) at
    ``price_fen`` (within the applicable cap)."""

    institution = models.ForeignKey(
        "organizations.Institution", on_delete=models.PROTECT, related_name="offerings"
    )
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="offerings")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    price_fen = models.PositiveIntegerField(help_text="Base price of one visit, fen.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "item", "region"], name="offering_unique_per_area"
            )
        ]
        indexes = [models.Index(fields=["item", "is_active"])]

    def __str__(self) -> str:
        return f"{self.institution_id}:{self.item_id}@{self.region_id}"


class PricingPolicy(TimeStampedModel):
    """Versioned pricing parameters for a region's subtree; the nearest ancestor's newest
    version in effect applies, else the module defaults of ``pricing.DEFAULT_POLICY``.

    Coefficients are basis points (10000 = x1.0)."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    effective_from = models.DateField()
    complexity_bp = models.JSONField(
        default=dict, help_text='Care level -> coefficient in basis points, {"0": 10000, ...}.'
    )
    title_bp = models.JSONField(
        default=dict, help_text='Minimum title rank -> coefficient in basis points, {"3": 11000}.'
    )
    specialist_bp = models.PositiveIntegerField(
        default=10000, help_text="Coefficient when a specialist certificate is required, bp."
    )
    free_radius_m = models.PositiveIntegerField(help_text="Distance included, metres.")
    distance_fee_fen_per_km = models.PositiveIntegerField(help_text="Fen per km beyond.")
    detour_factor_pct = models.PositiveIntegerField(
        default=130, help_text="Road distance / straight-line distance, percent."
    )
    night_start_hour = models.PositiveSmallIntegerField(help_text="Local hour 0-23.")
    night_end_hour = models.PositiveSmallIntegerField(help_text="Local hour 0-23 (exclusive).")
    night_surcharge_bp = models.PositiveIntegerField(help_text="Surcharge on the service fee, bp.")
    holidays = models.JSONField(default=list, blank=True, help_text="ISO dates.")
    holiday_surcharge_bp = models.PositiveIntegerField(help_text="Surcharge on the fee, bp.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "pricing policies"
        constraints = [
            models.UniqueConstraint(fields=["region", "version"], name="pricing_policy_version")
        ]

    def __str__(self) -> str:
        return f"policy {self.region_id} v{self.version}"
