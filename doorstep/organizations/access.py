"""Permission-checked lookups of institutions (RULES["institution"] in accounts.policy).

* The directory (name, type, status, region, service areas) is open to every
  authenticated user.
* Profile changes: platform admins, and the institution's own admins. Anyone else gets
  404 for the change, as if the institution did not exist for them.
* Status, service areas and contracts are the platform's to set: platform admins only.
  An institution's own admin gets 403 (they can see it), anyone else 404.
* Contracts are visible per ``RULES["institution"]["view_contract"]``; others get 404.
* The security-office contact is shown in full to the institution's staff, operators
  and platform admins; everyone else sees it masked.
"""

from __future__ import annotations

from django.db.models import QuerySet

from doorstep.accounts.enums import INSTITUTION_ROLES, Role
from doorstep.accounts.policy import RULES, Actor
from doorstep.core.errors import Forbidden, NotFound

from .models import Institution

ALL, TENANT, REGION = "all", "tenant", "region"


def permits(actor: Actor, action: str, institution: Institution) -> bool:
    """Evaluate ``RULES["institution"][action]`` for one institution."""
    if actor.user is None:
        return False
    table = RULES["institution"].get(action, {})
    if table.get("*") == ALL:
        return True
    for role, scope in table.items():
        if role == "*" or not actor.has(role):
            continue
        if scope == ALL:
            return True
        if scope == TENANT and institution.pk in actor.institution_ids(role):
            return True
        if scope == REGION and any(
            institution.region.path.startswith(p) for p in actor.region_paths(role)
        ):
            return True
    return False


def _base() -> QuerySet[Institution]:
    return Institution.objects.select_related("region")


def _get(institution_id: int) -> Institution:
    institution = _base().filter(pk=institution_id).first()
    if institution is None:
        raise NotFound()
    return institution


def access_institution(*, actor: Actor, institution_id: int) -> Institution:
    """The public directory entry (any authenticated user)."""
    institution = _get(institution_id)
    if not permits(actor, "view", institution):
        raise NotFound()
    return institution


def access_institution_for_change(*, actor: Actor, institution_id: int) -> Institution:
    """For profile changes: platform admins and the institution's own admins; else 404."""
    institution = _get(institution_id)
    if not permits(actor, "change", institution):
        raise NotFound()
    return institution


def access_institution_for_platform(*, actor: Actor, institution_id: int) -> Institution:
    """For status, service areas and contract writes: platform admins only.

    The institution's own admin gets 403; anyone else 404.
    """
    institution = _get(institution_id)
    if actor.is_platform_admin:
        return institution
    if permits(actor, "change", institution):
        raise Forbidden()
    raise NotFound()


def access_institution_contracts(*, actor: Actor, institution_id: int) -> Institution:
    """The institution whose contracts ``actor`` may read; 404 for everyone else."""
    institution = _get(institution_id)
    if not permits(actor, "view_contract", institution):
        raise NotFound()
    return institution


def may_see_security_contact(actor: Actor, institution: Institution) -> bool:
    if actor.user is None:
        return False
    if actor.is_platform_admin or actor.has(Role.OPERATOR):
        return True
    return institution.pk in actor.institution_ids(*INSTITUTION_ROLES)
