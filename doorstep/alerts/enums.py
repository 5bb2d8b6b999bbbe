"""Choices of the alerts app: severity, source, kind, status, timeline events, chain steps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


#: Higher is worse; used to keep the worst severity when a storm folds.
SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


class Source(models.TextChoices):
    DEVICE = "device", _("Home device")
    ELDER_BUTTON = "elder_button", _("Elder's SOS button")
    NURSE_ALARM = "nurse_alarm", _("Nurse's alarm")
    RULE = "rule", _("Monitoring rule")


class Kind(models.TextChoices):
    SOS = "sos", _("SOS")
    FALL = "fall", _("Fall detected")
    VOICE_ALARM = "voice_alarm", _("Voice alarm")
    SMOKE = "smoke", _("Smoke")
    GAS = "gas", _("Gas leak")
    THRESHOLD = "threshold", _("Reading beyond the threshold")
    BASELINE = "baseline", _("Reading unusual for this elder")
    NO_MOTION = "no_motion", _("No movement in the daytime")
    DOOR_UNOPENED = "door_unopened", _("Door not opened")
    DEVICE_OFFLINE = "device_offline", _("Device offline")
    BATTERY_LOW = "battery_low", _("Battery low")
    NURSE_ALARM = "nurse_alarm", _("Nurse in danger")
    CHECKOUT_OVERDUE = "checkout_overdue", _("Check-out overdue")


#: Device event types that are alarms in themselves (payload ``type`` -> kind).
ALARM_TYPES: dict[str, str] = {
    "sos": Kind.SOS,
    "fall": Kind.FALL,
    "voice_alarm": Kind.VOICE_ALARM,
    "smoke": Kind.SMOKE,
    "gas": Kind.GAS,
}
#: Alarms that are never folded: every press (device and sequence number) is an incident.
UNFOLDED = frozenset({Kind.SOS, Kind.FALL, Kind.VOICE_ALARM, Kind.NURSE_ALARM})


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


#: from-status -> allowed next statuses.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.OPEN: frozenset({Status.ACKNOWLEDGED, Status.RESOLVED}),
    Status.ACKNOWLEDGED: frozenset({Status.RESOLVED}),
    Status.RESOLVED: frozenset(),
}
UNRESOLVED = (Status.OPEN, Status.ACKNOWLEDGED)


class EventKind(models.TextChoices):
    RAISED = "raised", _("Raised")
    REPEATED = "repeated", _("Repeated")
    NOTIFIED = "notified", _("Notified")
    ESCALATED = "escalated", _("Escalated")
    EMERGENCY_PROMPT = "emergency_prompt", _("Prompt to call emergency services")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    NOTE = "note", _("Note")
    LOCATION = "location", _("Location update")
    RESOLVED = "resolved", _("Resolved")


class Step(models.TextChoices):
    """Links of an escalation chain, in the order they are tried."""

    FAMILY = "family", _("Family")
    OPERATOR = "operator", _("Call-centre operator")
    RESPONDER = "responder", _("Nearest available nurse or volunteer")
    EMERGENCY = "emergency", _("Call emergency services")
    NURSE = "nurse", _("The nurse")
    SAFETY = "safety", _("Security office and call centre")
