"""Who may read settlement statements, the reconciliation report, receipts and invoices
(ADR 0025); 404 for anything else, as everywhere (ADR 0002)."""

from __future__ import annotations

from typing import Any

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import audit
from doorstep.core.errors import NotFound
from doorstep.orders.access import orders_visible_to
from doorstep.orders.models import Order

from . import errors
from .access import FINANCE_ROLES, accounts_visible_to
from .enums import ChargeStatus
from .models import Account, Charge
from .statements import SUBJECT_TYPES


def statement_accounts(actor: Actor, *, institution_id: int | None = None) -> list[Account]:
    """Payable accounts whose statements ``actor`` may read: a provider's own; an
    institution admin's or finance officer's institution and its providers; all for
    platform admins."""
    qs = accounts_visible_to(actor).filter(type__in=SUBJECT_TYPES)
    if institution_id is not None:
        qs = qs.filter(institution_id=institution_id)
    return list(qs)


def access_statement_account(*, actor: Actor, account_id: int) -> Account:
    account = accounts_visible_to(actor).filter(pk=account_id, type__in=SUBJECT_TYPES).first()
    if account is None:
        raise NotFound()
    return account


def finance_institutions(actor: Actor) -> list[int]:
    return sorted(actor.institution_ids(*FINANCE_ROLES))


def reconciliation_scope(actor: Actor, institution_id: int | None) -> int | None:
    """The institution whose records ``actor`` reconciles (``None``: the whole platform,
    platform admins only). An institution's admin or finance officer gets their own (the
    first when they act for several and name none)."""
    if actor.user_id is None:
        raise NotFound()
    if actor.is_platform_admin:
        return institution_id
    own = finance_institutions(actor)
    if not own or (institution_id is not None and institution_id not in own):
        raise NotFound()
    return institution_id if institution_id is not None else own[0]


def may_see_order_money(actor: Actor, order: Order) -> bool:
    """The patient (the elder herself, linked family with consent), the institution's
    admin or finance officer, platform admins."""
    if actor.user_id is None:
        return False
    if actor.is_platform_admin or order.institution_id in actor.institution_ids(*FINANCE_ROLES):
        return True
    own = Actor(
        user=actor.user,
        grants=tuple(g for g in actor.grants if g.role in (Role.ELDER, Role.FAMILY)),
    )
    return bool(own.grants) and orders_visible_to(own).filter(pk=order.pk).exists()


def access_invoice_order(*, actor: Actor, order_id: int) -> Order:
    order = Order.objects.select_related("elder", "item", "institution").filter(pk=order_id).first()
    if order is None or not may_see_order_money(actor, order):
        raise NotFound()
    return order


def access_receipt_charge(*, actor: Actor, charge_id: int) -> Charge:
    charge = (
        Charge.objects.select_related("order", "order__elder", "order__item", "order__institution")
        .filter(pk=charge_id)
        .first()
    )
    if charge is None or not may_see_order_money(actor, charge.order):
        raise NotFound()
    if charge.status != ChargeStatus.CAPTURED:
        raise errors.ReceiptNotAvailable(details={"status": charge.status})
    return charge


def audit_download(
    actor: Actor, kind: str, object_type: str, object_id: Any, institution_id: int | None
) -> None:
    audit.record(
        actor=actor.user,
        action=f"billing.download_{kind}",
        object_type=object_type,
        object_id=object_id,
        institution_id=institution_id,
    )
