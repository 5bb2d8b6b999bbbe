"""Alert settings API (ADR 0031): an elder's threshold overrides (read: the health record's
readers; change: clinical staff of an institution caring for the elder), an institution's
security office contacts (its admins and the platform) and the caller's own alarm e-mail
address. Mounted on the alerts router (``api.py``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from doorstep.core.api import ERRORS, actor_of
from doorstep.health.access import access_record

from . import selectors, services
from .access import access_safety_contact, access_safety_institution
from .models import SafetyContact

router = Router(tags=["alerts"])


class BandOut(Schema):
    critical_low: Decimal | None
    warning_low: Decimal | None
    warning_high: Decimal | None
    critical_high: Decimal | None


class MeasureThresholdsOut(Schema):
    measure: str = Field(..., examples=["systolic"])
    unit: str = Field(..., examples=["mm[Hg]"], description="UCUM unit of every bound.")
    default: BandOut = Field(..., description="The platform's bounds.")
    override: BandOut | None = Field(None, description="The elder's own bounds, if set.")
    effective: BandOut = Field(..., description="The bounds in force (override over default).")
    plausible_min: Decimal
    plausible_max: Decimal
    set_by_id: int | None = None
    set_at: dt.datetime | None = None


class ThresholdIn(Schema):
    critical_low: Decimal | None = Field(None, examples=[None])
    warning_low: Decimal | None = Field(None, examples=[None])
    warning_high: Decimal | None = Field(None, examples=[150])
    critical_high: Decimal | None = Field(None, examples=[170])


class SafetyContactIn(Schema):
    username: str = Field(..., max_length=150, examples=["security_desk_a"])


class SafetyContactOut(Schema):
    id: int
    institution_id: int
    user_id: int
    username: str
    display_name: str
    is_active: bool
    created_at: dt.datetime


class AlarmEmailIn(Schema):
    email: str = Field(..., max_length=254, examples=["duty-desk@example.org"])


class AlarmEmailOut(Schema):
    email: str | None = Field(None, description="Empty: alarms are not e-mailed.")
    set_at: dt.datetime | None = None


def _band(band: Any) -> dict[str, Any]:
    return {
        "critical_low": band.critical_low,
        "warning_low": band.warning_low,
        "warning_high": band.warning_high,
        "critical_high": band.critical_high,
    }


def _measure_out(row: selectors.MeasureThresholds) -> dict[str, Any]:
    return {
        "measure": row.measure,
        "unit": row.unit,
        "default": _band(row.default),
        "override": _band(row.override) if row.override is not None else None,
        "effective": _band(row.effective),
        "plausible_min": row.plausible[0],
        "plausible_max": row.plausible[1],
        "set_by_id": row.override.set_by_id if row.override is not None else None,
        "set_at": row.override.set_at if row.override is not None else None,
    }


def _one(elder_id: int, measure: str) -> dict[str, Any]:
    return next(_measure_out(r) for r in selectors.thresholds(elder_id) if r.measure == measure)


@router.get(
    "/elders/{elder_id}/alert-thresholds",
    response={200: list[MeasureThresholdsOut], **ERRORS},
)
def list_thresholds(request: HttpRequest, elder_id: int) -> list[dict[str, Any]]:
    """The alert bounds of every measure for this elder: default, override, in force."""
    elder = access_record(actor=actor_of(request), elder_id=elder_id, part="alert_thresholds")
    return [_measure_out(r) for r in selectors.thresholds(elder.pk)]


@router.put(
    "/elders/{elder_id}/alert-thresholds/{measure}",
    response={200: MeasureThresholdsOut, **ERRORS},
)
def put_threshold(
    request: HttpRequest, elder_id: int, measure: str, payload: ThresholdIn
) -> dict[str, Any]:
    """Set the elder's own bounds for ``measure`` (empty bounds keep the default). 422
    ``threshold_unknown_measure``, ``threshold_empty``, ``threshold_not_a_number``,
    ``threshold_out_of_range`` or ``threshold_invalid`` (not in order)."""
    actor = actor_of(request)
    elder = access_record(actor=actor, elder_id=elder_id, action="change")
    services.set_threshold(actor=actor, elder=elder, measure=measure, **payload.dict())
    return _one(elder.pk, measure)


@router.delete(
    "/elders/{elder_id}/alert-thresholds/{measure}",
    response={200: MeasureThresholdsOut, **ERRORS},
)
def delete_threshold(request: HttpRequest, elder_id: int, measure: str) -> dict[str, Any]:
    """Back to the platform's defaults for ``measure`` (idempotent)."""
    actor = actor_of(request)
    elder = access_record(actor=actor, elder_id=elder_id, action="change")
    services.clear_threshold(actor=actor, elder=elder, measure=measure)
    return _one(elder.pk, measure)


def _contact_out(row: SafetyContact) -> dict[str, Any]:
    return {
        "id": row.pk,
        "institution_id": row.institution_id,
        "user_id": row.user_id,
        "username": row.user.username,
        "display_name": row.user.display_name or "",
        "is_active": row.is_active,
        "created_at": row.created_at,
    }


@router.get(
    "/institutions/{institution_id}/security-contacts",
    response={200: list[SafetyContactOut], **ERRORS},
)
def list_security_contacts(request: HttpRequest, institution_id: int) -> list[dict[str, Any]]:
    """Who the institution's nurse alarms go to (its admins and the platform; 404 else)."""
    institution = access_safety_institution(actor=actor_of(request), institution_id=institution_id)
    return [_contact_out(r) for r in selectors.safety_contacts(institution.pk)]


@router.post(
    "/institutions/{institution_id}/security-contacts",
    response={201: SafetyContactOut, **ERRORS},
)
def add_security_contact(
    request: HttpRequest, institution_id: int, payload: SafetyContactIn
) -> Status:
    """Name a user (by user name) a security office contact (422
    ``safety_contact_unknown_user``); naming an active contact again returns it."""
    actor = actor_of(request)
    institution = access_safety_institution(actor=actor, institution_id=institution_id)
    user = services.contact_user(payload.username)
    row = services.add_safety_contact(actor=actor, institution=institution, user=user)
    return Status(201, _contact_out(row))


@router.delete(
    "/institutions/{institution_id}/security-contacts/{safety_contact_id}",
    response={200: SafetyContactOut, **ERRORS},
)
def remove_security_contact(
    request: HttpRequest, institution_id: int, safety_contact_id: int
) -> dict[str, Any]:
    """The contact is no longer told of nurse alarms (deactivated, kept for the record)."""
    actor = actor_of(request)
    contact = access_safety_contact(
        actor=actor, institution_id=institution_id, contact_id=safety_contact_id
    )
    return _contact_out(services.remove_safety_contact(actor=actor, contact=contact))


def _address_out(user_id: int | None) -> dict[str, Any]:
    row = selectors.alarm_address(user_id)
    return {"email": row.email if row else None, "set_at": row.created_at if row else None}


@router.get("/me/alarm-email", response={200: AlarmEmailOut, **ERRORS})
def get_alarm_email(request: HttpRequest) -> dict[str, Any]:
    """The caller's own alarm e-mail address (none: alarms are not e-mailed)."""
    return _address_out(actor_of(request).user_id)


@router.put("/me/alarm-email", response={200: AlarmEmailOut, **ERRORS})
def put_alarm_email(request: HttpRequest, payload: AlarmEmailIn) -> dict[str, Any]:
    """Set the address alert notifications are e-mailed to (422 ``alarm_email_invalid``)."""
    actor = actor_of(request)
    services.set_alarm_address(actor=actor, email=payload.email)
    return _address_out(actor.user_id)


@router.delete("/me/alarm-email", response={200: AlarmEmailOut, **ERRORS})
def delete_alarm_email(request: HttpRequest) -> dict[str, Any]:
    """Stop e-mailing the caller's alarms (idempotent)."""
    actor = actor_of(request)
    services.clear_alarm_address(actor=actor)
    return _address_out(actor.user_id)
