"""Who may see and manage which devices (ADR 0030).

Devices follow their elder: an actor sees a device when, in one of ``VIEW_ROLES``, they see
the elder (``people.access`` scopes: platform admins all, operators their region,
institution staff their tenant, family through an effective link, the elder themself).
Registering, retiring and re-keying a device (``MANAGE_ROLES``) is for the staff who install
devices, operators, and the family who buy them. Regulators, payer officers and providers see
none: a device's events are health data. A device the actor may not see answers 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core.errors import Forbidden, NotFound
from doorstep.people import access as people_access
from doorstep.people.models import Elder

from .models import Device, Gateway

VIEW_ROLES = frozenset(
    {
        Role.PLATFORM_ADMIN,
        Role.OPERATOR,
        Role.INSTITUTION_ADMIN,
        Role.INSTITUTION_REVIEWER,
        Role.DISPATCHER,
        Role.FAMILY,
        Role.ELDER,
    }
)
MANAGE_ROLES = frozenset(
    {
        Role.PLATFORM_ADMIN,
        Role.OPERATOR,
        Role.INSTITUTION_ADMIN,
        Role.INSTITUTION_REVIEWER,
        Role.FAMILY,
    }
)


def _restricted(actor: Actor, roles: frozenset[str]) -> Actor:
    return Actor(user=actor.user, grants=tuple(g for g in actor.grants if g.role in roles))


def elders_q(actor: Actor, roles: frozenset[str] = VIEW_ROLES) -> Q | None:
    """Filter on elders the actor sees through one of ``roles`` (None: all)."""
    return people_access.scope_filter(_restricted(actor, roles), "view")


def devices_visible_to(actor: Actor, roles: frozenset[str] = VIEW_ROLES) -> QuerySet[Device]:
    q = elders_q(actor, roles)
    qs = Device.objects.select_related("elder")
    if q is None:
        return qs
    return qs.filter(elder__in=Elder.objects.filter(q).values("pk"))


def access_device(*, actor: Actor, device_pk: int, manage: bool = False) -> Device:
    """The device, if the actor sees it (404 otherwise); ``manage``: 403 unless they may
    also register and retire devices of its elder."""
    device = devices_visible_to(actor).filter(pk=device_pk).first()
    if device is None:
        raise NotFound()
    if manage and not devices_visible_to(actor, MANAGE_ROLES).filter(pk=device_pk).exists():
        raise Forbidden()
    return device


def require_manage(actor: Actor, elder: Elder) -> None:
    """404 when the actor does not see the elder at all, 403 when they may not manage."""
    seen = elders_q(actor)
    if seen is not None and not Elder.objects.filter(seen, pk=elder.pk).exists():
        raise NotFound()
    manage = elders_q(actor, MANAGE_ROLES)
    if manage is not None and not Elder.objects.filter(manage, pk=elder.pk).exists():
        raise Forbidden()


def gateways_visible_to(actor: Actor) -> QuerySet[Gateway]:
    q = elders_q(actor)
    if q is None:
        return Gateway.objects.all()
    households = Elder.objects.filter(q).values("household_id")
    return Gateway.objects.filter(household_id__in=households)
