"""Who may see and change an elder's health record (ADR 0026).

Health data is sensitive personal information (PIPL art. 28): fewer people see it than
see the elder's profile. The table ``RULES`` names, per action, the roles and their scope:

* ``self``      the elder's own login;
* ``linked``    family with an active link carrying ``view_record`` and an un-withdrawn
                ``family_proxy_access`` consent (``people.access.linked_elder_ids``);
* ``clinical``  clinical staff (nurse, community doctor, institution reviewer) of an
                institution in a care relationship with the elder: an active
                ``ElderInstitutionLink``, or an order with that institution placed in the
                last ``ORDER_RELATIONSHIP_DAYS`` days.

Nobody else: not institution admins, dispatchers or quality officers (not clinical), not
operators, not regulators or payer officers (they see statistics, never personal health
detail), not platform admins (they run the system, not the care). A record the actor may
not see answers 404; one they see but may not change answers 403. Every read by someone
other than the elder is audited (``object_type="health_record"``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db import models
from django.db.models import Q

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.errors import NotFound
from doorstep.people.access import audit_institution, linked_elder_ids
from doorstep.people.enums import InstitutionLinkStatus
from doorstep.people.models import Elder, ElderInstitutionLink

from .errors import NotAllowedToChangeRecord

ORDER_RELATIONSHIP_DAYS = 365
CLINICAL = (Role.NURSE, Role.COMMUNITY_DOCTOR, Role.INSTITUTION_REVIEWER)

#: action -> {role: scope}. ``view``: the whole record; ``observe``: add observations
#: (the elder and family only as self-reported); ``change``: allergies, medications,
#: disabilities, lines, documents; ``diagnose``: conditions (doctors and reviewers, not
#: nurses); ``assess``: standard assessments.
RULES: dict[str, dict[str, str]] = {
    "view": {
        Role.ELDER: "self",
        Role.FAMILY: "linked",
        **dict.fromkeys(CLINICAL, "clinical"),
    },
    "observe": {
        Role.ELDER: "self",
        Role.FAMILY: "linked",
        **dict.fromkeys(CLINICAL, "clinical"),
    },
    "change": dict.fromkeys(CLINICAL, "clinical"),
    "diagnose": dict.fromkeys((Role.COMMUNITY_DOCTOR, Role.INSTITUTION_REVIEWER), "clinical"),
    "assess": dict.fromkeys(CLINICAL, "clinical"),
}
STAFF_SCOPES = frozenset({"clinical"})


def related_elder_ids_q(institution_ids: set[int], at: dt.datetime) -> Q:
    """Elders in a care relationship with any of ``institution_ids`` at ``at``."""
    from doorstep.orders.models import Order

    if not institution_ids:
        return Q(pk__in=[])
    ids = sorted(institution_ids)
    linked = ElderInstitutionLink.objects.filter(
        institution_id__in=ids, status=InstitutionLinkStatus.ACTIVE
    ).values("elder_id")
    ordered = Order.objects.filter(
        institution_id__in=ids, created_at__gte=at - dt.timedelta(days=ORDER_RELATIONSHIP_DAYS)
    ).values("elder_id")
    return Q(pk__in=linked) | Q(pk__in=ordered)


def scope_filter(actor: Actor, action: str = "view", *, scopes: frozenset[str] | None = None) -> Q:
    """OR of the filters of the actor's roles for ``action`` (``Q(pk__in=[])``: none)."""
    if actor.user is None:
        return Q(pk__in=[])
    table = RULES.get(action, {})
    combined = Q(pk__in=[])
    clinical: set[int] = set()
    for role in sorted(actor.roles):
        scope = table.get(role)
        if scope is None or (scopes is not None and scope not in scopes):
            continue
        if scope == "self":
            combined |= Q(user_id=actor.user.pk)
        elif scope == "linked":
            combined |= Q(pk__in=linked_elder_ids(actor.user.pk))
        elif scope == "clinical":
            clinical |= actor.institution_ids(role)
    if clinical:
        combined |= related_elder_ids_q(clinical, clock.now())
    return combined


def may(actor: Actor, elder: Elder, action: str, *, scopes: frozenset[str] | None = None) -> bool:
    return Elder.objects.filter(scope_filter(actor, action, scopes=scopes), pk=elder.pk).exists()


def is_staff_for(actor: Actor, elder: Elder, action: str) -> bool:
    """Whether ``actor`` may ``action`` the record as clinical staff (not self or family)."""
    return may(actor, elder, action, scopes=STAFF_SCOPES)


def require(actor: Actor, elder: Elder, action: str) -> None:
    """Raise unless ``actor`` may ``action`` the record: 404 when they may not even see
    it, 403 ``may_not_change_health_record`` when they see it but may not do this."""
    if may(actor, elder, action):
        return
    if action != "view" and may(actor, elder, "view"):
        raise NotAllowedToChangeRecord(details={"action": action})
    raise NotFound()


def record_read(actor: Actor, elder: Elder, part: str) -> None:
    """Audit a read of the record by anyone but the elder (``details.part`` says what)."""
    if elder.user_id is not None and elder.user_id == actor.user_id:
        return
    audit.record(
        actor=actor.user,
        action="read",
        object_type="health_record",
        object_id=elder.pk,
        institution_id=audit_institution(actor),
        details={"part": part},
    )


def access_record(*, actor: Actor, elder_id: int, action: str = "view", part: str = "") -> Elder:
    """The elder whose record ``actor`` may ``action``; 404 / 403 as in ``require``.

    A ``view`` is audited (``record_read``) with ``part`` naming what was read.
    """
    elder = Elder.objects.filter(pk=elder_id).first()
    if elder is None:
        raise NotFound()
    require(actor, elder, action)
    if action == "view":
        record_read(actor, elder, part or "record")
    return elder


M = TypeVar("M", bound=models.Model)


def access_entry(*, actor: Actor, model: type[M], entry_id: int, action: str) -> M:
    """A row of the record (medication, line, observation...) whose elder's record the
    actor may ``action``; 404 when it does not exist or its record is not visible."""
    entry = model._default_manager.select_related("elder").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound()
    elder: Any = entry.elder  # type: ignore[attr-defined]
    require(actor, elder, action)
    return entry
