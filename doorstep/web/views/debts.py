"""Patient debt pages (ADR 0033): the elder or family member pays online what an insurer
refused (the debt is shown on "My orders" and on the order's page); the institution's
finance desk records a payment at the desk (finance page, ``finance.finance_debt_pay``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.policy import Actor
from doorstep.billing import debts
from doorstep.billing.access import access_charge
from doorstep.billing.enums import Channel, ChargePurpose, ChargeStatus
from doorstep.billing.gateway import SANDBOX
from doorstep.billing.tasks import deliver_sandbox_notification
from doorstep.core.errors import ApplicationError

from .common import redirect_next, role_page
from .loop_common import PATIENT_SIDE, error_text


def _amount(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("amount", ""))
    except ValueError:
        return -1


@require_POST
@role_page(*PATIENT_SIDE)
def debt_pay(request: HttpRequest, order_id: int, *, actor: Actor) -> HttpResponse:
    """Open an online payment of the order's debt (``billing.debts.pay_claim_debt``). The
    form carries an idempotency key made when the page was drawn: a double click pays
    once."""
    order = debts.access_debt_order(actor=actor, order_id=order_id, for_payment=True)
    try:
        charge, _created = debts.pay_claim_debt(
            actor=actor,
            order=order,
            channel=Channel.SANDBOX,
            amount_fen=_amount(request),
            idempotency_key=request.POST.get("key", ""),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        if charge.status == ChargeStatus.CAPTURED:
            messages.success(request, _("Payment recorded."))
        else:
            messages.info(request, _("Complete the payment in the payment window."))
    return redirect_next(request, "web:my_orders")


@require_POST
@role_page(*PATIENT_SIDE)
def debt_sandbox_pay(
    request: HttpRequest, order_id: int, charge_id: int, *, actor: Actor
) -> HttpResponse:
    """The sandbox gateway's payment window for a debt charge: the payer confirms and the
    gateway sends its signed notification, as for an order's payment."""
    order = debts.access_debt_order(actor=actor, order_id=order_id, for_payment=True)
    charge = access_charge(actor=actor, charge_id=charge_id)
    if (
        not settings.BILLING_SANDBOX
        or charge.order_id != order.pk
        or charge.purpose != ChargePurpose.DEBT
        or charge.requested_by_id != actor.user_id
        or charge.channel != Channel.SANDBOX
    ):
        raise Http404
    body, sig = SANDBOX.notification(
        institution_id=charge.institution_id,
        trade_no=charge.trade_no,
        txn_id=charge.gateway_txn,
        amount_fen=charge.amount_fen,
        status="paid",
    )
    transaction.on_commit(lambda: deliver_sandbox_notification.delay(body.hex(), sig))
    messages.info(request, _("Payment sent. The page shows it once the gateway confirms."))
    return redirect_next(request, "web:my_orders")
