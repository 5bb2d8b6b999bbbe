"""Reads of elders: scoped lists and the operator search (by phone, ID number, name)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from doorstep.accounts.policy import RULES, Actor
from doorstep.accounts.validators import normalize_phone
from doorstep.core import crypto
from doorstep.core.errors import Forbidden
from doorstep.regions.models import Region

from . import access
from .enums import InstitutionLinkStatus
from .models import Elder, ElderInstitutionLink
from .validators import parse_id_number

#: Search reveals who is registered: only for roles that see identities as staff.
SEARCH_SCOPES = frozenset({"all", "region", "tenant"})


def with_links(qs: QuerySet[Elder]) -> QuerySet[Elder]:
    return qs.prefetch_related(
        Prefetch(
            "institution_links",
            queryset=ElderInstitutionLink.objects.filter(status=InstitutionLinkStatus.ACTIVE),
            to_attr="active_institution_links",
        )
    )


def list_elders(
    *,
    actor: Actor,
    region: Region | None = None,
    status: str | None = None,
    care_level: int | None = None,
    institution_id: int | None = None,
) -> QuerySet[Elder]:
    """Elders the actor may view, filtered, ordered by id."""
    qs = access.elders_visible_to(actor)
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    if status:
        qs = qs.filter(status=status)
    if care_level is not None:
        qs = qs.filter(care_level=care_level)
    if institution_id is not None:
        qs = qs.filter(
            pk__in=ElderInstitutionLink.objects.filter(
                institution_id=institution_id, status=InstitutionLinkStatus.ACTIVE
            ).values("elder_id")
        )
    return with_links(qs.order_by("id"))


def may_search(actor: Actor) -> bool:
    table = RULES["elder"]["view_identity"]
    return any(table.get(role) in SEARCH_SCOPES for role in actor.roles)


def search_elders(
    *,
    actor: Actor,
    phone: str | None = None,
    id_number: str | None = None,
    name: str | None = None,
) -> QuerySet[Elder]:
    """Exact match on phone or ID number (keyed hash), substring on the name; all given
    criteria must match. Invalid phone/ID formats answer 422 so typos are caught."""
    if not may_search(actor):
        raise Forbidden()
    qs = access.elders_visible_to(actor)
    if phone:
        qs = qs.filter(phone_hash=crypto.search_hash(normalize_phone(phone)))
    if id_number:
        qs = qs.filter(id_number_hash=crypto.search_hash(parse_id_number(id_number).number))
    if name and name.strip():
        qs = qs.filter(full_name__icontains=name.strip())
    if not (phone or id_number or (name and name.strip())):
        return qs.none()
    return with_links(qs.order_by("id"))
