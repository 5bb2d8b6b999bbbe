"""Payments (ADR 0022): the one idempotent way to pay an order, and the gateway's
notifications.

``request_payment`` is keyed by the client's idempotency key. The same key with the same
request (order, channel, amount, who, receipt) returns the same charge, however many times
and however concurrently it is sent; the same key with anything else is refused with
``idempotency_key_reused``. Door channels (cash, card, POS, insurance card) are captured
at once through ``orders.confirm_payment`` (the visits move on and the ledger is posted in
the same transaction); the sandbox gateway's charges wait for its signed notification.

A ``debt`` charge (a refused payer share the patient pays, ADR 0033) is made by
``debts.pay_claim_debt``; its notification posts ``debt_paid`` instead of confirming the
order's payment.

``handle_notification`` accepts a notification only when its signature is the merchant's,
the merchant is the charge's institution and the amount is the charge's; anything else is
refused, posts nothing and is audited. A repeated ``paid`` is acknowledged without a second
posting; a ``failed`` arriving after ``paid`` (out of order) is acknowledged and ignored.
"""

from __future__ import annotations

import hashlib
import re

from django.db import IntegrityError, transaction

from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.orders import services as orders
from doorstep.orders.enums import PaymentMethod
from doorstep.orders.errors import InvalidChoice
from doorstep.orders.models import Order
from doorstep.orders.services.booking import payable_now, payment_due

from . import errors
from .enums import DOOR_CHANNELS, Channel, ChargePurpose, ChargeStatus
from .gateway import SANDBOX, BadNotification, Notification
from .models import Charge

KEY_RE = re.compile(r"^[A-Za-z0-9_\-:.]{8,64}$")


def _fingerprint(
    *,
    order: Order,
    channel: str,
    amount_fen: int,
    user_id: int | None,
    receipt: str,
    purpose: str = "",
) -> str:
    """What a request asked, hashed: the same key must come back with the same request.
    ``purpose`` ("debt") keeps a debt payment from replaying an order payment's key."""
    raw = f"{order.pk}|{channel}|{amount_fen}|{user_id}|{receipt}"
    if purpose:
        raw = f"{purpose}|{raw}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _replay(charge: Charge, fingerprint: str) -> Charge:
    if charge.fingerprint != fingerprint:
        raise errors.IdempotencyKeyReused(details={"charge_id": charge.pk})
    return charge


def request_payment(
    *,
    actor: Actor,
    order: Order,
    channel: str,
    amount_fen: int,
    idempotency_key: str,
    receipt_no: str = "",
) -> tuple[Charge, bool]:
    """Pay ``order`` (what is due now, which ``amount_fen`` must equal). Returns the charge
    and whether this call created it (``False``: a replay of the same request)."""
    if not KEY_RE.match(idempotency_key or ""):
        raise errors.InvalidIdempotencyKey()
    if channel not in Channel.values:
        raise errors.InvalidChannel(details={"channel": channel})
    receipt = (receipt_no or "").strip()
    if channel in (Channel.POS, Channel.INSURANCE_CARD) and not receipt:
        raise errors.ReceiptRequired(details={"channel": channel})
    fingerprint = _fingerprint(
        order=order, channel=channel, amount_fen=amount_fen, user_id=actor.user_id, receipt=receipt
    )
    with transaction.atomic():
        existing = Charge.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replay(existing, fingerprint), False
        try:
            with transaction.atomic():
                charge = Charge.objects.create(
                    idempotency_key=idempotency_key,
                    fingerprint=fingerprint,
                    order=order,
                    institution_id=order.institution_id,
                    amount_fen=amount_fen,
                    channel=channel,
                    receipt_no=receipt,
                    requested_by=actor.user,
                    created_at=clock.now(),
                )
        except IntegrityError:
            # The same key committed by a concurrent request: answer as it did.
            existing = Charge.objects.filter(idempotency_key=idempotency_key).first()
            if existing is None:
                raise
            return _replay(existing, fingerprint), False
        due = payment_due(actor=actor, order=order)
        if amount_fen != due:
            raise errors.AmountMismatch(details={"amount_fen": amount_fen, "due_fen": due})
        if channel in DOOR_CHANNELS:
            payment = orders.confirm_payment(
                actor=actor, order=order, method=channel, receipt_no=receipt
            )
            charge.status = ChargeStatus.CAPTURED
            charge.captured_at = payment.confirmed_at
            charge.order_payment_id = payment.pk
            charge.save(update_fields=["status", "captured_at", "order_payment_id"])
        else:
            charge.gateway_txn = SANDBOX.open_charge(
                institution_id=order.institution_id, trade_no=charge.trade_no, amount_fen=amount_fen
            )
            charge.save(update_fields=["gateway_txn"])
        audit.record(
            actor=actor.user,
            action="billing.payment_requested",
            object_type="charge",
            object_id=charge.pk,
            institution_id=order.institution_id,
            details={"order": order.pk, "channel": channel, "amount_fen": amount_fen},
        )
    return charge, True


def derived_key(order_id: int, visit_ids: list[int]) -> str:
    """The idempotency key of a door payment sent without one: the order and the visits it
    pays (so the same payment sent twice, or twice at once, is one charge)."""
    digest = hashlib.sha256(",".join(str(v) for v in sorted(visit_ids)).encode()).hexdigest()
    return f"order:{order_id}:{digest[:24]}"


def record_door_payment(
    *,
    actor: Actor,
    order: Order,
    method: str,
    receipt_no: str = "",
    idempotency_key: str | None = None,
    amount_fen: int | None = None,
) -> tuple[Charge, bool]:
    """The older ``POST /orders/{id}/payments``: money that changed hands at the door
    (cash, card, POS, insurance card), recorded through ``request_payment`` so it has a
    charge, an idempotency key and one ledger posting.

    ``amount_fen`` defaults to what is due now. Without a key one is derived from the order
    and the visits the payment pays (``derived_key``): a repeat while they are still due
    replays the charge; once paid, a repeat without a key is ``payment_not_due`` as before.
    With a key a repeat replays the charge even after it was paid."""
    if method not in PaymentMethod.values:
        raise InvalidChoice(details={"method": method})
    if method not in DOOR_CHANNELS:
        # Online payments are captured only by the gateway's signed notification.
        raise errors.InvalidChannel(details={"channel": method})
    key = (idempotency_key or "").strip()
    if key:
        if amount_fen is None:
            existing = Charge.objects.filter(idempotency_key=key).first()
            amount_fen = (
                existing.amount_fen
                if existing is not None
                else payment_due(actor=actor, order=order)
            )
    else:
        visit_ids, due = payable_now(actor=actor, order=order)
        key = derived_key(order.pk, visit_ids)
        if amount_fen is None:
            amount_fen = due
    return request_payment(
        actor=actor,
        order=order,
        channel=method,
        amount_fen=amount_fen,
        idempotency_key=key,
        receipt_no=receipt_no,
    )


def _charge_of(note: Notification) -> Charge:
    m = re.fullmatch(r"DS(\d{10})", note.trade_no)
    charge = Charge.objects.select_for_update().filter(pk=int(m.group(1))).first() if m else None
    if charge is None:
        raise BadNotification("unknown_charge")
    if charge.institution_id != note.institution_id:
        raise BadNotification("foreign_merchant")
    if charge.channel != Channel.SANDBOX or charge.gateway_txn != note.txn_id:
        raise BadNotification("unknown_charge")
    if charge.amount_fen != note.amount_fen:
        raise BadNotification("amount_mismatch")
    return charge


def handle_notification(*, body: bytes, signature: str) -> tuple[Charge, str]:
    """Apply one gateway notification; returns the charge and what happened (``captured``,
    ``failed``, ``duplicate``, ``stale``). A refused one raises ``errors.NotificationRefused``
    after an audit row is written in its own transaction."""
    try:
        note = SANDBOX.verify(body, signature)
        with transaction.atomic():
            charge = _charge_of(note)
            outcome = _apply(charge, note)
    except BadNotification as exc:
        with transaction.atomic():
            audit.record(
                actor=None,
                action="billing.notification_refused",
                object_type="gateway_notification",
                object_id=hashlib.sha256(body).hexdigest()[:16],
                details={"reason": exc.code, "bytes": len(body)},
            )
        raise errors.NotificationRefused(details={"reason": exc.code}) from exc
    return charge, outcome


def _captured_audit(charge: Charge, note: Notification) -> None:
    """The accepted notification (the reconciliation report checks captures against it)."""
    audit.record(
        actor=None,
        action="billing.payment_captured",
        object_type="charge",
        object_id=charge.pk,
        institution_id=charge.institution_id,
        details={"txn": note.txn_id, "amount_fen": note.amount_fen},
    )


def _apply(charge: Charge, note: Notification) -> str:
    if note.status == "paid":
        if charge.status == ChargeStatus.CAPTURED:
            return "duplicate"
        # Pending, or failed earlier and paid after all (out of order): capture it.
        if charge.purpose == ChargePurpose.DEBT:
            # A refused share paid online posts ``debt_paid``, not the visit loop (ADR 0033).
            from .debts import capture_debt_charge

            capture_debt_charge(charge, txn=note.txn_id)
            _captured_audit(charge, note)
            return "captured"
        payer = Actor.of(charge.requested_by)
        order = Order.objects.get(pk=charge.order_id)
        payment = orders.confirm_payment(
            actor=payer, order=order, method="online", receipt_no=note.txn_id
        )
        charge.status = ChargeStatus.CAPTURED
        charge.captured_at = payment.confirmed_at
        charge.order_payment_id = payment.pk
        charge.failure_reason = ""
        charge.save(update_fields=["status", "captured_at", "order_payment_id", "failure_reason"])
        _captured_audit(charge, note)
        return "captured"
    if note.status == "failed":
        if charge.status != ChargeStatus.PENDING:
            return "stale"
        charge.status = ChargeStatus.FAILED
        charge.failure_reason = "gateway reported failure"
        charge.save(update_fields=["status", "failure_reason"])
        return "failed"
    raise BadNotification("bad_notification", f"status {note.status!r}")
