"""Who may see and change which elder (ADR 0002, ADR 0011).

Everything is driven by ``RULES["elder"]`` in ``accounts.policy``: for each role the actor
holds, its scope becomes a filter and the filters are OR-ed:

* ``all``      platform admins see every elder;
* ``region``   operators and regulators: elders whose community lies in their subtree;
* ``tenant``   institution staff: elders with an active ``ElderInstitutionLink`` to one of
               the institutions they act for in that role;
* ``linked``   family: an active ``FamilyLink`` with the ``view_record`` permission AND an
               un-withdrawn ``family_proxy_access`` consent (checked at read time, so a
               withdrawal cuts access at once);
* ``self``     the elder's own login;
* ``assigned`` nurses, caregivers, volunteers: elders of their assigned visits around the
               visit time, see ``assigned_elder_ids``.

An elder the actor may not see answers 404 (``NotFound``), never 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from doorstep.accounts.policy import RULES, Actor
from doorstep.core import audit, clock, geo
from doorstep.core.errors import NotFound
from doorstep.core.masking import mask_id_number, mask_name, mask_phone

from .enums import ConsentPurpose, FamilyLinkStatus, InstitutionLinkStatus
from .models import Consent, Elder, ElderInstitutionLink, FamilyLink

RESOURCE = "elder"
STAFF_SCOPES = frozenset({"all", "region", "tenant"})


def assigned_elder_ids(actor: Actor, at: dt.datetime) -> set[int]:
    """Elders tied to visits assigned to ``actor`` in a window around ``at``.

    Hook for the visit work (issue 3): return the ids of elders whose visit is assigned
    to the actor and whose scheduled window (with a margin before and after) contains
    ``at``. Until visits exist nobody is assigned, so nurses, caregivers and volunteers
    see no elder record (they still see masked open-pool summaries, ``pool_summary``).
    Filled by the orders app: 24 h before to 24 h after an assigned visit (ADR 0013).
    """
    from doorstep.orders.access import assigned_elder_ids as from_visits

    return from_visits(actor, at)


def consent_active_q(user_field: str = "user_id") -> Exists:
    """An un-withdrawn ``family_proxy_access`` consent covering the outer FamilyLink."""
    return Exists(
        Consent.objects.filter(
            elder_id=OuterRef("elder_id"),
            purpose=ConsentPurpose.FAMILY_PROXY_ACCESS,
            withdrawn_at__isnull=True,
        ).filter(Q(grantee__isnull=True) | Q(grantee_id=OuterRef(user_field)))
    )


def has_proxy_consent(elder_id: int, user_id: int) -> bool:
    """Whether an un-withdrawn ``family_proxy_access`` consent covers this proxy."""
    return (
        Consent.objects.filter(
            elder_id=elder_id,
            purpose=ConsentPurpose.FAMILY_PROXY_ACCESS,
            withdrawn_at__isnull=True,
        )
        .filter(Q(grantee__isnull=True) | Q(grantee_id=user_id))
        .exists()
    )


def effective_family_links(user_id: int, permission: str = "view_record") -> QuerySet[FamilyLink]:
    """Links through which ``user_id`` may act now for ``permission``."""
    return FamilyLink.objects.filter(
        user_id=user_id, status=FamilyLinkStatus.ACTIVE, **{f"can_{permission}": True}
    ).filter(consent_active_q())


def linked_elder_ids(user_id: int, *permissions: str) -> list[int]:
    """The elders ``user_id`` may act for through an effective family link with any of
    ``permissions`` (default ``view_record``): remembered per process until a link or a
    consent changes (``accounts.services.ACCESS``, ADR 0018)."""
    from doorstep.accounts.services import ACCESS

    wanted = tuple(sorted(permissions or ("view_record",)))

    def compute() -> list[int]:
        q = Q(pk__in=[])
        for permission in wanted:
            q |= Q(**{f"can_{permission}": True})
        rows = FamilyLink.objects.filter(q, user_id=user_id, status=FamilyLinkStatus.ACTIVE)
        return sorted(set(rows.filter(consent_active_q()).values_list("elder_id", flat=True)))

    return ACCESS.remember(("linked", user_id, wanted), compute)


def _scope_q(actor: Actor, scope: str, role: str, at: dt.datetime) -> Q | None:
    """The filter for one (role, scope); ``None`` = no restriction (all)."""
    if scope == "all":
        return None
    if scope == "region":
        paths = actor.region_paths(role)
        if "" in paths:
            return None
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(region__path__startswith=path)
        return q
    if scope == "tenant":
        ids = actor.institution_ids(role)
        return Q(
            pk__in=ElderInstitutionLink.objects.filter(
                institution_id__in=ids, status=InstitutionLinkStatus.ACTIVE
            ).values("elder_id")
        )
    if scope == "linked":
        return Q(pk__in=linked_elder_ids(actor.user.pk))
    if scope == "self":
        return Q(user_id=actor.user.pk)
    if scope == "assigned":
        return Q(pk__in=sorted(assigned_elder_ids(actor, at)))
    return Q(pk__in=[])  # an unknown scope grants nothing


def scope_filter(
    actor: Actor,
    action: str = "view",
    *,
    scopes: Iterable[str] | None = None,
    at: dt.datetime | None = None,
) -> Q | None:
    """OR of the filters of every role the actor holds for ``action``.

    Returns ``None`` when the actor sees everything, ``Q(pk__in=[])`` when nothing.
    ``scopes`` restricts which kinds of scope count (e.g. only staff scopes).
    """
    if actor.user is None:
        return Q(pk__in=[])
    table = RULES[RESOURCE].get(action, {})
    wanted = set(scopes) if scopes is not None else None
    at = at or clock.now()
    combined = Q(pk__in=[])
    for role in sorted(actor.roles):
        scope = table.get(role)
        if scope is None or (wanted is not None and scope not in wanted):
            continue
        q = _scope_q(actor, scope, role, at)
        if q is None:
            return None
        combined |= q
    return combined


def elders_visible_to(actor: Actor, action: str = "view") -> QuerySet[Elder]:
    """Elders ``actor`` may ``action`` (``view`` or ``change``)."""
    q = scope_filter(actor, action)
    qs = Elder.objects.select_related("region", "household")
    return qs if q is None else qs.filter(q)


def may(actor: Actor, elder: Elder, action: str, *, scopes: Iterable[str] | None = None) -> bool:
    """Whether ``actor`` may ``action`` this one elder (one query, none for ``all``)."""
    q = scope_filter(actor, action, scopes=scopes)
    if q is None:
        return True
    return Elder.objects.filter(q, pk=elder.pk).exists()


def ids_allowed(actor: Actor, action: str, elder_ids: Iterable[int]) -> set[int]:
    """Which of ``elder_ids`` the actor may ``action`` (one query for a whole page)."""
    ids = list(elder_ids)
    q = scope_filter(actor, action)
    if q is None:
        return set(ids)
    return set(Elder.objects.filter(q, pk__in=ids).values_list("pk", flat=True))


def audit_institution(actor: Actor) -> int | None:
    """The audit partition for the actor's writes and reads: their institution, if one."""
    ids = sorted(actor.institution_ids())
    return ids[0] if ids else None


def access_elder(
    *, actor: Actor, elder_id: int, action: str = "view", record_read: bool = True
) -> Elder:
    """The elder, if ``actor`` may ``action`` it; else ``NotFound``.

    A ``view`` by anyone but the elder themself writes an audit row (``action="read"``).
    """
    q = scope_filter(actor, action)
    qs = Elder.objects.select_related("region", "household")
    if q is not None:
        qs = qs.filter(q)
    elder = qs.filter(pk=elder_id).first()
    if elder is None:
        raise NotFound()
    if action == "view" and record_read and elder.user_id != actor.user_id:
        audit.record(
            actor=actor.user,
            action="read",
            object_type="elder",
            object_id=elder.pk,
            institution_id=audit_institution(actor),
        )
    return elder


def access_family_link(*, actor: Actor, link_id: int) -> FamilyLink:
    """A family link the actor is party to: its family member, the elder, or staff who may
    change the elder."""
    link = FamilyLink.objects.select_related("elder").filter(pk=link_id).first()
    if link is None:
        raise NotFound()
    if link.user_id == actor.user_id or link.elder.user_id == actor.user_id:
        return link
    if may(actor, link.elder, "change", scopes=STAFF_SCOPES):
        return link
    raise NotFound()


def access_consent(*, actor: Actor, consent_id: int) -> Consent:
    """A consent the actor may act on: the elder, its grantor or grantee, or staff who may
    change the elder."""
    consent = Consent.objects.select_related("elder").filter(pk=consent_id).first()
    if consent is None:
        raise NotFound()
    uid = actor.user_id
    if uid is not None and uid in (
        consent.elder.user_id,
        consent.granted_by_id,
        consent.grantee_id,
    ):
        return consent
    if may(actor, consent.elder, "change", scopes=STAFF_SCOPES):
        return consent
    raise NotFound()


def access_elder_for_consent(*, actor: Actor, elder_id: int) -> Elder:
    """An elder the actor may record consent for: anyone who may change the record, or a
    family member with a pending or active link (recording consent on the elder's behalf;
    the link still needs the elder's or staff's confirmation)."""
    elder = Elder.objects.filter(
        pk=elder_id,
        family_links__user=actor.user,
        family_links__status__in=[FamilyLinkStatus.PENDING, FamilyLinkStatus.ACTIVE],
    ).first()
    if elder is not None:
        return elder
    return access_elder(actor=actor, elder_id=elder_id, action="change")


# --- what a viewer sees -------------------------------------------------------------


@dataclass(frozen=True)
class Visibility:
    """Per-elder display decisions for one actor."""

    identity: bool
    full_id: bool
    full_phone: bool


def visibility(actor: Actor, elder_ids: Iterable[int]) -> dict[int, Visibility]:
    """Masking decisions for a page of elders (three queries at most)."""
    ids = list(elder_ids)
    identity = ids_allowed(actor, "view_identity", ids)
    full_id = ids_allowed(actor, "view_unmasked_id", ids)
    full_phone = ids_allowed(actor, "view_unmasked_phone", ids)
    return {
        i: Visibility(identity=i in identity, full_id=i in full_id, full_phone=i in full_phone)
        for i in ids
    }


def shown_id_number(elder: Elder, vis: Visibility) -> str:
    value = elder.id_number
    return value if vis.full_id else mask_id_number(value)


def shown_phone(value: str, vis: Visibility) -> str:
    return value if vis.full_phone else mask_phone(value)


def shown_name(value: str, vis: Visibility) -> str:
    return value if vis.identity else mask_name(value)


def shown_point(
    lat: float | None, lng: float | None, vis: Visibility
) -> tuple[float | None, float | None]:
    if lat is None or lng is None or vis.identity:
        return lat, lng
    return geo.approximate(lat, lng)


# --- open-pool summary ----------------------------------------------------------------

HIGH_FLOOR_WITHOUT_LIFT = 3


@dataclass(frozen=True)
class PoolSummary:
    """What an open-pool offer may show a nurse not yet assigned: nothing identifying."""

    age_band: str
    sex: str
    community_id: int
    community_name_zh: str
    community_name_en: str
    approx_lat: float | None
    approx_lng: float | None
    risk_flags: tuple[str, ...]


def age_on(birth_date: dt.date, on: dt.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def age_band(age: int) -> str:
    """Five-year bands from 60 (``"80-84"``); ``"<60"`` below, ``"95+"`` above."""
    if age < 60:
        return "<60"
    if age >= 95:
        return "95+"
    low = age - age % 5
    return f"{low}-{low + 4}"


def pool_summary(elder: Elder, *, on: dt.date | None = None) -> PoolSummary:
    """The masked summary of an elder for open-pool offers (no DB writes, no name, no ID,
    no phone, no address; coordinates rounded to 2 decimals, about 1 km).

    Risk flags: ``lives_alone``; ``no_lift_high_floor`` when the home is above floor 3
    without a lift.
    """
    today = on or clock.today()
    household = elder.household
    flags: list[str] = []
    if household is not None:
        if household.lives_alone:
            flags.append("lives_alone")
        if (
            household.floor is not None
            and household.floor > HIGH_FLOOR_WITHOUT_LIFT
            and not household.has_lift
        ):
            flags.append("no_lift_high_floor")
    region = elder.region
    lat, lng = elder.lat, elder.lng
    if lat is None or lng is None:
        lat, lng = region.centroid_lat, region.centroid_lng
    approx = geo.approximate(lat, lng) if lat is not None and lng is not None else (None, None)
    return PoolSummary(
        age_band=age_band(age_on(elder.birth_date, today)),
        sex=elder.sex,
        community_id=region.pk,
        community_name_zh=region.name_zh,
        community_name_en=region.name_en,
        approx_lat=approx[0],
        approx_lng=approx[1],
        risk_flags=tuple(flags),
    )
