"""Alerts (incidents), their timeline, per-elder thresholds, institutions' security
contacts and the activity marks the inactivity rules read (ADR 0031).

Devices are referenced by their integer id (``device_id``), not by a foreign key, so this
app's migrations do not depend on the devices app. Nothing here is hard-deleted: an alert
is resolved, a threshold or a contact deactivated. Writes go through ``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .enums import EventKind, Kind, Severity, Source, Status, Step

USER = settings.AUTH_USER_MODEL


class Alert(models.Model):
    """One incident: an SOS press, a fall, a reading beyond a threshold (with its storm
    folded in), a nurse's alarm. ``open_key`` keeps one unresolved alert per elder and rule;
    ``dedupe_key`` makes creation idempotent (a device's alarm by device and sequence number,
    a button press by its idempotency key)."""

    kind = models.CharField(max_length=24, choices=Kind.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    elder = models.ForeignKey(
        "people.Elder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Where it happens (the elder's community, the visit's region): "
        "call-centre operators of this subtree see it.",
    )
    institution = models.ForeignKey(
        "organizations.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Nurse alarms: the nurse's institution (its security office sees it).",
    )
    provider = models.ForeignKey(
        "workforce.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Nurse alarms and overdue check-outs: the provider concerned.",
    )
    visit = models.ForeignKey(
        "orders.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    device_id = models.BigIntegerField(
        null=True, blank=True, help_text="The devices app's device id, when a device raised it."
    )
    fold_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="Rule identity for storm folding, e.g. 'threshold:blood_pressure'; "
        "empty = never folded.",
    )
    open_key = models.CharField(
        max_length=96,
        null=True,
        blank=True,
        unique=True,
        help_text="'<elder>:<fold_key>' while unresolved, empty once resolved: one open "
        "alert per elder and rule.",
    )
    dedupe_key = models.CharField(
        max_length=96,
        null=True,
        blank=True,
        unique=True,
        help_text="Idempotency: 'device:<id>:<seq>', 'button:<key>', 'overdue:<visit>'.",
    )
    details = models.JSONField(
        default=dict, blank=True, help_text="Values and reasons (measure, value, bound)."
    )
    count = models.PositiveIntegerField(default=1, help_text="Triggers folded into it.")
    raised_at = models.DateTimeField()
    last_at = models.DateTimeField(help_text="The latest trigger folded into it.")
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the current step's recipients were last told."
    )
    step = models.CharField(
        max_length=16,
        choices=Step.choices,
        blank=True,
        help_text="The escalation step reached (empty: none yet).",
    )
    step_index = models.PositiveSmallIntegerField(default=0)
    next_escalation_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next step is due; empty = no further step."
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.TextField(blank=True)
    lat = models.FloatField(null=True, blank=True, help_text="Latest location, WGS-84 degrees.")
    lng = models.FloatField(null=True, blank=True, help_text="Latest location, WGS-84 degrees.")
    accuracy_m = models.FloatField(null=True, blank=True, help_text="Location accuracy, metres.")
    located_at = models.DateTimeField(null=True, blank=True)
    raised_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_escalation_at"], name="alert_due"),
            models.Index(fields=["region", "status"], name="alert_region_status"),
            models.Index(fields=["elder", "status"], name="alert_elder_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="resolved", open_key__isnull=True) | ~Q(status="resolved"),
                name="alert_resolved_frees_open_key",
            )
        ]

    def __str__(self) -> str:
        return f"alert {self.pk} {self.kind} ({self.status})"


class AlertEvent(models.Model):
    """One line of an alert's timeline. Append-only."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who did it; empty = the platform (a rule, a timer).",
    )
    step = models.CharField(max_length=16, choices=Step.choices, blank=True)
    channel = models.CharField(max_length=32, blank=True, help_text="e.g. in_app, email.")
    recipient = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["alert", "at"], name="alert_event_alert_at")]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.kind}"


class Threshold(models.Model):
    """An elder's own bounds for one measure, replacing the platform default bound by
    bound (e.g. systolic critical high 170 for an elder after a stroke)."""

    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(
        max_length=16, help_text="systolic, diastolic, glucose, heart_rate, spo2, temperature."
    )
    critical_low = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    warning_low = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    warning_high = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    critical_high = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    set_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["elder_id", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["elder", "measure"],
                condition=Q(is_active=True),
                name="alert_threshold_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure} of elder {self.elder_id}"


class SafetyContact(models.Model):
    """An institution's security office contact: told of its nurses' alarms."""

    institution = models.ForeignKey(
        "organizations.Institution", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["institution_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "user"],
                condition=Q(is_active=True),
                name="alert_safety_contact_once",
            )
        ]

    def __str__(self) -> str:
        return f"security contact {self.user_id} of {self.institution_id}"


class Activity(models.Model):
    """When the elder's motion and door sensors last reported (the inactivity rules).
    Updated at most once a minute per elder and sensor type."""

    elder = models.OneToOneField("people.Elder", on_delete=models.PROTECT, related_name="+")
    last_motion_at = models.DateTimeField(null=True, blank=True)
    last_door_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"activity of elder {self.elder_id}"


class AlarmAddress(models.Model):
    """An e-mail address that receives a user's alarm notifications (a duty mailbox of a
    call-centre desk or a security office), used by ``channels.AlarmEmailChannel``."""

    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    email = models.EmailField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_active=True), name="alert_address_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"alarm address of {self.user_id}"
