"""Billing API: pay an order (idempotent), read a charge, the sandbox gateway's notify
endpoint and its "payer pays" simulation (ADR 0022)."""

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from doorstep.core.api import ERRORS, actor_of
from doorstep.orders.access import access_order

from . import errors, journal, payments, selectors, settlement
from .access import access_account, access_charge, access_earner, accounts_visible_to
from .enums import AccountType, Channel, ChargeStatus, IncentiveReason
from .gateway import SANDBOX, SIGNATURE_HEADER
from .models import Account, Charge, Refund
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
    purpose: str = Field("order", description="order, or debt: a refused share (ADR 0033).")
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
        "purpose": charge.purpose,
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


def _key_of(request: HttpRequest, body_key: str | None) -> str:
    return request.headers.get("Idempotency-Key") or body_key or ""


class RefundIn(Schema):
    amount_fen: int = Field(description="Fen to give back (at most what is refundable).")
    reason: str = Field(max_length=256)
    idempotency_key: str | None = None


class RefundOut(Schema):
    id: int
    charge_id: int
    amount_fen: int
    reason: str
    created_at: dt.datetime
    replayed: bool = False


def _refund_out(r: Refund, replayed: bool) -> dict[str, Any]:
    return {
        "id": r.pk,
        "charge_id": r.charge_id,
        "amount_fen": r.amount_fen,
        "reason": r.reason,
        "created_at": timezone.localtime(r.created_at),
        "replayed": replayed,
    }


@router.post(
    "/billing/payments/{charge_id}/refunds", response={200: RefundOut, 201: RefundOut, **ERRORS}
)
def refund_payment(request: HttpRequest, charge_id: int, payload: RefundIn) -> Any:
    """Give back (part of) a captured payment: at most what the charge captured minus its
    refunds, and what the order's cancellations left for the patient (409
    ``refund_exceeds_paid`` with ``details.refundable_fen``). Idempotent like payments.
    Institution admin, finance officer or dispatcher; platform admin."""
    actor = actor_of(request)
    charge = access_charge(actor=actor, charge_id=charge_id)
    row, created = settlement.refund(
        actor=actor,
        charge=charge,
        amount_fen=payload.amount_fen,
        reason=payload.reason,
        idempotency_key=_key_of(request, payload.idempotency_key),
    )
    return Status(201 if created else 200, _refund_out(row, not created))


class PayoutIn(Schema):
    account_id: int
    amount_fen: int
    reference: str = Field("", max_length=64, description="Bank transfer reference.")
    idempotency_key: str | None = None


class PayoutOut(Schema):
    id: int
    account_id: int
    amount_fen: int
    reference: str
    created_at: dt.datetime
    replayed: bool = False


@router.post("/billing/payouts", response={200: PayoutOut, 201: PayoutOut, **ERRORS})
def pay_out(request: HttpRequest, payload: PayoutIn) -> Any:
    """Pay a provider's or institution's payable out (409 ``insufficient_balance`` beyond
    what it holds). Idempotent like payments. Institution admin or finance officer for
    their institution's accounts; platform admin."""
    actor = actor_of(request)
    account = access_account(actor=actor, account_id=payload.account_id)
    row, created = settlement.payout(
        actor=actor,
        account=account,
        amount_fen=payload.amount_fen,
        idempotency_key=_key_of(request, payload.idempotency_key),
        reference=payload.reference,
    )
    return Status(
        201 if created else 200,
        {
            "id": row.pk,
            "account_id": row.account_id,
            "amount_fen": row.amount_fen,
            "reference": row.reference,
            "created_at": timezone.localtime(row.created_at),
            "replayed": not created,
        },
    )


class AccountOut(Schema):
    id: int
    code: str
    type: str
    type_label: str
    institution_id: int | None
    balance_fen: int = Field(description="On the account's normal side (what is owed/held).")


def _account_out(a: Account) -> dict[str, Any]:
    return {
        "id": a.pk,
        "code": a.code,
        "type": a.type,
        "type_label": str(AccountType(a.type).label),
        "institution_id": a.institution_id,
        "balance_fen": journal.shown(a.kind, a.balance_fen),
    }


@router.get("/billing/accounts", response={200: list[AccountOut], **ERRORS})
def list_accounts(request: HttpRequest) -> Any:
    """Ledger accounts the caller may see: all (platform admin); their institution's
    (institution admin, finance officer); their own payable (providers); their own account
    (elders)."""
    return [_account_out(a) for a in accounts_visible_to(actor_of(request))]


class EarningsQuery(Schema):
    month: str = Field(description="YYYY-MM, in the site's time zone.", pattern=r"^\d{4}-\d{2}$")
    provider_id: int | None = Field(None, description="Staff: one of their providers.")


class IncentiveOut(Schema):
    reason: str = Field(description="night, rural or difficult (ADR 0024).")
    reason_label: str
    amount_fen: int


class EarningOut(Schema):
    visit_id: int
    order_id: int | None
    event: str
    posted_at: dt.datetime
    price_fen: int
    payers: list[dict[str, Any]]
    earned_fen: int = Field(description="The provider's share including incentives, fen.")
    incentive_fen: int = Field(0, description="Of ``earned_fen``: contract incentives, fen.")
    incentives: list[IncentiveOut] = Field(default_factory=list)


class EarningsOut(Schema):
    provider_id: int
    month: str
    total_earned_fen: int
    visits: list[EarningOut]


@router.get("/billing/earnings", response={200: EarningsOut, **ERRORS})
def my_earnings(request: HttpRequest, filters: Query[EarningsQuery]) -> Any:
    """A provider's earnings for a month, visit by visit: the price, who paid it and their
    own share (the "transparent distribution"). Providers see their own; an institution's
    admin or finance officer those of its providers (``provider_id``); platform admins any."""
    actor = actor_of(request)
    provider = access_earner(actor=actor, provider_id=filters.provider_id)
    try:
        year, month = (int(x) for x in filters.month.split("-"))
        tz = timezone.get_current_timezone()
        start = dt.datetime(year, month, 1, tzinfo=tz)
        end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    except ValueError as exc:
        raise errors.InvalidMonth(details={"month": filters.month}) from exc
    rows = selectors.earnings(provider.pk, start=start, end=end)
    return {
        "provider_id": provider.pk,
        "month": filters.month,
        "total_earned_fen": sum(r.earned_fen for r in rows),
        "visits": [
            {
                "visit_id": r.visit_id,
                "order_id": r.order_id,
                "event": r.event,
                "posted_at": timezone.localtime(r.posted_at),
                "price_fen": r.price_fen,
                # Until payer rules are stored (ADR 0023) every visit is self-paid.
                "payers": [{"payer": "self_pay", "amount_fen": r.price_fen}],
                "earned_fen": r.earned_fen,
                "incentive_fen": r.incentive_fen,
                "incentives": [
                    {
                        "reason": reason,
                        "reason_label": str(IncentiveReason(reason).label),
                        "amount_fen": fen,
                    }
                    for reason, fen in r.incentives
                ],
            }
            for r in rows
        ],
    }


# Claims (ADR 0023 addendum), settlement (statements, reconciliation, receipts and
# invoices, ADR 0025) and patient debts (ADR 0033) register their routes on this router.
from . import claims_api, debts_api, finance_api, payer_rules_api  # noqa: E402, F401
