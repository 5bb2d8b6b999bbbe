"""Elder and family: my orders, the visit timeline, confirm (co-sign) and rate.
Institution dispatcher/admin: visits waiting for a provider, assign or publish to the pool."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from doorstep.accounts.policy import Actor
from doorstep.billing import payments as billing
from doorstep.billing.access import access_charge
from doorstep.billing.enums import Channel, ChargeStatus
from doorstep.billing.gateway import SANDBOX
from doorstep.billing.models import Charge
from doorstep.billing.tasks import deliver_sandbox_notification
from doorstep.core.errors import ApplicationError
from doorstep.orders import selectors
from doorstep.orders import services as orders
from doorstep.orders.access import access_order, access_visit, orders_visible_to
from doorstep.orders.enums import HOLDING_PROVIDER, VisitStatus, can_transition
from doorstep.orders.models import CoSign
from doorstep.quality import services as quality
from doorstep.quality.enums import ComplaintCategory
from doorstep.workforce.models import Provider

from .common import role_page
from .loop_common import DISPATCHERS, PATIENT_SIDE, error_text

S = VisitStatus
LIVE = frozenset({S.ASSIGNED, S.EN_ROUTE, S.ARRIVED, S.IN_SERVICE})
SCORES = [(i, str(i)) for i in range(5, 0, -1)]


class RatingForm(forms.Form):
    punctuality = forms.TypedChoiceField(
        label=gettext_lazy("Punctuality"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    skill = forms.TypedChoiceField(
        label=gettext_lazy("Skill"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    attitude = forms.TypedChoiceField(
        label=gettext_lazy("Attitude"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@role_page(*PATIENT_SIDE)
def my_orders(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    rows = []
    for order in orders_visible_to(actor).prefetch_related("visits").order_by("-created_at")[:50]:
        visits = list(order.visits.all())
        rows.append(
            {
                "order": order,
                "status": selectors.order_status(v.status for v in visits),
                "next": selectors.next_visit(visits),
            }
        )
    return render(request, "web/loop/my_orders.html", {"rows": rows})


@role_page(*PATIENT_SIDE)
def order_detail(request: HttpRequest, order_id: int, *, actor: Actor) -> HttpResponse:
    order = access_order(actor=actor, order_id=order_id)
    visits = list(order.visits.select_related("provider", "provider__user").order_by("seq"))
    signed = set(
        CoSign.objects.filter(visit__in=visits, user=actor.user).values_list("visit_id", flat=True)
    )
    return render(
        request,
        "web/loop/order.html",
        {
            "order": order,
            "status": selectors.order_status(v.status for v in visits),
            "visits": visits,
            "signed": signed,
            "events": list(selectors.timeline(order)),
            "rating_form": RatingForm(),
            # While a provider is on the way or at the door the visit cards refresh
            # themselves (HTMX polling the same page, swapping only ``#visits``).
            "live": any(v.status in LIVE for v in visits),
            "can_cancel": any(can_transition(v.status, S.CANCELLED) for v in visits),
            # A fresh idempotency key per drawing of the page: resubmitting this form (a
            # double click, a reload) is one payment.
            "pay_key": uuid.uuid4().hex,
            "pending_charges": list(
                Charge.objects.filter(
                    order=order,
                    requested_by=actor.user,
                    channel=Channel.SANDBOX,
                    status=ChargeStatus.PENDING,
                ).order_by("-id")[:1]
            ),
            "sandbox": settings.BILLING_SANDBOX,
            "reschedulable": {
                v.pk: timezone.localtime(v.window_start + dt.timedelta(days=1)).strftime(
                    "%Y-%m-%dT%H:%M"
                )
                for v in visits
                if can_transition(v.status, S.RESCHEDULED)
            },
            "complaint_categories": ComplaintCategory.choices,
            "S": S,
        },
    )


@require_POST
@role_page(*PATIENT_SIDE)
def visit_cosign(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    visit = access_visit(actor=actor, visit_id=visit_id)
    try:
        orders.co_sign(actor=actor, visit=visit)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Thank you: the visit is confirmed."))
    return redirect("web:order", order_id=visit.order_id)


@require_POST
@role_page(*PATIENT_SIDE)
def visit_rate(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    visit = access_visit(actor=actor, visit_id=visit_id)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give each of punctuality, skill and attitude 1 to 5 stars."))
        return redirect("web:order", order_id=visit.order_id)
    try:
        quality.rate_visit(actor=actor, visit=visit, **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("web:order", order_id=visit.order_id)


@require_POST
@role_page(*PATIENT_SIDE)
def order_pay(request: HttpRequest, order_id: int, *, actor: Actor) -> HttpResponse:
    """Pay the order through ``billing.request_payment``. The form carries an idempotency
    key made when the page was drawn, so a double click or a resent form charges once."""
    order = access_order(actor=actor, order_id=order_id)
    try:
        amount = int(request.POST.get("amount", ""))
    except ValueError:
        amount = -1
    try:
        charge, _created = billing.request_payment(
            actor=actor,
            order=order,
            channel=request.POST.get("method", "sandbox"),
            amount_fen=amount,
            idempotency_key=request.POST.get("key", ""),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        if charge.status == ChargeStatus.CAPTURED:
            messages.success(request, _("Payment recorded."))
        else:
            messages.info(request, _("Complete the payment in the payment window."))
    return redirect("web:order", order_id=order.pk)


@require_POST
@role_page(*PATIENT_SIDE)
def order_sandbox_pay(
    request: HttpRequest, order_id: int, charge_id: int, *, actor: Actor
) -> HttpResponse:
    """The sandbox gateway's payment window (development and demo): the payer confirms and
    the gateway sends its signed notification, as a real provider would."""
    order = access_order(actor=actor, order_id=order_id)
    charge = access_charge(actor=actor, charge_id=charge_id)
    if (
        not settings.BILLING_SANDBOX
        or charge.order_id != order.pk
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
    return redirect("web:order", order_id=order.pk)


# --- institution: dispatch -----------------------------------------------------------------


def _providers_by_institution(institution_ids: set[int]) -> dict[int, list[Provider]]:
    out: dict[int, list[Provider]] = {}
    rows = (
        Provider.objects.filter(
            institution_id__in=institution_ids, is_active=True, verification_status="verified"
        )
        .select_related("user")
        .order_by("user__display_name", "pk")
    )
    for p in rows:
        assert p.institution_id is not None
        out.setdefault(p.institution_id, []).append(p)
    return out


@role_page(*DISPATCHERS)
def dispatch_list(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Visits of the institution waiting for a provider, and those assigned lately."""
    waiting = list(selectors.schedule(actor=actor, status=S.AWAITING_DISPATCH)[:100])
    held = list(
        selectors.schedule(actor=actor)
        .filter(status__in=sorted(HOLDING_PROVIDER))
        .order_by("-window_start")[:30]
    )
    providers = _providers_by_institution({v.order.institution_id for v in waiting})
    rows: list[dict[str, Any]] = [
        {"visit": v, "providers": providers.get(v.order.institution_id, [])} for v in waiting
    ]
    return render(request, "web/loop/dispatch.html", {"rows": rows, "held": held})


@require_POST
@role_page(*DISPATCHERS)
def dispatch_assign(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    visit = access_visit(actor=actor, visit_id=visit_id)
    raw = request.POST.get("provider", "")
    provider = (
        Provider.objects.filter(pk=int(raw), institution_id=visit.order.institution_id).first()
        if raw.isdigit()
        else None
    )
    if provider is None:
        messages.error(request, _("Choose a provider."))
        return redirect("web:dispatch")
    try:
        orders.assign_provider(actor=actor, visit=visit, provider=provider)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Provider assigned."))
    return redirect("web:dispatch")


@require_POST
@role_page(*DISPATCHERS)
def dispatch_unassign(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    """Take an assigned visit back from its provider (before they set off), with a reason;
    the visit waits for a provider again and the provider is told."""
    visit = access_visit(actor=actor, visit_id=visit_id)
    try:
        orders.unassign_provider(actor=actor, visit=visit, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The visit was taken back; it waits for a provider again."))
    return redirect("web:dispatch")


@require_POST
@role_page(*DISPATCHERS)
def dispatch_publish(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    visit = access_visit(actor=actor, visit_id=visit_id)
    try:
        orders.publish_to_pool(actor=actor, visit=visit)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Published to the open pool."))
    return redirect("web:dispatch")
