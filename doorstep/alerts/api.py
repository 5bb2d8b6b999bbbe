"""Alerts API (ADR 0031): the console list, detail with timeline, acknowledge, resolve,
notes; the elder's SOS; the nurse's alarm and live location; the settings routes
(``settings_api.py``). Every read is scoped (``access.py``): an alert the caller may not
see answers 404."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from doorstep.core.api import ERRORS, actor_of
from doorstep.orders.access import access_visit

from . import selectors, services
from .access import access_alert
from .enums import UNRESOLVED
from .models import Alert
from .settings_api import router as settings_router

router = Router(tags=["alerts"])
router.add_router("/", settings_router)  # thresholds, security contacts, alarm e-mail


class EventOut(Schema):
    kind: str = Field(..., examples=["notified"])
    at: dt.datetime
    step: str = Field(..., examples=["operator"])
    channel: str
    actor_id: int | None
    recipient_id: int | None
    note: str
    data: dict[str, Any]


class AlertOut(Schema):
    id: int
    kind: str = Field(..., examples=["sos"])
    source: str = Field(..., examples=["device"])
    severity: str = Field(..., examples=["critical"])
    status: str = Field(..., examples=["open"])
    elder_id: int | None
    region_id: int
    visit_id: int | None
    device_id: int | None
    count: int = Field(..., description="Triggers folded into this alert.")
    raised_at: dt.datetime
    last_at: dt.datetime
    step: str = Field(..., description="Escalation step reached.", examples=["operator"])
    next_escalation_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    resolution_note: str
    details: dict[str, Any]
    lat: float | None = Field(None, description="Latest location (nurse alarms), WGS-84.")
    lng: float | None = None
    located_at: dt.datetime | None = None


class AlertDetailOut(AlertOut):
    events: list[EventOut]


class AlertFilter(Schema):
    status: str | None = Field(None, description="open, acknowledged or resolved; default "
                               "both unresolved statuses.")  # fmt: skip


class NoteIn(Schema):
    note: str = Field("", max_length=1000, examples=["Called her; the neighbour is going over."])


class SosIn(Schema):
    idempotency_key: str = Field(
        ..., description="8-64 characters; the same key returns the same incident.",
        examples=["sos-2f6c1a9e"],
    )  # fmt: skip


class NurseAlarmIn(SosIn):
    lat: float | None = Field(None, examples=[29.8612])
    lng: float | None = Field(None, examples=[121.5433])
    accuracy_m: float | None = Field(None, examples=[12.0])


class LocationIn(Schema):
    lat: float = Field(..., examples=[29.8612])
    lng: float = Field(..., examples=[121.5433])
    accuracy_m: float | None = Field(None, examples=[12.0])


def _detail(alert: Alert) -> dict[str, Any]:
    data = AlertOut.from_orm(alert).dict()
    data["events"] = [EventOut.from_orm(e) for e in selectors.timeline(alert)]
    return data


@router.get("/alerts", response={200: list[AlertOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_alerts(request: HttpRequest, filters: Query[AlertFilter]) -> QuerySet[Alert]:
    """Alerts the caller may see: unresolved (or ``?status=``), unacknowledged first, then
    critical first, newest first (limit/offset)."""
    status = filters.status if filters.status in (*UNRESOLVED, "resolved") else None
    return selectors.console(actor_of(request), status=status)


@router.get("/alerts/{alert_id}", response={200: AlertDetailOut, **ERRORS})
def get_alert(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    """One alert with its full timeline."""
    return _detail(access_alert(actor=actor_of(request), alert_id=alert_id))


@router.post("/alerts/{alert_id}/acknowledge", response={200: AlertDetailOut, **ERRORS})
def acknowledge(request: HttpRequest, alert_id: int, payload: NoteIn) -> dict[str, Any]:
    """Take the alert in hand: its escalation stops (409 when already acknowledged)."""
    actor = actor_of(request)
    alert = access_alert(actor=actor, alert_id=alert_id)
    return _detail(services.acknowledge(actor=actor, alert=alert, note=payload.note))


@router.post("/alerts/{alert_id}/resolve", response={200: AlertDetailOut, **ERRORS})
def resolve(request: HttpRequest, alert_id: int, payload: NoteIn) -> dict[str, Any]:
    """Close the alert with what happened (``note`` required, 422 ``alert_note_required``)."""
    actor = actor_of(request)
    alert = access_alert(actor=actor, alert_id=alert_id)
    return _detail(services.resolve(actor=actor, alert=alert, note=payload.note))


@router.post("/alerts/{alert_id}/notes", response={201: EventOut, **ERRORS})
def add_note(request: HttpRequest, alert_id: int, payload: NoteIn) -> Status:
    """A line in the alert's timeline."""
    actor = actor_of(request)
    alert = access_alert(actor=actor, alert_id=alert_id)
    return Status(201, services.add_note(actor=actor, alert=alert, note=payload.note))


@router.post("/sos", response={201: AlertOut, 200: AlertOut, **ERRORS})
def sos(request: HttpRequest, payload: SosIn) -> Status:
    """The elder's own SOS: a critical incident (201; 200 with the same incident when the
    key was used before)."""
    alert, created = services.press_sos(
        actor=actor_of(request), idempotency_key=payload.idempotency_key
    )
    return Status(201 if created else 200, alert)


@router.post("/visits/{visit_id}/alarm", response={201: AlertOut, 200: AlertOut, **ERRORS})
def nurse_alarm(request: HttpRequest, visit_id: int, payload: NurseAlarmIn) -> Status:
    """The nurse's one-click alarm at a visit of theirs (on the way or checked in): the
    institution's security office and the call centre are told at once, with the location
    when checked in."""
    actor = actor_of(request)
    visit = access_visit(actor=actor, visit_id=visit_id)
    alert, created = services.nurse_alarm(
        actor=actor,
        visit=visit,
        idempotency_key=payload.idempotency_key,
        lat=payload.lat,
        lng=payload.lng,
        accuracy=payload.accuracy_m,
    )
    return Status(201 if created else 200, alert)


@router.post("/alerts/{alert_id}/location", response={200: AlertOut, **ERRORS})
def location(request: HttpRequest, alert_id: int, payload: LocationIn) -> Alert:
    """The nurse's live location while their alarm is open and they are checked in
    (409 ``nurse_not_checked_in`` otherwise)."""
    actor = actor_of(request)
    alert = access_alert(actor=actor, alert_id=alert_id)
    return services.update_location(
        actor=actor, alert=alert, lat=payload.lat, lng=payload.lng, accuracy=payload.accuracy_m
    )
