"""Choices of the devices app (ADR 0030): device types, statuses and what each type sends."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceType(models.TextChoices):
    BP_MONITOR = "bp_monitor", _("Blood-pressure monitor")
    GLUCOMETER = "glucometer", _("Glucometer")
    PULSE_OXIMETER = "pulse_oximeter", _("Pulse oximeter")
    WATCH = "watch", _("Watch (heart rate, fall detection, SOS button)")
    MOTION_SENSOR = "motion_sensor", _("Infrared motion sensor")
    DOOR_SENSOR = "door_sensor", _("Door sensor")
    BED_SENSOR = "bed_sensor", _("Bed sensor")
    SMOKE_GAS_SENSOR = "smoke_gas_sensor", _("Smoke and gas sensor")
    VOICE_ALARM = "voice_alarm", _("Voice alarm")


class DeviceStatus(models.TextChoices):
    """``registered``: never heard from; ``online`` / ``offline`` by last-seen time;
    ``retired``: taken out of service (credentials revoked, never deleted)."""

    REGISTERED = "registered", _("Registered, not yet seen")
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline")
    RETIRED = "retired", _("Retired")


class Via(models.TextChoices):
    MQTT = "mqtt", _("MQTT")
    HTTP = "http", _("HTTP batch")


#: Payload ``type`` values that become health observations (``health.observations.KINDS``).
READING_KINDS = frozenset(
    {"blood_pressure", "glucose", "heart_rate", "spo2", "temperature", "weight"}
)
#: Payload ``type`` values stored as device events.
EVENT_KINDS = frozenset(
    {"motion", "door", "bed", "smoke", "gas", "sos", "fall", "voice_alarm", "battery", "heartbeat"}
)
#: Always allowed, whatever the type: battery level reports and heartbeats.
HOUSEKEEPING = frozenset({"battery", "heartbeat"})

#: What each type of device may send (besides ``HOUSEKEEPING``); anything else is refused.
KINDS_BY_TYPE: dict[str, frozenset[str]] = {
    DeviceType.BP_MONITOR: frozenset({"blood_pressure", "heart_rate"}),
    DeviceType.GLUCOMETER: frozenset({"glucose"}),
    DeviceType.PULSE_OXIMETER: frozenset({"spo2", "heart_rate"}),
    DeviceType.WATCH: frozenset({"heart_rate", "spo2", "fall", "sos", "temperature"}),
    DeviceType.MOTION_SENSOR: frozenset({"motion"}),
    DeviceType.DOOR_SENSOR: frozenset({"door"}),
    DeviceType.BED_SENSOR: frozenset({"bed", "heart_rate"}),
    DeviceType.SMOKE_GAS_SENSOR: frozenset({"smoke", "gas"}),
    DeviceType.VOICE_ALARM: frozenset({"voice_alarm", "sos"}),
}

#: A device not heard from for this long is offline (heartbeats come at least this often:
#: measuring devices report daily, sensors and watches send a heartbeat every few minutes).
OFFLINE_AFTER: dict[str, dt.timedelta] = {
    DeviceType.BP_MONITOR: dt.timedelta(hours=26),
    DeviceType.GLUCOMETER: dt.timedelta(hours=26),
    DeviceType.PULSE_OXIMETER: dt.timedelta(hours=26),
    DeviceType.WATCH: dt.timedelta(minutes=30),
    DeviceType.MOTION_SENSOR: dt.timedelta(minutes=30),
    DeviceType.DOOR_SENSOR: dt.timedelta(minutes=30),
    DeviceType.BED_SENSOR: dt.timedelta(minutes=30),
    DeviceType.SMOKE_GAS_SENSOR: dt.timedelta(minutes=30),
    DeviceType.VOICE_ALARM: dt.timedelta(minutes=30),
}

#: Battery level (percent) at or below which a device is reported as low.
BATTERY_LOW_PCT = 20

#: Reasons a message is refused (stable codes, counted in ``RejectionCount``).
REJECT_REASONS = (
    "too_large",
    "not_json",
    "not_object",
    "seq_invalid",
    "ts_invalid",
    "ts_in_future",
    "type_unknown",
    "type_not_for_device",
    "values_invalid",
    "value_out_of_range",
    "device_unknown",
    "device_retired",
    "internal_error",
)
