"""Permission-checked lookups of billing rows (404 for what the actor may not see)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core.errors import NotFound
from doorstep.workforce.models import Provider

from .enums import AccountType
from .models import Account, Charge

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


def accounts_visible_to(actor: Actor) -> QuerySet[Account]:
    if actor.user_id is None:
        return Account.objects.none()
    if actor.is_platform_admin:
        return Account.objects.order_by("code")
    q = Q(institution_id__in=actor.institution_ids(*FINANCE_ROLES))
    provider_ids = list(Provider.objects.filter(user_id=actor.user_id).values_list("pk", flat=True))
    if provider_ids:
        q |= Q(type=AccountType.PROVIDER, owner_id__in=provider_ids)
    if actor.has(Role.ELDER):
        from doorstep.people.models import Elder

        elder_ids = list(Elder.objects.filter(user_id=actor.user_id).values_list("pk", flat=True))
        q |= Q(type=AccountType.PATIENT, owner_id__in=elder_ids)
    return Account.objects.filter(q).order_by("code")


def access_account(*, actor: Actor, account_id: int) -> Account:
    account = accounts_visible_to(actor).filter(pk=account_id).first()
    if account is None:
        raise NotFound()
    return account


def access_earner(*, actor: Actor, provider_id: int | None) -> Provider:
    """The provider whose earnings ``actor`` asks for: their own (no id, or their id); an
    institution admin's or finance officer's provider; any for a platform admin."""
    own = Provider.objects.filter(user_id=actor.user_id).first() if actor.user_id else None
    if provider_id is None or (own is not None and own.pk == provider_id):
        if own is None:
            raise NotFound()
        return own
    provider = Provider.objects.filter(pk=provider_id).first()
    if provider is None:
        raise NotFound()
    if actor.is_platform_admin or provider.institution_id in actor.institution_ids(*FINANCE_ROLES):
        return provider
    raise NotFound()
