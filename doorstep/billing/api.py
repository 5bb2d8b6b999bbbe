"""Billing API: pay an order (idempotent), read a charge, the sandbox gateway's notify
endpoint and its "payer pays" simulation (ADR 0022)."""

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from doorstep.core.api import ERRORS, actor_of
from doorstep.orders.access import access_order

from . import errors, payments
from .access import access_charge
from .enums import Channel, ChargeStatus
from .gateway import SANDBOX, SIGNATURE_HEADER
from .models import Charge
from .tasks import deliver_sandbox_notification

router = Router(tags=["billing"])


class PaymentIn(Schema):
    order_id: int
    channel: str = Field(description="cash, card, pos, ins_card (at the door) or sandbox.")
    amount_fen: int = Field(ge=0, description="What is due now, fen (checked).")
    receipt_no: str = Field("", max_length=64, description="Terminal or card receipt number.")
    idempotency_key: str | None = Field(
        None, description="Instead of the Idempotency-Key header (the header wins)."
    )

    model_config = {
        "json_schema_extra": {
            "examples": [{"order_id": 1, "channel": "sandbox", "amount_fen": 12000}]
        }
    }


class ChargeOut(Schema):
    id: int
    order_id: int
    channel: str
    status: str
    status_label: str
    amount_fen: int
    receipt_no: str
    trade_no: str
    gateway_txn: str
    created_at: dt.datetime
    captured_at: dt.datetime | None
    replayed: bool = False


def _out(charge: Charge, *, replayed: bool = False) -> dict[str, Any]:
    return {
        "id": charge.pk,
        "order_id": charge.order_id,
        "channel": charge.channel,
        "status": charge.status,
        "status_label": str(ChargeStatus(charge.status).label),
        "amount_fen": charge.amount_fen,
        "receipt_no": charge.receipt_no,
        "trade_no": charge.trade_no,
        "gateway_txn": charge.gateway_txn,
        "created_at": timezone.localtime(charge.created_at),
        "captured_at": timezone.localtime(charge.captured_at) if charge.captured_at else None,
        "replayed": replayed,
    }


@router.post("/billing/payments", response={200: ChargeOut, 201: ChargeOut, **ERRORS})
def request_payment(request: HttpRequest, payload: PaymentIn) -> Any:
    """Pay an order. Send an ``Idempotency-Key`` header: repeating the request with the
    same key (after a time-out, or twice at once) returns the same charge (200,
    ``replayed``) and charges once; the same key with another amount, channel or order is
    refused (409 ``idempotency_key_reused``). Door channels are captured at once; a
    ``sandbox`` charge stays ``pending`` until the gateway's signed notification."""
    actor = actor_of(request)
    order = access_order(actor=actor, order_id=payload.order_id)
    charge, created = payments.request_payment(
        actor=actor,
        order=order,
        channel=payload.channel,
        amount_fen=payload.amount_fen,
        idempotency_key=request.headers.get("Idempotency-Key") or payload.idempotency_key or "",
        receipt_no=payload.receipt_no,
    )
    if created:
        return Status(201, _out(charge))
    return Status(200, _out(charge, replayed=True))


@router.get("/billing/payments/{charge_id}", response={200: ChargeOut, **ERRORS})
def get_payment(request: HttpRequest, charge_id: int) -> Any:
    return _out(access_charge(actor=actor_of(request), charge_id=charge_id))


class NotifyOut(Schema):
    result: str


@router.post("/billing/gateway/sandbox/notify", auth=None, response={200: NotifyOut, **ERRORS})
def sandbox_notify(request: HttpRequest) -> Any:
    """The sandbox gateway's asynchronous notification (raw JSON body, HMAC-SHA256 in the
    ``X-Sandbox-Signature`` header). Forged, tampered, foreign-merchant or mismatched
    notifications answer 400 ``notification_refused``, post nothing and are audited."""
    _charge, outcome = payments.handle_notification(
        body=request.body, signature=request.headers.get(SIGNATURE_HEADER, "")
    )
    return {"result": outcome}


class SimulateIn(Schema):
    outcome: Literal["paid", "failed"] = "paid"


@router.post("/billing/sandbox/payments/{charge_id}/simulate", response={202: ChargeOut, **ERRORS})
def sandbox_simulate(request: HttpRequest, charge_id: int, payload: SimulateIn) -> Any:
    """Development only (``BILLING_SANDBOX``): the payer completes (or fails) a sandbox
    charge on the "gateway's page"; the gateway then sends its signed notification
    asynchronously (with retries), as a real provider would."""
    if not getattr(settings, "BILLING_SANDBOX", False):
        raise errors.SandboxDisabled()
    actor = actor_of(request)
    charge = access_charge(actor=actor, charge_id=charge_id)
    if charge.channel != Channel.SANDBOX or (
        charge.requested_by_id != actor.user_id and not actor.is_platform_admin
    ):
        raise errors.SandboxDisabled()
    body, sig = SANDBOX.notification(
        institution_id=charge.institution_id,
        trade_no=charge.trade_no,
        txn_id=charge.gateway_txn,
        amount_fen=charge.amount_fen,
        status=payload.outcome,
    )
    transaction.on_commit(lambda: deliver_sandbox_notification.delay(body.hex(), sig))
    return Status(202, _out(charge))
