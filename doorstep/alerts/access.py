"""Who may see and handle which alert (``RULES["alert"]`` in ``accounts.policy``; ADR 0031).

Scopes, OR-ed over the actor's roles and relations:

* platform admins: every alert;
* call-centre operators: alerts whose region lies in their subtree;
* family: alerts about an elder they are linked to with ``receive_alerts`` and consent
  (never a nurse's alarm or an overdue check-out: those concern the nurse);
* the elder: their own alerts (same exclusion);
* institution admins and the institution's security office contacts: nurse alarms and
  overdue check-outs of the institution's providers;
* providers: their own alarms and overdue prompts, and alerts they were asked to respond to.

An alert the actor may not see answers 404. Handling (acknowledge, note, resolve) is for
operators, the platform, security contacts and institution admins of nurse alarms; family
and responders may acknowledge and add notes, not resolve.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from doorstep.accounts.enums import PROVIDER_ROLES, Role
from doorstep.accounts.policy import Actor
from doorstep.core.errors import NotFound

from .enums import EventKind, Kind, Step
from .models import Alert, AlertEvent, SafetyContact

STAFF_KINDS = (Kind.NURSE_ALARM, Kind.CHECKOUT_OVERDUE)


def _region_q(actor: Actor) -> Q | None:
    paths = actor.region_paths(Role.OPERATOR)
    if "" in paths:
        return None
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(region__path__startswith=path)
    return q


def safety_institution_ids(actor: Actor) -> set[int]:
    if actor.user_id is None:
        return set()
    return set(
        SafetyContact.objects.filter(user_id=actor.user_id, is_active=True).values_list(
            "institution_id", flat=True
        )
    )


def handler_q(actor: Actor) -> Q | None:
    """Alerts the actor may resolve (``None`` = all)."""
    if actor.user is None:
        return Q(pk__in=[])
    if actor.is_platform_admin:
        return None
    q = Q(pk__in=[])
    if actor.has(Role.OPERATOR):
        region = _region_q(actor)
        if region is None:
            return None
        q |= region
    institutions = safety_institution_ids(actor) | actor.institution_ids(Role.INSTITUTION_ADMIN)
    if institutions:
        q |= Q(institution_id__in=sorted(institutions), kind__in=STAFF_KINDS)
    return q


def view_q(actor: Actor) -> Q | None:
    """Alerts the actor may see (``None`` = all)."""
    if actor.user is None:
        return Q(pk__in=[])
    q = handler_q(actor)
    if q is None:
        return None
    q |= _helper_q(actor)
    if actor.has(Role.ELDER):
        q |= Q(elder__user_id=actor.user_id) & ~Q(kind__in=STAFF_KINDS)
    if actor.has(*PROVIDER_ROLES):
        q |= Q(provider__user_id=actor.user_id, kind__in=STAFF_KINDS)
    return q


def _helper_q(actor: Actor) -> Q:
    """Family with ``receive_alerts`` and responders asked to help: see, acknowledge, note."""
    from doorstep.people.access import linked_elder_ids

    q = Q(pk__in=[])
    if actor.has(Role.FAMILY):
        ids = linked_elder_ids(actor.user.pk, "receive_alerts")
        q |= Q(elder_id__in=ids) & ~Q(kind__in=STAFF_KINDS)
    if actor.has(*PROVIDER_ROLES):
        q |= Q(
            pk__in=AlertEvent.objects.filter(
                recipient_id=actor.user_id, step=Step.RESPONDER, kind=EventKind.NOTIFIED
            ).values("alert_id")
        )
    return q


def alerts_visible_to(actor: Actor) -> QuerySet[Alert]:
    q = view_q(actor)
    qs = Alert.objects.select_related("elder", "region", "provider__user")
    return qs if q is None else qs.filter(q)


def access_alert(*, actor: Actor, alert_id: int) -> Alert:
    alert = alerts_visible_to(actor).filter(pk=alert_id).first()
    if alert is None:
        raise NotFound()
    return alert


def may_handle(actor: Actor, alert: Alert, action: str = "acknowledge") -> bool:
    """Whether ``actor`` may ``action`` (acknowledge, note, resolve) this alert."""
    q = handler_q(actor)
    if q is None or Alert.objects.filter(q, pk=alert.pk).exists():
        return True
    if action == "resolve":
        return False
    return Alert.objects.filter(_helper_q(actor), pk=alert.pk).exists()


def access_safety_institution(*, actor: Actor, institution_id: int) -> Any:
    """The institution whose security office contacts ``actor`` manages: its admins and the
    platform; 404 for everyone else (the contacts are not theirs to see)."""
    from doorstep.organizations.models import Institution

    institution = Institution.objects.filter(pk=institution_id).first()
    if institution is None or not (
        actor.is_platform_admin or institution.pk in actor.institution_ids(Role.INSTITUTION_ADMIN)
    ):
        raise NotFound()
    return institution


def access_safety_contact(*, actor: Actor, institution_id: int, contact_id: int) -> SafetyContact:
    institution = access_safety_institution(actor=actor, institution_id=institution_id)
    contact = (
        SafetyContact.objects.filter(pk=contact_id, institution=institution, is_active=True)
        .select_related("institution", "user")
        .first()
    )
    if contact is None:
        raise NotFound()
    return contact
