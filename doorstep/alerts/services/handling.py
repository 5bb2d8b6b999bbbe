"""Handling an alert: acknowledge (escalation stops), notes, resolve (ADR 0031)."""

from __future__ import annotations

from django.db import transaction

from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock

from .. import errors
from ..enums import EventKind, Status
from ..models import Alert, AlertEvent

NOTE_MAX = 1000


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def _note(note: str | None, *, required: bool) -> str:
    text = (note or "").strip()
    if (required and not text) or len(text) > NOTE_MAX:
        raise errors.NoteRequired(details={"field": "note"})
    return text


def _require_handler(actor: Actor, alert: Alert, action: str) -> None:
    from ..access import may_handle

    if not may_handle(actor, alert, action):
        raise errors.MayNotHandle()


def acknowledge(*, actor: Actor, alert: Alert, note: str = "") -> Alert:
    """Someone has it in hand: escalation stops. 409 when already acknowledged or resolved."""
    _require_handler(actor, alert, "acknowledge")
    text = _note(note, required=False)
    now = clock.now()
    with transaction.atomic():
        locked = _locked(alert)
        if locked.status == Status.RESOLVED:
            raise errors.AlertClosed()
        if locked.status == Status.ACKNOWLEDGED:
            raise errors.AlreadyAcknowledged()
        locked.status = Status.ACKNOWLEDGED
        locked.acknowledged_at, locked.acknowledged_by = now, actor.user
        locked.next_escalation_at = None
        locked.save(
            update_fields=["status", "acknowledged_at", "acknowledged_by", "next_escalation_at"]
        )
        AlertEvent.objects.create(
            alert=locked, kind=EventKind.ACKNOWLEDGED, at=now, actor=actor.user, note=text
        )
        _audit(actor, "acknowledge", locked)
    return locked


def resolve(*, actor: Actor, alert: Alert, note: str) -> Alert:
    """Close the alert with what happened (required). 409 when already resolved."""
    _require_handler(actor, alert, "resolve")
    text = _note(note, required=True)
    return _resolve(alert, actor=actor, note=text)


def _resolve(alert: Alert, *, actor: Actor | None, note: str) -> Alert:
    now = clock.now()
    user = actor.user if actor is not None else None
    with transaction.atomic():
        locked = _locked(alert)
        if locked.status == Status.RESOLVED:
            raise errors.AlertClosed()
        locked.status = Status.RESOLVED
        locked.resolved_at, locked.resolved_by = now, user
        locked.resolution_note = note
        locked.open_key = None
        locked.next_escalation_at = None
        locked.save(
            update_fields=[
                "status",
                "resolved_at",
                "resolved_by",
                "resolution_note",
                "open_key",
                "next_escalation_at",
            ]
        )
        AlertEvent.objects.create(
            alert=locked, kind=EventKind.RESOLVED, at=now, actor=user, note=note
        )
        if actor is not None:
            _audit(actor, "resolve", locked)
    return locked


def add_note(*, actor: Actor, alert: Alert, note: str) -> AlertEvent:
    """A line in the timeline (a call made, the family reached...)."""
    _require_handler(actor, alert, "note")
    text = _note(note, required=True)
    with transaction.atomic():
        _locked(alert)
        return AlertEvent.objects.create(
            alert=alert, kind=EventKind.NOTE, at=clock.now(), actor=actor.user, note=text
        )


def _audit(actor: Actor, action: str, alert: Alert) -> None:
    audit.record(
        actor=actor.user,
        action=f"alert.{action}",
        object_type="alert",
        object_id=alert.pk,
        institution_id=alert.institution_id,
        details={"kind": alert.kind, "severity": alert.severity},
    )
