"""Permission-checked lookups of billing rows (404 for what the actor may not see)."""

from __future__ import annotations

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core.errors import NotFound

from .models import Charge

#: Institution roles that see every charge of their institution.
FINANCE_ROLES = (Role.INSTITUTION_ADMIN, Role.FINANCE_OFFICER)


def access_charge(*, actor: Actor, charge_id: int) -> Charge:
    """A charge its requester, the institution's admin or finance officer, or a platform
    admin may see."""
    charge = Charge.objects.filter(pk=charge_id).first()
    if charge is None or actor.user_id is None:
        raise NotFound()
    if (
        charge.requested_by_id == actor.user_id
        or actor.is_platform_admin
        or charge.institution_id in actor.institution_ids(*FINANCE_ROLES)
    ):
        return charge
    raise NotFound()
