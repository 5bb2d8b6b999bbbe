"""Nurse safety: the nurse's one-click alarm, the live location (only while checked in),
"I am safe" and overdue check-outs (ADR 0031)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.errors import Forbidden
from doorstep.orders.enums import VisitStatus
from doorstep.orders.models import Visit

from .. import errors
from ..enums import UNRESOLVED, EventKind, Kind, Severity, Source, Status
from ..models import Alert, AlertEvent
from .handling import _locked, _resolve
from .raising import _check_key, raise_alert

#: Visit statuses in which the nurse is checked in at the door (location may be shared).
CHECKED_IN = (VisitStatus.ARRIVED, VisitStatus.IN_SERVICE)
#: Visit statuses in which the nurse's alarm button is offered.
ON_VISIT = (VisitStatus.EN_ROUTE, VisitStatus.ARRIVED, VisitStatus.IN_SERVICE)


def _point(lat: Any, lng: Any, accuracy: Any) -> tuple[float, float, float | None]:
    try:
        la, ln = float(lat), float(lng)
        acc = None if accuracy in (None, "") else float(accuracy)
    except (TypeError, ValueError):
        raise errors.LocationInvalid(details={"field": "lat"}) from None
    if not (-90 <= la <= 90 and -180 <= ln <= 180) or (acc is not None and acc < 0):
        raise errors.LocationInvalid(details={"field": "lat"})
    return la, ln, acc


def _provider_visit(actor: Actor, visit: Visit) -> Any:
    provider = visit.provider
    if provider is None or provider.user_id != actor.user_id:
        raise Forbidden()
    return provider


def nurse_alarm(
    *,
    actor: Actor,
    visit: Visit,
    idempotency_key: str,
    lat: Any = None,
    lng: Any = None,
    accuracy: Any = None,
) -> tuple[Alert, bool]:
    """The nurse's one-click alarm: critical, to the security office of the nurse's
    institution and the call centre at once, with the live location when checked in."""
    key = _check_key(idempotency_key)
    provider = _provider_visit(actor, visit)
    if visit.status not in ON_VISIT:
        raise errors.NotOnVisit()
    location = None
    if lat not in (None, "") and lng not in (None, "") and visit.status in CHECKED_IN:
        location = _point(lat, lng, accuracy)
    return raise_alert(
        kind=Kind.NURSE_ALARM,
        source=Source.NURSE_ALARM,
        severity=Severity.CRITICAL,
        region_id=visit.region_id,
        at=clock.now(),
        elder=visit.order.elder,
        dedupe_key=f"nurse:{visit.pk}:{key}",
        visit=visit,
        provider_id=provider.pk,
        institution_id=provider.institution_id,
        raised_by=actor.user,
        location=location,
    )


def update_location(
    *, actor: Actor, alert: Alert, lat: Any, lng: Any, accuracy: Any = None
) -> Alert:
    """The nurse's browser posts its position while the alarm is open. Accepted only while
    the nurse is checked in at the alarm's visit (409 ``nurse_not_checked_in``)."""
    point = _point(lat, lng, accuracy)
    if alert.kind != Kind.NURSE_ALARM or alert.raised_by_id != actor.user_id:
        raise Forbidden()
    now = clock.now()
    with transaction.atomic():
        locked = _locked(alert)
        if locked.status == Status.RESOLVED:
            raise errors.AlertClosed()
        status = (
            Visit.objects.filter(pk=locked.visit_id or 0).values_list("status", flat=True).first()
        )
        if status not in CHECKED_IN:
            raise errors.NotOnVisit()
        locked.lat, locked.lng, locked.accuracy_m = point
        locked.located_at = now
        locked.save(update_fields=["lat", "lng", "accuracy_m", "located_at"])
        AlertEvent.objects.create(
            alert=locked,
            kind=EventKind.LOCATION,
            at=now,
            actor=actor.user,
            data={"lat": point[0], "lng": point[1], "accuracy_m": point[2]},
        )
    return locked


def confirm_safe(*, actor: Actor, alert: Alert) -> Alert:
    """The nurse answers the overdue prompt: "I am safe" resolves it."""
    if alert.kind != Kind.CHECKOUT_OVERDUE or alert.provider is None:
        raise Forbidden()
    if alert.provider.user_id != actor.user_id:
        raise Forbidden()
    return _resolve(alert, actor=actor, note=str(_("The nurse confirmed being safe.")))


def overdue_minutes() -> int:
    return int(getattr(settings, "ALERTS_CHECKOUT_GRACE_MINUTES", 30))


def flag_overdue_checkouts(*, now: dt.datetime | None = None) -> int:
    """Checked-in visits past their expected end (window end, or check-in plus duration
    when later) plus the grace: ask the nurse (one alert per visit). Overdue alerts of
    visits that have since been checked out are resolved."""
    from doorstep.orders.enums import CheckKind
    from doorstep.orders.models import CheckEvent

    now = now or clock.now()
    grace = dt.timedelta(minutes=overdue_minutes())
    raised = 0
    visits = Visit.objects.filter(status__in=CHECKED_IN, provider__isnull=False).select_related(
        "provider", "order__elder"
    )
    for visit in visits.iterator(chunk_size=200):
        check_in = (
            CheckEvent.objects.filter(visit=visit, kind=CheckKind.CHECK_IN)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        expected = visit.window_end
        if check_in is not None:
            expected = max(expected, check_in + dt.timedelta(minutes=visit.duration_minutes))
        if now < expected + grace:
            continue
        provider = visit.provider
        assert provider is not None
        _alert, created = raise_alert(
            kind=Kind.CHECKOUT_OVERDUE,
            source=Source.RULE,
            severity=Severity.WARNING,
            region_id=visit.region_id,
            at=now,
            elder=visit.order.elder,
            dedupe_key=f"overdue:{visit.pk}",
            visit=visit,
            provider_id=provider.pk,
            institution_id=provider.institution_id,
            details={"expected_end": expected.isoformat()},
        )
        raised += int(created)
    for alert in Alert.objects.filter(kind=Kind.CHECKOUT_OVERDUE, status__in=UNRESOLVED).exclude(
        visit__status__in=CHECKED_IN
    ):
        _resolve(alert, actor=None, note=str(_("The visit has been checked out.")))
    return raised
