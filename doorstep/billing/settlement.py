"""Refunds and payouts (ADR 0022): money leaving the platform, idempotent by key.

``refund``: gives back (part of) a captured charge. The refundable amount is what the
order's patient account holds after the visit loop's cancellation rules: the order's
payments minus the prices of its visits that were or will be delivered and its
cancellation fees, minus what was already refunded; and never more than the charge itself
captured minus its refunds. Posted as Dr patient / Cr clearing(channel).

``payout``: pays a provider's or an institution's payable out to their bank; refused when
it would take the payable below zero (the ledger's no-overdraw lock). Posted as
Dr payable / Cr clearing(bank).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.errors import Forbidden

from . import accounts as acct
from . import errors
from .enums import AccountType, Channel, ChargeStatus, EntryEvent
from .models import Account, Charge, JournalLine, Payout, Refund
from .payments import KEY_RE
from .services import cr, dr, post_entry
from .statements import Period

REFUND_ROLES = (Role.INSTITUTION_ADMIN, Role.FINANCE_OFFICER, Role.DISPATCHER)
PAYOUT_ROLES = (Role.INSTITUTION_ADMIN, Role.FINANCE_OFFICER)


def _fp(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def _key(idempotency_key: str) -> None:
    if not KEY_RE.match(idempotency_key or ""):
        raise errors.InvalidIdempotencyKey()


def _method(channel: str) -> str:
    """The payment method the capture posted under (an online charge is ``online``)."""
    return "online" if channel == Channel.SANDBOX else channel


def held_for_order(order_id: int, elder_id: int) -> int:
    """Money the platform holds for the patient on this order (fen, >= 0): the credit
    balance of the patient's account over the order's entries, counting what insurers
    refused of its shares as owed (``claim_rejected`` entries are posted per claim, not
    per order; their ``debt_paid`` payments are per order, ADR 0033)."""
    from .debts import refused_of_order

    total = (
        JournalLine.objects.filter(
            entry__order_id=order_id, account__code=acct.patient(elder_id).code
        ).aggregate(t=Sum("amount_fen"))["t"]
        or 0
    )
    return max(0, -(int(total) + refused_of_order(order_id)))


def refund(
    *, actor: Actor, charge: Charge, amount_fen: int, reason: str, idempotency_key: str
) -> tuple[Refund, bool]:
    """Refund ``amount_fen`` of ``charge``; returns the refund and whether it is new."""
    _key(idempotency_key)
    if not (
        actor.is_platform_admin or charge.institution_id in actor.institution_ids(*REFUND_ROLES)
    ):
        raise Forbidden()
    if amount_fen <= 0:
        raise errors.InvalidAmount(details={"amount_fen": amount_fen})
    reason = (reason or "").strip()
    if not reason:
        raise errors.ReasonRequired()
    fp = _fp(charge.pk, amount_fen, actor.user_id, reason)
    with transaction.atomic():
        existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.fingerprint != fp:
                raise errors.IdempotencyKeyReused(details={"refund_id": existing.pk})
            return existing, False
        locked = Charge.objects.select_for_update().select_related("order").get(pk=charge.pk)
        if locked.status != ChargeStatus.CAPTURED:
            raise errors.NotRefundable(details={"status": locked.status})
        try:
            with transaction.atomic():
                row = Refund.objects.create(
                    idempotency_key=idempotency_key,
                    fingerprint=fp,
                    charge=locked,
                    amount_fen=amount_fen,
                    reason=reason[:256],
                    requested_by=actor.user,
                    created_at=clock.now(),
                )
        except IntegrityError:
            existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
            if existing is None or existing.fingerprint != fp:
                raise errors.IdempotencyKeyReused() from None
            return existing, False
        refunded = (
            Refund.objects.filter(charge=locked)
            .exclude(pk=row.pk)
            .aggregate(t=Sum("amount_fen"))["t"]
            or 0
        )
        order = locked.order
        limit = min(locked.amount_fen - refunded, held_for_order(order.pk, order.elder_id))
        if amount_fen > limit:
            raise errors.RefundExceedsPaid(
                details={"amount_fen": amount_fen, "refundable_fen": max(0, limit)}
            )
        post_entry(
            event=EntryEvent.REFUND,
            key=f"refund:{row.pk}",
            postings=[
                dr(acct.patient(order.elder_id), amount_fen),
                cr(acct.clearing(_method(locked.channel)), amount_fen),
            ],
            actor=actor,
            institution_id=order.institution_id,
            order_id=order.pk,
            memo="refund",
        )
        audit.record(
            actor=actor.user,
            action="billing.refund",
            object_type="charge",
            object_id=locked.pk,
            institution_id=order.institution_id,
            details={"refund": row.pk, "amount_fen": amount_fen},
        )
    return row, True


def payout(
    *, actor: Actor, account: Account, amount_fen: int, idempotency_key: str, reference: str = ""
) -> tuple[Payout, bool]:
    """Pay ``amount_fen`` out of a provider's or institution's payable."""
    _key(idempotency_key)
    if account.type not in (AccountType.PROVIDER, AccountType.INSTITUTION):
        raise errors.InvalidPayee(details={"account": account.code})
    if not (
        actor.is_platform_admin
        or (
            account.institution_id
            and account.institution_id in actor.institution_ids(*PAYOUT_ROLES)
        )
    ):
        raise Forbidden()
    if amount_fen <= 0:
        raise errors.InvalidAmount(details={"amount_fen": amount_fen})
    ref = (reference or "").strip()[:64]
    fp = _fp(account.pk, amount_fen, actor.user_id, ref)
    with transaction.atomic():
        existing = Payout.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.fingerprint != fp:
                raise errors.IdempotencyKeyReused(details={"payout_id": existing.pk})
            return existing, False
        try:
            with transaction.atomic():
                row = Payout.objects.create(
                    idempotency_key=idempotency_key,
                    fingerprint=fp,
                    account=account,
                    amount_fen=amount_fen,
                    reference=ref,
                    requested_by=actor.user,
                    created_at=clock.now(),
                )
        except IntegrityError:
            existing = Payout.objects.filter(idempotency_key=idempotency_key).first()
            if existing is None or existing.fingerprint != fp:
                raise errors.IdempotencyKeyReused() from None
            return existing, False
        payee = acct.Ref(account.code, account.type, account.institution_id, account.owner_id)
        post_entry(
            event=EntryEvent.PAYOUT,
            key=f"payout:{row.pk}",
            postings=[dr(payee, amount_fen), cr(acct.clearing("bank"), amount_fen)],
            actor=actor,
            institution_id=account.institution_id,
            no_overdraw=[account.code],
        )
        audit.record(
            actor=actor.user,
            action="billing.payout",
            object_type="account",
            object_id=account.pk,
            institution_id=account.institution_id,
            details={"payout": row.pk, "amount_fen": amount_fen},
        )
    return row, True


# --- the monthly payout run (ADR 0029) ------------------------------------------------------


@dataclass(frozen=True)
class RunLine:
    """One payable of a payout run: what it held at the month's end, what was paid."""

    account_id: int
    account_code: str
    owed_fen: int  # the closing balance at the period's end, on the normal side
    paid_fen: int  # paid out by this run for this period (0: nothing to pay)
    payout_id: int | None
    created: bool  # False: paid by an earlier run of the same period (replayed)


def run_key(period_label: str, account_id: int) -> str:
    return f"payout-run:{period_label}:{account_id}"


def payout_run(
    *, actor: Actor, period: Period, institution_id: int | None = None, reference: str = ""
) -> list[RunLine]:
    """Pay out, for a closed period, every provider and institution payable (of one
    institution, or all for a platform admin) what it held at the period's end, and never
    more than it holds now. Idempotent per period and account: each payout is keyed
    ``payout-run:<period>:<account>``, so running the same period again (or twice at
    once) pays nothing twice; a later period pays what was earned since. Each payout is
    ``payout`` (the ledger's no-overdraw lock), so concurrent runs cannot overdraw."""
    if institution_id is None and not actor.is_platform_admin:
        raise Forbidden()
    if institution_id is not None and not (
        actor.is_platform_admin or institution_id in actor.institution_ids(*PAYOUT_ROLES)
    ):
        raise Forbidden()
    if period.end > clock.today():
        raise errors.PeriodNotClosed(details={"period": period.label})
    label = period.label
    accounts = Account.objects.filter(type__in=[AccountType.PROVIDER, AccountType.INSTITUTION])
    if institution_id is not None:
        accounts = accounts.filter(institution_id=institution_id)
    by_id = {a.pk: a for a in accounts.order_by("code")}
    closing = dict(
        JournalLine.objects.filter(account_id__in=list(by_id), entry__posted_at__lt=period.end_at)
        .values("account_id")
        .annotate(t=Sum("amount_fen"))
        .values_list("account_id", "t")
    )
    # payouts made after the period's end already paid part of what it closed with
    later = dict(
        JournalLine.objects.filter(
            account_id__in=list(by_id),
            entry__event=EntryEvent.PAYOUT,
            entry__posted_at__gte=period.end_at,
        )
        .values("account_id")
        .annotate(t=Sum("amount_fen"))
        .values_list("account_id", "t")
    )
    done = {
        p.idempotency_key: p
        for p in Payout.objects.filter(idempotency_key__in=[run_key(label, pk) for pk in by_id])
    }
    out: list[RunLine] = []
    ref = (reference or f"run {label}").strip()[:64]
    for pk, account in by_id.items():
        owed = -int(closing.get(pk) or 0) - int(later.get(pk) or 0)  # credit-normal
        key = run_key(label, pk)
        prior = done.get(key)
        if prior is not None:
            out.append(RunLine(pk, account.code, owed, prior.amount_fen, prior.pk, False))
            continue
        amount = min(owed, -account.balance_fen)
        if amount <= 0:
            out.append(RunLine(pk, account.code, owed, 0, None, False))
            continue
        try:
            row, created = payout(
                actor=actor, account=account, amount_fen=amount, idempotency_key=key, reference=ref
            )
        except errors.IdempotencyKeyReused:
            # A concurrent run of the same period paid it first (another amount or user).
            row, created = Payout.objects.get(idempotency_key=key), False
        except errors.InsufficientBalance:
            # Paid out in the meantime (a manual payout): nothing left for this run.
            out.append(RunLine(pk, account.code, owed, 0, None, False))
            continue
        out.append(RunLine(pk, account.code, owed, row.amount_fen, row.pk, created))
    return out
