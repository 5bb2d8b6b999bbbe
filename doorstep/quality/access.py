"""Permission-checked lookups of the quality app, per ``RULES`` in ``accounts.policy``
(resources ``blacklist``, ``sanction``, ``complaint``, ``rating``, ``quality_review``).

Every row carries its institution. For each role the actor holds, its scope becomes a
filter and the filters are OR-ed (ADR 0002):

* ``all``     platform admins;
* ``tenant``  the row's institution is one the actor acts for in that role;
* ``region``  the row's institution lies in the actor's region subtree;
* ``self``    provider roles: rows about their own provider profile; the elder: rows about
              themself;
* ``linked``  family: rows about an elder linked to them with an active consent.

A row the actor may not see answers 404 (``NotFound``); one they see but may not act on
answers 403.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from doorstep.accounts.enums import PROVIDER_ROLES, Role
from doorstep.accounts.policy import RULES, Actor
from doorstep.core.errors import Forbidden, NotFound
from doorstep.organizations.models import Institution
from doorstep.people.access import effective_family_links

from .models import BlacklistEntry, ProviderSanction

M = TypeVar("M", bound=Model)

#: Which family-link permission each action needs.
_FAMILY_PERMISSION = {"view": "view_record", "create": "place_orders"}


def scope_q(
    actor: Actor,
    resource: str,
    action: str,
    *,
    institution: str = "institution",
    elder: str | None = "elder",
    provider: str | None = "provider",
) -> Q | None:
    """The rows of ``resource`` the actor may ``action``; ``None`` means every row.

    ``institution``/``elder``/``provider`` name the model's fields (``None``: it has none).
    """
    if actor.user is None:
        return Q(pk__in=[])
    table = RULES[resource].get(action, {})
    combined = Q(pk__in=[])
    for role in sorted(actor.roles):
        scope = table.get(role)
        if scope == "all":
            return None
        if scope == "tenant":
            ids = sorted(actor.institution_ids(role))
            if ids:
                combined |= Q(**{f"{institution}_id__in": ids})
        elif scope == "region":
            paths = actor.region_paths(role)
            if "" in paths:
                return None
            for path in paths:
                combined |= Q(**{f"{institution}__region__path__startswith": path})
        elif scope == "self":
            if role in PROVIDER_ROLES and provider:
                combined |= Q(**{f"{provider}__user_id": actor.user_id})
            elif role == Role.ELDER and elder:
                combined |= Q(**{f"{elder}__user_id": actor.user_id})
        elif scope == "linked" and elder:
            permission = _FAMILY_PERMISSION.get(action, "view_record")
            links = effective_family_links(actor.user.pk, permission)
            combined |= Q(**{f"{elder}_id__in": links.values("elder_id")})
    return combined


def scoped(qs: QuerySet[M], actor: Actor, resource: str, action: str, **fields: Any) -> QuerySet[M]:
    q = scope_q(actor, resource, action, **fields)
    return qs if q is None else qs.filter(q)


def may_for_institution(actor: Actor, resource: str, action: str, institution_id: int) -> bool:
    """Whether ``actor`` may ``action`` rows of ``resource`` belonging to ``institution_id``
    through an ``all`` or ``tenant`` scope (the scopes that decide for an institution)."""
    table = RULES[resource].get(action, {})
    for role in actor.roles:
        scope = table.get(role)
        if scope == "all":
            return True
        if scope == "tenant" and institution_id in actor.institution_ids(role):
            return True
    return False


def sees_institution_rows(actor: Actor, resource: str, institution: Institution) -> bool:
    """Whether the actor may list ``resource`` rows of ``institution`` (any view scope)."""
    if may_for_institution(actor, resource, "view", institution.pk):
        return True
    if RULES[resource]["view"].get(Role.REGULATOR) == "region" and actor.has(Role.REGULATOR):
        return any(
            institution.region.path.startswith(p) for p in actor.region_paths(Role.REGULATOR)
        )
    return False


# --- blacklist -------------------------------------------------------------------------


def access_institution_blacklist(*, actor: Actor, institution_id: int) -> Institution:
    """The institution whose blacklist the actor may read; 404 for anyone else."""
    inst = Institution.objects.select_related("region").filter(pk=institution_id).first()
    if inst is None or not sees_institution_rows(actor, "blacklist", inst):
        raise NotFound()
    return inst


def access_blacklist_entry(*, actor: Actor, entry_id: int, action: str = "view") -> BlacklistEntry:
    entry = (
        scoped(BlacklistEntry.objects.all(), actor, "blacklist", "view", elder=None, provider=None)
        .select_related("institution", "elder")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise NotFound()
    if action != "view" and not may_for_institution(
        actor, "blacklist", action, entry.institution_id
    ):
        raise Forbidden()
    return entry


def sees_blacklist_reason(actor: Actor, entry: BlacklistEntry) -> bool:
    """The reason is for the institution's staff and platform admins only."""
    from doorstep.accounts.enums import INSTITUTION_STAFF

    return actor.is_platform_admin or entry.institution_id in actor.institution_ids(
        *INSTITUTION_STAFF
    )


# --- sanctions -------------------------------------------------------------------------


def sanctions_for(actor: Actor) -> QuerySet[ProviderSanction]:
    return scoped(ProviderSanction.objects.all(), actor, "sanction", "view", elder=None)


def access_sanction(*, actor: Actor, sanction_id: int, action: str = "view") -> ProviderSanction:
    sanction = (
        sanctions_for(actor)
        .select_related("provider", "provider__user")
        .filter(pk=sanction_id)
        .first()
    )
    if sanction is None:
        raise NotFound()
    if action != "view" and not may_for_institution(
        actor, "sanction", action, sanction.institution_id
    ):
        raise Forbidden()
    return sanction


def sees_provider_sanctions(actor: Actor, provider: Any) -> bool:
    """Whether the actor may read ``provider``'s sanctions (any ``sanction.view`` scope)."""
    if provider.user_id == actor.user_id and actor.has(*PROVIDER_ROLES):
        return True
    if provider.institution_id is None:
        return actor.is_platform_admin
    inst = Institution.objects.select_related("region").get(pk=provider.institution_id)
    return sees_institution_rows(actor, "sanction", inst)
