"""Home devices, what they send, and what was refused (ADR 0030).

A ``Device`` is bound to an elder (and the elder's household) and managed by an institution.
Its MQTT username is its ``device_id``; only a PBKDF2-SHA512 hash of its secret is stored,
in Mosquitto's ``$7$`` format so the broker's password file is written from it directly.
Every accepted message leaves one ``DeviceMessage`` (unique per device and ``seq``: a message
delivered twice is stored once); readings become ``health.Observation`` rows, everything else
a ``DeviceEvent``. Refused messages are only counted (``RejectionCount``): no payload, no
value, nothing personal. Writes go through ``services.py`` and ``ingest.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .enums import DeviceStatus, DeviceType, Via

USER = settings.AUTH_USER_MODEL


class Device(models.Model):
    device_id = models.CharField(
        max_length=32,
        unique=True,
        help_text="Public id, also the MQTT username and topic segment, e.g. 'bp-3f9a2c1d7e'.",
    )
    type = models.CharField(max_length=20, choices=DeviceType.choices)
    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="devices")
    household = models.ForeignKey(
        "people.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
        help_text="Where the device is installed (the elder's household at registration).",
    )
    institution = models.ForeignKey(
        "organizations.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
        help_text="The institution that installed and maintains it; empty = family-owned.",
    )
    label = models.CharField(max_length=64, blank=True, help_text="e.g. 'bedroom', 'front door'.")
    secret_hash = models.CharField(
        max_length=160, help_text="PBKDF2-SHA512 of the secret, Mosquitto '$7$' format."
    )
    status = models.CharField(
        max_length=12, choices=DeviceStatus.choices, default=DeviceStatus.REGISTERED
    )
    battery_pct = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Last reported battery level, percent."
    )
    battery_low = models.BooleanField(default=False)
    last_seen = models.DateTimeField(null=True, blank=True, help_text="Last message received.")
    last_seq = models.BigIntegerField(default=0, help_text="Highest seq stored.")
    registered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "last_seen"])]

    def __str__(self) -> str:
        return self.device_id


class Gateway(models.Model):
    """A home gateway that relays its household's devices over HTTP (batch ingestion)."""

    gateway_id = models.CharField(max_length=32, unique=True, help_text="e.g. 'gw-5d0c9e2a41'.")
    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="gateways"
    )
    institution = models.ForeignKey(
        "organizations.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="gateways",
    )
    secret_hash = models.CharField(max_length=160, help_text="PBKDF2-SHA512, '$7$' format.")
    is_active = models.BooleanField(default=True)
    registered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.gateway_id


class DeviceMessage(models.Model):
    """The ingestion log: one row per accepted message; ``(device, seq)`` is unique."""

    # No index of its own: the unique (device, seq) below starts with it (ADR 0034).
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="messages", db_index=False
    )
    seq = models.BigIntegerField(help_text="The device's sequence number.")
    kind = models.CharField(max_length=20, help_text="The payload 'type'.")
    at = models.DateTimeField(help_text="When the device measured or saw it (payload 'ts').")
    received_at = models.DateTimeField()
    via = models.CharField(max_length=8, choices=Via.choices)
    # Neither an index nor a database constraint (ADR 0034, addendum): nothing looks the log
    # up by observation, observations are never deleted (only voided), and the id is allocated
    # and its row written in the same transaction as this one. PROTECT still guards ORM deletes.
    observation = models.ForeignKey(
        "health.Observation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    dispatch_failed = models.BooleanField(
        default=False,
        help_text="A receiver of the device_event signal failed; stored without it.",
    )

    class Meta:
        ordering = ["device_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["device", "seq"], name="devices_message_once")
        ]

    def __str__(self) -> str:
        return f"{self.device_id}#{self.seq}"


class DeviceEvent(models.Model):
    """A non-reading event: motion, door, bed, smoke/gas, SOS, fall, voice alarm, battery."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="events")
    elder = models.ForeignKey("people.Elder", on_delete=models.PROTECT, related_name="+")
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=20)
    values = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(help_text="When it happened (payload 'ts').")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["device", "seq"], name="devices_event_once")]
        indexes = [models.Index(fields=["elder", "kind", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.device_id}#{self.seq}"


class RejectionCount(models.Model):
    """How many messages were refused, per day, reason and channel (no payloads kept)."""

    day = models.DateField()
    reason = models.CharField(max_length=24)
    via = models.CharField(max_length=8, choices=Via.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "reason"]
        constraints = [
            models.UniqueConstraint(fields=["day", "reason", "via"], name="devices_rejection_key")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.reason} {self.count}"
