"""Orders, visits and everything recorded around a visit (ADR 0013).

An order is what was bought (an item or a package at a locked price); each of its visits
runs the state machine of ``enums.TRANSITIONS``. The order's status is not stored: it is
derived from its visits (``selectors.order_status``). Nothing here is ever hard-deleted
and no model carries business logic: writes go through ``services.py``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from .enums import (
    AssessmentDecision,
    CancelSide,
    Channel,
    CheckKind,
    CorrectionField,
    CorrectionStatus,
    CoSignMethod,
    Payer,
    PaymentMethod,
    PaymentMode,
    VisitStatus,
)

USER = settings.AUTH_USER_MODEL


def arrival_window() -> dt.timedelta:
    """How long after its booked start a visit may still begin on time: a booked start is
    an arrival window (``BOOKING_ARRIVAL_WINDOW_MINUTES``, ADR 0037)."""
    return dt.timedelta(minutes=int(getattr(settings, "BOOKING_ARRIVAL_WINDOW_MINUTES", 30)))


class Order(models.Model):
    """What was bought, by whom, for whom, at which locked price."""

    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="orders")
    institution = models.ForeignKey(
        "organizations.Institution", on_delete=models.PROTECT, related_name="orders"
    )
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+")
    package = models.ForeignKey(
        "catalog.ServicePackage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    offering = models.ForeignKey("catalog.Offering", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.APP)
    placed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    price_lines = models.JSONField(
        default=list, help_text="The locked quote lines [{code, label_en, label_zh, amount_fen}]."
    )
    total_fen = models.PositiveIntegerField(help_text="Locked total of the order, fen.")
    pricing_inputs = models.JSONField(
        default=dict, help_text="What the price was computed from (care level, distance, ...)."
    )
    payer = models.CharField(max_length=16, choices=Payer.choices, default=Payer.SELF_PAY)
    payment_mode = models.CharField(
        max_length=8, choices=PaymentMode.choices, help_text="Copied from the institution."
    )
    need_text = models.TextField(blank=True, help_text="The need in the caller's words.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["institution", "created_at"]),
            models.Index(fields=["elder", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"order {self.pk}"


class Visit(models.Model):
    """One visit of an order: the unit the state machine, dispatch and EVV work on."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="visits")
    seq = models.PositiveSmallIntegerField(help_text="1-based position in the order.")
    status = models.CharField(
        max_length=24, choices=VisitStatus.choices, default=VisitStatus.REQUESTED, db_index=True
    )
    window_start = models.DateTimeField(help_text="Planned start of the service.")
    window_end = models.DateTimeField(help_text="Planned end of the service.")
    duration_minutes = models.PositiveIntegerField()
    price_fen = models.PositiveIntegerField(help_text="This visit's share of the order, fen.")
    provider = models.ForeignKey(
        "workforce.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    address = models.CharField(max_length=256, blank=True, help_text="Snapshot at booking.")
    lat = models.FloatField(null=True, blank=True, help_text="Home latitude, WGS-84.")
    lng = models.FloatField(null=True, blank=True, help_text="Home longitude, WGS-84.")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    risk_flags = models.JSONField(default=list, blank=True, help_text="RiskFlag codes.")
    assessment = models.ForeignKey(
        "Assessment", null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    pool_published_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_by_side = models.CharField(
        max_length=16, choices=CancelSide.choices, blank=True, default=""
    )
    cancellation_reason = models.TextField(blank=True)
    cancellation_fee_fen = models.PositiveIntegerField(default=0, help_text="Fen.")
    abort_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["window_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="visit_seq_unique"),
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")), name="visit_window_order"
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "window_start"]),
            models.Index(fields=["status", "pool_published_at"]),
            # Matching's booked minutes (a team's visits of one week, ADR 0020): a range
            # scan of the week instead of a pass over every visit of the city.
            models.Index(
                fields=["window_start"],
                # ``id`` too: the ranking's booked-minutes scan leaves out the visit
                # being ranked, and stays index-only (ADR 0036).
                include=["provider", "duration_minutes", "status", "id"],
                name="orders_visit_week_ix2",
            ),
            # Whether a provider holds a visit near another one (the ranking's exact
            # checks): the provider's visits ending after a time, index-only (ADR 0036).
            models.Index(
                fields=["provider", "window_end"],
                include=["window_start", "status", "id"],
                name="orders_visit_busy_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"visit {self.pk} ({self.status})"

    @property
    def arrive_by(self) -> dt.datetime:
        """The end of the booked arrival window: the provider arrives between
        ``window_start`` and this (ADR 0037)."""
        return self.window_start + arrival_window()


class VisitEvent(models.Model):
    """One transition of a visit: who, when, where, from, to, why. Append-only."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=24, choices=VisitStatus.choices)
    to_status = models.CharField(max_length=24, choices=VisitStatus.choices)
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["visit", "at"])]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.from_status}->{self.to_status}"


class Payment(models.Model):
    """A confirmed payment (a placeholder the money issue replaces with its ledger)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    amount_fen = models.PositiveIntegerField()
    method = models.CharField(max_length=8, choices=PaymentMethod.choices)
    receipt_no = models.CharField(max_length=64, blank=True)
    confirmed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField()

    class Meta:
        ordering = ["confirmed_at", "id"]

    def __str__(self) -> str:
        return f"payment {self.pk} of order {self.order_id}"


class Assessment(models.Model):
    """A first-visit assessment of an elder by an institution for an item's category."""

    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        "organizations.Institution", on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        "catalog.ServiceCategory",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The item group the assessment covers (reused within it).",
    )
    requested_at = models.DateTimeField()
    decision = models.CharField(
        max_length=16, choices=AssessmentDecision.choices, default=AssessmentDecision.PENDING
    )
    reviewer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    risk_flags = models.JSONField(default=list, blank=True, help_text="RiskFlag codes.")
    valid_until = models.DateField(null=True, blank=True, help_text="Last day it is reused.")

    class Meta:
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["institution", "decision"])]

    def __str__(self) -> str:
        return f"assessment {self.pk} ({self.decision})"


class CheckEvent(models.Model):
    """EVV: one check-in or check-out with the six elements (service, recipient, date,
    location, provider, time); service and recipient through the visit's order."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="checks")
    kind = models.CharField(max_length=16, choices=CheckKind.choices)
    provider = models.ForeignKey("workforce.Provider", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    lat = models.FloatField()
    lng = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True, help_text="GPS accuracy, metres.")
    distance_m = models.FloatField(null=True, blank=True, help_text="From the home, metres.")
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=256, blank=True)
    corrected_at = models.DateTimeField(
        null=True, blank=True, help_text="Time after an approved correction."
    )

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "kind"], name="check_event_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of visit {self.visit_id}"


class Correction(models.Model):
    """A provider's request to fix an EVV time, decided by the institution."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="corrections")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    field = models.CharField(max_length=24, choices=CorrectionField.choices)
    proposed_value = models.CharField(max_length=64, help_text="ISO 8601 date-time.")
    reason = models.TextField()
    status = models.CharField(
        max_length=16, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"correction {self.pk} ({self.status})"


class CoSign(models.Model):
    """The elder or a linked family member confirms the visit took place."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="cosigns")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    method = models.CharField(max_length=16, choices=CoSignMethod.choices)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "user"], name="cosign_once_per_user")
        ]

    def __str__(self) -> str:
        return f"co-sign of visit {self.visit_id}"


class ServiceRecord(models.Model):
    """What the provider documented, keyed by the item's documentation template."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="record")
    values = models.JSONField(
        default=dict, help_text="{key: {value, unit, loinc}} following the template."
    )
    consumables_used = models.JSONField(default=list, blank=True, help_text="[{code, quantity}].")
    notes = models.TextField(blank=True)
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"record of visit {self.visit_id}"


def photo_path(instance: RecordPhoto, filename: str) -> str:
    ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(
        instance.content_type, "bin"
    )
    return f"visits/{instance.visit_id}/{instance.key}-{instance.sha256[:16]}.{ext}"


class RecordPhoto(models.Model):
    """A photo taken during a visit (JPEG, PNG or WebP, at most 5 MB)."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photos")
    key = models.CharField(max_length=48, help_text="The template field it documents.")
    file = models.FileField(upload_to=photo_path)
    content_type = models.CharField(max_length=16)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of visit {self.visit_id}"
