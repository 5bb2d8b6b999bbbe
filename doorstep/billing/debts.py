"""Patient debt from refused payer shares (ADR 0033): what insurers refused on their
claims is owed by the elder, shown to them and their paying family, and paid like any
other payment (idempotency key, door channels or the sandbox gateway).

When a payer partly approves or rejects a claim, ``claims._move_to_patients`` posts
``claim_rejected`` (Dr patient / Cr payer) and records the refused part on each
``PayerShare.rejected_fen``. Per order::

    refused      = sum(PayerShare.rejected_fen of the order)
    paid         = captured ``debt`` charges of the order - their refunds
    outstanding  = max(0, refused - paid)

``pay_claim_debt`` pays exactly the outstanding amount. Door channels (cash, card, POS,
insurance card) are recorded by the institution's finance staff at the desk or by the
provider of one of the order's visits and are captured at once; the sandbox gateway
(elder, family with the ``pay`` right) is captured by its signed notification
(``payments.handle_notification`` -> ``capture_debt_charge``). A capture posts::

    debt_paid   Dr clearing(method) / Cr patient(elder)     key charge:<id>, order_id

so the patient's account returns to where it stood before the claim was decided.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.errors import NotFound
from doorstep.orders.models import Order
from doorstep.people.access import linked_elder_ids

from . import accounts as acct
from . import errors
from .access import FINANCE_ROLES
from .enums import DOOR_CHANNELS, Channel, ChargePurpose, ChargeStatus, ClaimStatus, EntryEvent
from .gateway import SANDBOX
from .models import Charge, ClaimEvent, JournalEntry, PayerShare, Refund
from .payer_rules import payer_name
from .payments import KEY_RE, _fingerprint, _replay
from .services import cr, dr, post_entry

#: Claim moves whose reason is the payer's reason for refusing.
REFUSING = (ClaimStatus.REJECTED, ClaimStatus.PARTLY_APPROVED)


# --- scope ----------------------------------------------------------------------------


def _patient_q(actor: Actor, prefix: str) -> Q:
    """The elder's own orders; those of elders a family member may pay for."""
    q = Q(pk__in=[])
    if actor.has(Role.ELDER):
        q |= Q(**{f"{prefix}elder__user_id": actor.user_id})
    if actor.has(Role.FAMILY) and actor.user_id is not None:
        q |= Q(**{f"{prefix}elder_id__in": linked_elder_ids(actor.user_id, "pay")})
    return q


def _staff_q(actor: Actor, prefix: str, *, providers: bool) -> Q | None:
    """Finance staff of the order's institution (``None``: every order, platform admins);
    with ``providers`` also the providers of the order's visits (payment at the door)."""
    if actor.is_platform_admin:
        return None
    q = Q(**{f"{prefix}institution_id__in": actor.institution_ids(*FINANCE_ROLES)})
    if providers:
        q |= Q(**{f"{prefix}visits__provider__user_id": actor.user_id})
    return q


def _order_q(actor: Actor, prefix: str = "", *, providers: bool = False) -> Q | None:
    staff = _staff_q(actor, prefix, providers=providers)
    return None if staff is None else staff | _patient_q(actor, prefix)


def debt_shares_visible_to(actor: Actor) -> QuerySet[PayerShare]:
    """Refused payer shares of the orders ``actor`` may see debts of: the elder's own, her
    family's with the ``pay`` right, her institution's admin and finance officer, and
    platform admins."""
    if actor.user_id is None:
        return PayerShare.objects.none()
    qs = PayerShare.objects.filter(rejected_fen__gt=0)
    q = _order_q(actor, "order__")
    return qs if q is None else qs.filter(q)


def access_debt_order(*, actor: Actor, order_id: int, for_payment: bool = False) -> Order:
    """An order whose debt ``actor`` may see (and with ``for_payment`` pay: also the
    providers of its visits, at the door); 404 otherwise, owed or not."""
    if actor.user_id is None:
        raise NotFound()
    qs = Order.objects.select_related("elder", "item", "institution").filter(pk=order_id)
    q = _order_q(actor, providers=for_payment)
    if q is not None:
        ids = Order.objects.filter(q, pk=order_id).values("pk")
        qs = qs.filter(pk__in=ids)
    order = qs.first()
    if order is None:
        raise NotFound()
    return order


def channels_for(actor: Actor, order: Order) -> frozenset[str]:
    """The channels ``actor`` may pay ``order``'s debt with: online (sandbox) for the elder
    and family with ``pay``; at the door for finance staff and the order's providers."""
    out: set[str] = set()
    if Order.objects.filter(_patient_q(actor, ""), pk=order.pk).exists():
        out.add(Channel.SANDBOX)
    staff = _staff_q(actor, "", providers=True)
    if staff is None or Order.objects.filter(staff, pk=order.pk).exists():
        out |= DOOR_CHANNELS
    return frozenset(out)


# --- reads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DebtReason:
    """One refused share: which payer refused how much, on which claim, and why."""

    payer: str
    payer_name: str
    visit_id: int
    service_date: dt.date
    refused_fen: int
    claim_id: int | None
    claim_number: str
    reason: str


@dataclass(frozen=True)
class Debt:
    """An order's debt from refused shares, with what was paid of it."""

    order: Order
    refused_fen: int
    paid_fen: int
    reasons: tuple[DebtReason, ...]
    pending: Charge | None

    @property
    def outstanding_fen(self) -> int:
        return max(0, self.refused_fen - self.paid_fen)

    @property
    def order_id(self) -> int:
        return self.order.pk


def _reason_of(share: PayerShare, claim_reasons: dict[int, str]) -> tuple[int | None, str, str]:
    line = getattr(share, "claim_line", None)
    if line is None:
        return None, "", ""
    claim = line.claim
    why = line.reason or claim.reason or claim_reasons.get(claim.pk, "")
    return claim.pk, claim.number, why


def paid_by_order(order_ids: list[int]) -> dict[int, int]:
    """Captured debt charges minus their refunds, per order (fen)."""
    paid: dict[int, int] = defaultdict(int)
    for oid, t in (
        Charge.objects.filter(
            order_id__in=order_ids, purpose=ChargePurpose.DEBT, status=ChargeStatus.CAPTURED
        )
        .values("order_id")
        .annotate(t=Sum("amount_fen"))
        .values_list("order_id", "t")
    ):
        paid[oid] += int(t or 0)
    for oid, t in (
        Refund.objects.filter(
            charge__order_id__in=order_ids,
            charge__purpose=ChargePurpose.DEBT,
            charge__status=ChargeStatus.CAPTURED,
        )
        .values("charge__order_id")
        .annotate(t=Sum("amount_fen"))
        .values_list("charge__order_id", "t")
    ):
        paid[oid] -= int(t or 0)
    return dict(paid)


def refused_of_order(order_id: int) -> int:
    return int(
        PayerShare.objects.filter(order_id=order_id).aggregate(t=Sum("rejected_fen"))["t"] or 0
    )


def _debts(shares: QuerySet[PayerShare]) -> list[Debt]:
    rows = list(
        shares.select_related(
            "order", "order__elder", "order__item", "order__institution", "rule", "claim_line"
        )
        .select_related("claim_line__claim")
        .order_by("-order_id", "visit_id", "id")
    )
    claim_ids = {r.claim_line.claim_id for r in rows if getattr(r, "claim_line", None)}
    claim_reasons: dict[int, str] = {}
    for cid, why in (
        ClaimEvent.objects.filter(claim_id__in=claim_ids, to_status__in=REFUSING)
        .exclude(reason="")
        .order_by("at", "id")
        .values_list("claim_id", "reason")
    ):
        claim_reasons[cid] = why
    by_order: dict[int, list[PayerShare]] = defaultdict(list)
    for r in rows:
        by_order[r.order_id].append(r)
    order_ids = list(by_order)
    paid = paid_by_order(order_ids)
    pending = {
        c.order_id: c
        for c in Charge.objects.filter(
            order_id__in=order_ids, purpose=ChargePurpose.DEBT, status=ChargeStatus.PENDING
        ).order_by("id")
    }
    out = []
    for oid, shares_of in by_order.items():
        reasons = []
        for s in shares_of:
            claim_id, number, why = _reason_of(s, claim_reasons)
            reasons.append(
                DebtReason(
                    payer=s.payer,
                    payer_name=payer_name(s.payer, s.rule),
                    visit_id=s.visit_id,
                    service_date=s.service_date,
                    refused_fen=s.rejected_fen,
                    claim_id=claim_id,
                    claim_number=number,
                    reason=why,
                )
            )
        out.append(
            Debt(
                order=shares_of[0].order,
                refused_fen=sum(s.rejected_fen for s in shares_of),
                paid_fen=paid.get(oid, 0),
                reasons=tuple(reasons),
                pending=pending.get(oid),
            )
        )
    return out


def debts_for(
    actor: Actor, *, outstanding_only: bool = False, institution_id: int | None = None
) -> list[Debt]:
    """The debts ``actor`` may see, newest order first (``outstanding_only``: those with
    something left to pay)."""
    shares = debt_shares_visible_to(actor)
    if institution_id is not None:
        shares = shares.filter(order__institution_id=institution_id)
    found = _debts(shares)
    return [d for d in found if d.outstanding_fen > 0] if outstanding_only else found


def debt_of_order(*, actor: Actor, order: Order) -> Debt | None:
    """``order``'s debt as ``actor`` may see it (``None`` when nothing was refused)."""
    found = _debts(debt_shares_visible_to(actor).filter(order_id=order.pk))
    return found[0] if found else None


# --- paying ---------------------------------------------------------------------------


def outstanding_of(order: Order) -> int:
    return max(0, refused_of_order(order.pk) - paid_by_order([order.pk]).get(order.pk, 0))


def pay_claim_debt(
    *,
    actor: Actor,
    order: Order,
    channel: str,
    amount_fen: int,
    idempotency_key: str,
    receipt_no: str = "",
) -> tuple[Charge, bool]:
    """Pay ``order``'s debt from refused shares (``amount_fen`` must be all of it).
    Returns the charge and whether this call created it (``False``: a replay).

    The same key with the same request answers the same charge; with another request
    ``idempotency_key_reused`` (409). The order row is locked, so two keys cannot both pay
    one debt: the second finds ``no_debt_owed`` (409), or ``debt_payment_pending`` (409)
    while an online payment waits for the gateway. ``amount_mismatch`` (409, with
    ``due_fen``) when the amount is not what is owed; ``invalid_channel`` (422) for a
    channel the actor may not use (patients pay online, staff and providers record door
    payments). ``order`` must come from ``access_debt_order(for_payment=True)``."""
    if not KEY_RE.match(idempotency_key or ""):
        raise errors.InvalidIdempotencyKey()
    if channel not in Channel.values:
        raise errors.InvalidChannel(details={"channel": channel})
    receipt = (receipt_no or "").strip()[:64]
    if channel in (Channel.POS, Channel.INSURANCE_CARD) and not receipt:
        raise errors.ReceiptRequired(details={"channel": channel})
    fingerprint = _fingerprint(
        order=order,
        channel=channel,
        amount_fen=amount_fen,
        user_id=actor.user_id,
        receipt=receipt,
        purpose="debt",
    )
    with transaction.atomic():
        existing = Charge.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replay(existing, fingerprint), False
        locked = Order.objects.select_for_update().get(pk=order.pk)
        # A request with the same key may have committed while this one waited for the lock.
        existing = Charge.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replay(existing, fingerprint), False
        due = outstanding_of(locked)
        if due <= 0:
            raise errors.NoDebtOwed(details={"order_id": locked.pk})
        if channel not in channels_for(actor, locked):
            raise errors.InvalidChannel(details={"channel": channel})
        if Charge.objects.filter(
            order=locked, purpose=ChargePurpose.DEBT, status=ChargeStatus.PENDING
        ).exists():
            raise errors.DebtPaymentPending(details={"order_id": locked.pk})
        if amount_fen != due:
            raise errors.AmountMismatch(
                status=409, details={"amount_fen": amount_fen, "due_fen": due}
            )
        try:
            with transaction.atomic():
                charge = Charge.objects.create(
                    idempotency_key=idempotency_key,
                    fingerprint=fingerprint,
                    order=locked,
                    institution_id=locked.institution_id,
                    amount_fen=amount_fen,
                    channel=channel,
                    purpose=ChargePurpose.DEBT,
                    receipt_no=receipt,
                    requested_by=actor.user,
                    created_at=clock.now(),
                )
        except IntegrityError:
            existing = Charge.objects.filter(idempotency_key=idempotency_key).first()
            if existing is None:
                raise
            return _replay(existing, fingerprint), False
        if channel in DOOR_CHANNELS:
            _capture(charge, actor=actor, elder_id=locked.elder_id)
        else:
            charge.gateway_txn = SANDBOX.open_charge(
                institution_id=locked.institution_id,
                trade_no=charge.trade_no,
                amount_fen=amount_fen,
            )
            charge.save(update_fields=["gateway_txn"])
        audit.record(
            actor=actor.user,
            action="billing.debt_payment_requested",
            object_type="charge",
            object_id=charge.pk,
            institution_id=locked.institution_id,
            details={"order": locked.pk, "channel": channel, "amount_fen": amount_fen},
        )
    return charge, True


def _method(channel: str) -> str:
    """The clearing account's channel name (an online charge clears through ``online``,
    as the visit loop's online payments do)."""
    return "online" if channel == Channel.SANDBOX else channel


def _capture(charge: Charge, *, actor: Actor | None, elder_id: int) -> JournalEntry:
    entry = post_entry(
        event=EntryEvent.DEBT_PAID,
        key=f"charge:{charge.pk}",
        postings=[
            dr(acct.clearing(_method(charge.channel)), charge.amount_fen),
            cr(acct.patient(elder_id), charge.amount_fen),
        ],
        actor=actor,
        institution_id=charge.institution_id,
        order_id=charge.order_id,
        memo=f"refused share paid {charge.receipt_no}".strip(),
    )
    charge.status = ChargeStatus.CAPTURED
    charge.captured_at = entry.posted_at
    charge.failure_reason = ""
    charge.save(update_fields=["status", "captured_at", "failure_reason"])
    return entry


def capture_debt_charge(charge: Charge, *, txn: str) -> None:
    """The gateway says a (locked) ``debt`` charge was paid: post ``debt_paid``. A charge
    that failed earlier and is paid after all is captured too (the money was taken): if
    the debt was settled meanwhile, the patient's account then holds the surplus for a
    refund."""
    order = Order.objects.only("pk", "elder_id").get(pk=charge.order_id)
    _capture(charge, actor=None, elder_id=order.elder_id)
