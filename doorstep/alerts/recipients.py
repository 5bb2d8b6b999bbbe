"""Who each escalation step tells (reads only; ADR 0031)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from doorstep.accounts.enums import Role
from doorstep.accounts.models import Membership, User
from doorstep.core import clock, geo

from .models import Alert, SafetyContact


def region_ancestor_paths(path: str) -> list[str]:
    """``/330000/330200/`` -> ``['/330000/', '/330000/330200/']`` (the node and its
    ancestors: an operator of any of them covers the node)."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def family(alert: Alert) -> list[User]:
    """Family members linked with the ``receive_alerts`` permission and an un-withdrawn
    proxy consent."""
    if alert.elder_id is None:
        return []
    from doorstep.people.access import consent_active_q
    from doorstep.people.enums import FamilyLinkStatus
    from doorstep.people.models import FamilyLink

    user_ids = (
        FamilyLink.objects.filter(
            elder_id=alert.elder_id, status=FamilyLinkStatus.ACTIVE, can_receive_alerts=True
        )
        .filter(consent_active_q())
        .values("user_id")
    )
    return list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("id"))


def operators(alert: Alert) -> list[User]:
    """Call-centre operators whose region covers the alert's region (or the platform)."""
    paths = region_ancestor_paths(alert.region.path)
    user_ids = Membership.objects.filter(role=Role.OPERATOR, is_active=True).filter(
        Q(region__isnull=True) | Q(region__path__in=paths)
    )
    return list(
        User.objects.filter(pk__in=user_ids.values("user_id"), is_active=True).order_by("id")
    )


def safety_contacts(alert: Alert) -> list[User]:
    if alert.institution_id is None:
        return []
    ids = SafetyContact.objects.filter(institution_id=alert.institution_id, is_active=True).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("id"))


def safety(alert: Alert) -> list[User]:
    """A nurse's alarm: the institution's security office and the call centre."""
    return [*safety_contacts(alert), *operators(alert)]


def nurse(alert: Alert) -> list[User]:
    provider = alert.provider
    return [provider.user] if provider is not None else []


def _on_duty(provider_id: int, local: dt.datetime, shifts: dict[int, Any]) -> bool:
    from doorstep.dispatch.models import DEFAULT_SHIFT

    shift = shifts.get(provider_id)
    if shift is None:
        times = DEFAULT_SHIFT
    elif shift.off:
        return False
    else:
        times = shift.times()
    return times.start <= local.time() < times.end


def responders(alert: Alert, *, limit: int = 3) -> list[User]:
    """The nearest verified, active nurses and volunteers on duty now (their shift, or the
    default 08:00-18:00), within ``ALERTS_RESPONDER_RADIUS_KM`` of the elder's home (or the
    community's centre), nearest first. Distance by haversine from their home base."""
    from doorstep.dispatch.models import Shift
    from doorstep.workforce.enums import ProviderKind, VerificationStatus
    from doorstep.workforce.models import Provider

    point = _point(alert)
    if point is None:
        return []
    radius = float(getattr(settings, "ALERTS_RESPONDER_RADIUS_KM", 10))
    local = timezone.localtime(clock.now())
    rows = list(
        Provider.objects.filter(
            kind__in=[ProviderKind.NURSE, ProviderKind.VOLUNTEER],
            verification_status=VerificationStatus.VERIFIED,
            is_active=True,
            home_lat__isnull=False,
            home_lng__isnull=False,
            user__is_active=True,
        )
        .exclude(pk=alert.provider_id or 0)
        .select_related("user")
    )
    shifts = {s.provider_id: s for s in Shift.objects.filter(day=local.date())}
    ranked = []
    for provider in rows:
        assert provider.home_lat is not None
        assert provider.home_lng is not None
        km = geo.haversine_km(point[0], point[1], provider.home_lat, provider.home_lng)
        if km <= radius and _on_duty(provider.pk, local, shifts):
            ranked.append((km, provider.pk, provider.user))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [user for _, _, user in ranked[:limit]]


def _point(alert: Alert) -> tuple[float, float] | None:
    if alert.lat is not None and alert.lng is not None:
        return alert.lat, alert.lng
    elder = alert.elder
    if elder is not None and elder.lat is not None and elder.lng is not None:
        return elder.lat, elder.lng
    region = alert.region
    lat, lng = getattr(region, "centroid_lat", None), getattr(region, "centroid_lng", None)
    if lat is not None and lng is not None:
        return lat, lng
    return None
