"""State changes of the alerts app: raise (or fold), escalate, acknowledge, resolve, notes,
SOS, the nurse's alarm and live location, thresholds, security contacts and alarm e-mail
addresses (ADR 0031).

Every change runs in ``transaction.atomic``, locks the alert row it changes, writes a
timeline event (``AlertEvent``) and tells people through ``notifications.notify_many``
(delivered over the configured channels after commit). The modules:

* ``raising``: raise an alert or fold a repeat into the open one (idempotent);
* ``escalation``: the chain's steps and ``escalate_due``;
* ``handling``: acknowledge, notes, resolve;
* ``elders``: the SOS button, device alarms, readings, activity, inactivity;
* ``safety``: the nurse's alarm, live location, overdue check-outs;
* ``configuration``: thresholds, security contacts, alarm e-mail addresses.

Callers import this package (``from doorstep.alerts import services``); the names below
are its public interface.
"""

from __future__ import annotations

from .configuration import (
    add_safety_contact,
    clear_alarm_address,
    clear_threshold,
    contact_user,
    remove_safety_contact,
    set_alarm_address,
    set_threshold,
)
from .elders import (
    HISTORY,
    ReadingIn,
    device_alarm,
    device_status_changed,
    evaluate_inactivity,
    evaluate_reading,
    evaluate_readings,
    mark_activity,
    own_elder,
    press_sos,
)
from .escalation import KIND_TEXT, STEP_TEXT, escalate_due
from .handling import NOTE_MAX, acknowledge, add_note, resolve
from .raising import fold_window, raise_alert
from .safety import (
    CHECKED_IN,
    ON_VISIT,
    confirm_safe,
    flag_overdue_checkouts,
    nurse_alarm,
    overdue_minutes,
    update_location,
)

__all__ = [
    "CHECKED_IN",
    "HISTORY",
    "KIND_TEXT",
    "NOTE_MAX",
    "ON_VISIT",
    "STEP_TEXT",
    "ReadingIn",
    "acknowledge",
    "add_note",
    "add_safety_contact",
    "clear_alarm_address",
    "clear_threshold",
    "confirm_safe",
    "contact_user",
    "device_alarm",
    "device_status_changed",
    "escalate_due",
    "evaluate_inactivity",
    "evaluate_reading",
    "evaluate_readings",
    "flag_overdue_checkouts",
    "fold_window",
    "mark_activity",
    "nurse_alarm",
    "overdue_minutes",
    "own_elder",
    "press_sos",
    "raise_alert",
    "remove_safety_contact",
    "resolve",
    "set_alarm_address",
    "set_threshold",
    "update_location",
]
