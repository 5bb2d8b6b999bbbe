"""Patient debt API (ADR 0033): what insurers refused on their claims, owed and paid by the
patient. Registered on the billing router.

Scope: the elder her own, family members with the ``pay`` right their elder's, the
institution's admin and finance officer their institution's, platform admins all; paying at
the door also the providers of the order's visits. Anything else answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Schema, Status

from doorstep.core.api import ERRORS, actor_of
from doorstep.core.masking import mask_name

from . import debts
from .api import ChargeOut, _out, router


class DebtReasonOut(Schema):
    payer: str = Field(description="Scheme code of the payer that refused.")
    payer_name: str
    visit_id: int
    service_date: dt.date
    refused_fen: int
    claim_id: int | None
    claim_number: str
    reason: str = Field(description="The payer's reason, as it gave it.")


class PendingOut(Schema):
    charge_id: int
    amount_fen: int
    channel: str


class DebtOut(Schema):
    order_id: int
    institution_id: int
    elder_id: int
    elder: str = Field(description="The elder's name, masked.")
    refused_fen: int = Field(description="Refused by payers on their claims, fen.")
    paid_fen: int = Field(description="Paid of it by the patient, fen.")
    outstanding_fen: int = Field(description="Still owed, fen.")
    pending: PendingOut | None = Field(None, description="An online payment waiting.")
    reasons: list[DebtReasonOut]


class DebtListOut(Schema):
    count: int
    items: list[DebtOut]


class DebtQuery(Schema):
    outstanding: bool = Field(False, description="Only debts with something left to pay.")
    institution_id: int | None = None


def _debt_out(d: debts.Debt) -> dict[str, Any]:
    return {
        "order_id": d.order.pk,
        "institution_id": d.order.institution_id,
        "elder_id": d.order.elder_id,
        "elder": mask_name(d.order.elder.full_name),
        "refused_fen": d.refused_fen,
        "paid_fen": d.paid_fen,
        "outstanding_fen": d.outstanding_fen,
        "pending": (
            {
                "charge_id": d.pending.pk,
                "amount_fen": d.pending.amount_fen,
                "channel": d.pending.channel,
            }
            if d.pending is not None
            else None
        ),
        "reasons": [r.__dict__ for r in d.reasons],
    }


@router.get("/billing/debts", response={200: DebtListOut, **ERRORS})
def list_debts(request: HttpRequest, filters: Query[DebtQuery]) -> Any:
    """Orders with payer shares an insurer refused, newest first: refused, paid and still
    owed, with each payer's reason (names masked)."""
    found = debts.debts_for(
        actor_of(request),
        outstanding_only=filters.outstanding,
        institution_id=filters.institution_id,
    )
    return {"count": len(found), "items": [_debt_out(d) for d in found]}


class DebtPaymentIn(Schema):
    channel: str = Field(
        description="sandbox (the elder, family with pay) or cash, card, pos, ins_card "
        "(recorded at the door by finance staff or the visit's provider)."
    )
    amount_fen: int = Field(ge=0, description="All that is still owed, fen (checked).")
    receipt_no: str = Field("", max_length=64, description="Terminal or card receipt number.")
    idempotency_key: str | None = Field(
        None, description="Instead of the Idempotency-Key header (the header wins)."
    )


@router.post(
    "/billing/orders/{order_id}/debt-payments",
    response={200: ChargeOut, 201: ChargeOut, **ERRORS},
)
def pay_debt(request: HttpRequest, order_id: int, payload: DebtPaymentIn) -> Any:
    """Pay what insurers refused of the order's shares, like ``POST /billing/payments``:
    the same key and request answer the same charge (200, ``replayed``); 409
    ``idempotency_key_reused``, ``amount_mismatch`` (``details.due_fen``), ``no_debt_owed``,
    ``debt_payment_pending``; 422 ``invalid_channel``, ``receipt_required``."""
    actor = actor_of(request)
    order = debts.access_debt_order(actor=actor, order_id=order_id, for_payment=True)
    charge, created = debts.pay_claim_debt(
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
