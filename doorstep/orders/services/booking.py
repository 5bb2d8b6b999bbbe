"""Placing orders, first-visit assessments and the payment placeholder (ADR 0013)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.billing import payer_rules
from doorstep.billing import postings as ledger
from doorstep.core import audit, clock
from doorstep.core.errors import Forbidden, NotFound
from doorstep.people import access as people_access
from doorstep.people.models import Elder
from doorstep.workforce import eligibility

from .. import errors
from ..enums import (
    AssessmentDecision,
    Channel,
    PaymentMethod,
    PaymentMode,
    RiskFlag,
)
from ..models import (
    Assessment,
    Order,
    Payment,
    Visit,
    VisitEvent,
)
from ._common import (
    BOOKING_STAFF_ROLES,
    PAYMENT_STAFF_ROLES,
    REVIEW_ROLES,
    S,
    _after_acceptance,
    _after_acceptance_status,
    _dispatch_hook,
    _institution_staff,
    _is_staff_of,
    _lock_visit,
    _may_act_for_elder,
    _notify_patient,
    _on_commit_notify_many,
    _provider_row,
    _quality_hook,
    _transition,
    _walk,
)

# --- placing orders ---------------------------------------------------------------------


def requirement_for(item: Any) -> eligibility.Requirement:
    from doorstep.catalog import selectors as catalog_selectors

    return catalog_selectors.requirement_for(item)


def valid_assessment(
    *, elder: Elder, institution_id: int, category_id: int, on: dt.date
) -> Assessment | None:
    """An accepted assessment of the same institution and item group valid on ``on``."""
    return (
        Assessment.objects.filter(
            elder=elder,
            institution_id=institution_id,
            category_id=category_id,
            decision=AssessmentDecision.ACCEPTED,
            valid_until__gte=on,
        )
        .order_by("-decided_at", "-id")
        .first()
    )


def _booker(actor: Actor, elder: Elder, institution: Any) -> tuple[bool, bool]:
    """(institution staff who book, operator of the elder's region)."""
    staff = _is_staff_of(actor, institution.pk, BOOKING_STAFF_ROLES)
    operator = actor.has(Role.OPERATOR) and people_access.may(
        actor, elder, "view", scopes={"region", "all"}
    )
    return staff, operator


def may_book(actor: Actor, elder: Elder, institution: Any) -> bool:
    """Whether ``actor`` may book with ``institution`` for ``elder`` (``place_order``'s
    rule: the elder, family with ``place_orders``, operators of the region, the
    institution's booking staff)."""
    staff, operator = _booker(actor, elder, institution)
    return staff or operator or _may_act_for_elder(actor, elder, "place_orders")


def _check_capacity(*, elder: Elder, institution: Any, item: Any, start: dt.datetime) -> None:
    """Refuse a start time the institution cannot serve any more (ADR 0032), for bookings by
    the elder or family when ``BOOKING_CAPACITY_CHECK`` is on. The institution's row is
    locked first, so two bookings racing for its last free provider are decided one after
    the other. Operators and institution staff book past it (they arrange the day)."""
    if not getattr(settings, "BOOKING_CAPACITY_CHECK", False):
        return
    hook = _dispatch_hook("slot_open")
    if hook is None:  # pragma: no cover - the dispatch app is optional
        return
    list(type(institution).objects.select_for_update().filter(pk=institution.pk).values_list("pk"))
    offer = hook(institution_id=institution.pk, item=item, elder=elder, start=start)
    if not offer.open:
        raise errors.SlotFull(details={"window_start": start.isoformat(), "reason": offer.reason})


def place_order(
    *,
    actor: Actor,
    elder: Elder,
    institution: Any,
    item: Any = None,
    package: Any = None,
    window_start: dt.datetime,
    channel: str = Channel.APP,
    need_text: str = "",
) -> Order:
    """Book ``item`` (or ``package``) with ``institution`` for ``elder``.

    Who: the elder, family with ``place_orders``, operators of the elder's region, staff
    of the institution, platform admins. The price is locked through the catalogue (which
    refuses items the institution does not offer where the elder lives). Packages create
    one visit per ``interval_days``. Items needing a first-visit assessment wait for it
    unless a valid one exists (reused, no second review).
    """
    from doorstep.catalog import services as catalog_services

    staff, operator = _booker(actor, elder, institution)
    if not (staff or operator or _may_act_for_elder(actor, elder, "place_orders")):
        raise NotFound()
    if channel not in Channel.values:
        raise errors.InvalidChoice(details={"channel": channel})
    if window_start.tzinfo is None or window_start <= clock.now():
        raise errors.InvalidWindow(details={"field": "window_start"})
    block = _quality_hook("booking_block_reason")
    reason = block(elder, institution) if block else None
    if reason:
        raise errors.BookingBlocked(details={"reason": reason})
    locked = catalog_services.lock_price(
        item=item, package=package, institution=institution, elder=elder, when=window_start
    )
    from doorstep.catalog.models import ServiceItem

    # lock_price resolved the item from the rows given; reuse it rather than read it again
    # (one query fewer per order; only the category id is needed below).
    the_item = package.item if package is not None else item
    if the_item is None or the_item.pk != locked.item_id:
        the_item = ServiceItem.objects.get(pk=locked.item_id)
    now = clock.now()
    with transaction.atomic():
        if not (staff or operator):
            _check_capacity(elder=elder, institution=institution, item=the_item, start=window_start)
        order = Order.objects.create(
            elder=elder,
            institution=institution,
            item=the_item,
            package=package,
            offering_id=locked.offering_id,
            channel=channel,
            placed_by=actor.user,
            price_lines=locked.lines,
            total_fen=locked.total_fen,
            pricing_inputs=locked.as_dict(),
            payment_mode=(
                PaymentMode.PREPAY if institution.prepayment_required else PaymentMode.AT_DOOR
            ),
            need_text=need_text.strip(),
            created_at=now,
        )
        assessment: Assessment | None = None
        reused = False
        if the_item.requires_assessment:
            assessment = valid_assessment(
                elder=elder,
                institution_id=institution.pk,
                category_id=the_item.category_id,
                on=window_start.date(),
            )
            reused = assessment is not None
            if assessment is None:
                assessment = Assessment.objects.create(
                    elder=elder,
                    institution=institution,
                    item=the_item,
                    category_id=the_item.category_id,
                    requested_at=now,
                )
        count = package.visit_count if package else 1
        interval = dt.timedelta(days=package.interval_days if package else 0)
        duration = dt.timedelta(minutes=the_item.duration_minutes)
        shares = _split(locked.total_fen, count)
        home = (elder.lat, elder.lng)
        if home[0] is None or home[1] is None:
            home = (elder.region.centroid_lat, elder.region.centroid_lng)
        base_flags = list(people_access.pool_summary(elder).risk_flags)
        flags = sorted(set(base_flags) | set(assessment.risk_flags if assessment else []))
        # The automatic steps (requested -> awaiting assessment, or -> accepted -> awaiting
        # payment / dispatch): the visits are saved in their last status, and each step is
        # recorded as one event and one audit row, written in bulk.
        path: list[str]
        if assessment is not None and not reused:
            path = [S.REQUESTED, S.AWAITING_ASSESSMENT]
        else:
            path = [S.REQUESTED, S.ACCEPTED, _after_acceptance_status(order=order, paid_at=None)]
        visits = Visit.objects.bulk_create(
            Visit(
                order=order,
                seq=i + 1,
                status=path[-1],
                window_start=window_start + interval * i,
                window_end=window_start + interval * i + duration,
                duration_minutes=the_item.duration_minutes,
                price_fen=shares[i],
                address=elder.address,
                lat=home[0],
                lng=home[1],
                region=elder.region,
                risk_flags=flags,
                assessment=assessment,
            )
            for i in range(count)
        )
        events: list[VisitEvent] = []
        entries: list[audit.Entry] = []
        for visit in visits:
            steps, rows = _walk(
                visit=visit,
                path=path,
                actor=actor,
                at=now,
                details={S.ACCEPTED: {"assessment_reused": assessment.pk}} if assessment else None,
            )
            events += steps
            entries += rows
        VisitEvent.objects.bulk_create(events)
        entries.append(
            audit.Entry(
                actor=actor.user,
                action="order.place",
                object_type="order",
                object_id=order.pk,
                institution_id=institution.pk,
                changed_fields=["total_fen", "price_lines"],
                details={
                    "item": the_item.code,
                    "visits": count,
                    "total_fen": order.total_fen,
                    "channel": channel,
                    "assessment_reused": reused,
                },
            )
        )
        audit.record_many(entries)
        # The payer split is locked with the order (ADR 0023): payers owe their shares.
        locked_split = payer_rules.lock_for_order(order=order, visits=visits, item=the_item)
        ledger.order_placed(actor=actor, order=order, insured=locked_split is not None)
        _skip_payment_when_nothing_due(order=order, actor=actor, insured=locked_split is not None)
        if assessment is not None and not reused:
            _on_commit_notify_many(
                [
                    {
                        "recipient": user,
                        "kind": "orders.assessment_requested",
                        "title": _("A first-visit assessment is waiting for review"),
                        "link": f"/assessments/{assessment.pk}",
                    }
                    for user in _institution_staff(institution.pk, REVIEW_ROLES)
                ]
            )
    return order


def _split(total: int, count: int) -> list[int]:
    """Split ``total`` fen into ``count`` integer shares (the first ones carry the rest)."""
    base, rest = divmod(total, count)
    return [base + (1 if i < rest else 0) for i in range(count)]


# --- assessment ---------------------------------------------------------------------------


def review_assessment(
    *,
    actor: Actor,
    assessment: Assessment,
    decision: str,
    notes: str = "",
    risk_flags: Iterable[str] = (),
) -> Assessment:
    """The institution's reviewer accepts or rejects a first-visit assessment; waiting
    visits move on (accepted -> payment or dispatch) or are rejected."""
    if not (
        actor.is_platform_admin or assessment.institution_id in actor.institution_ids(*REVIEW_ROLES)
    ):
        raise Forbidden()
    flags = sorted(set(risk_flags))
    unknown = [f for f in flags if f not in RiskFlag.values]
    if unknown:
        raise errors.InvalidRiskFlag(details={"risk_flags": unknown})
    if decision not in (AssessmentDecision.ACCEPTED, AssessmentDecision.REJECTED):
        raise errors.InvalidChoice(details={"decision": decision})
    if decision == AssessmentDecision.REJECTED and not notes.strip():
        raise errors.ReasonRequired(details={"field": "notes"})
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().select_related("item").get(pk=assessment.pk)
        if locked.decision != AssessmentDecision.PENDING:
            raise errors.AssessmentDecided()
        now = clock.now()
        locked.decision = decision
        locked.reviewer = actor.user
        locked.decided_at = now
        locked.notes = notes.strip()
        locked.risk_flags = flags
        if decision == AssessmentDecision.ACCEPTED:
            locked.valid_until = clock.today() + dt.timedelta(
                days=locked.item.assessment_validity_days
            )
        locked.save()
        audit.record(
            actor=actor.user,
            action=f"assessment.{decision}",
            object_type="assessment",
            object_id=locked.pk,
            institution_id=locked.institution_id,
            changed_fields=["decision", "notes", "risk_flags", "valid_until"],
            details={"risk_flags": flags},
        )
        visit_ids = list(
            Visit.objects.filter(assessment=locked, status=S.AWAITING_ASSESSMENT)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        orders: dict[int, Order] = {}
        for vid in visit_ids:
            visit = _lock_visit(vid)
            order = orders.setdefault(visit.order_id, visit.order)
            if decision == AssessmentDecision.ACCEPTED:
                visit.risk_flags = sorted(set(visit.risk_flags) | set(flags))
                _transition(visit=visit, to=S.ACCEPTED, actor=actor, changed=["risk_flags"])
                _after_acceptance(visit=visit, order=order, actor=actor)
            else:
                _transition(visit=visit, to=S.REJECTED, actor=actor, reason=locked.notes)
                ledger.visit_released(actor=actor, visit=visit, order=order, on=clock.today())
        if decision == AssessmentDecision.ACCEPTED:
            for order in orders.values():
                _skip_payment_when_nothing_due(order=order, actor=actor)
        for order in orders.values():
            title = (
                _("Your request was accepted")
                if decision == AssessmentDecision.ACCEPTED
                else _("Your request was not accepted")
            )
            _notify_patient(order, "orders.assessment_decided", title, locked.notes)
    return locked


# --- payment ------------------------------------------------------------------------------


def _skip_payment_when_nothing_due(
    *, order: Order, actor: Actor | None, insured: bool | None = None
) -> None:
    """Prepayment with nothing for the patient to pay (the payers cover the whole price,
    or the price is 0): the visits do not wait for a payment of ¥0.00, they go on to
    dispatch (awaiting_payment -> awaiting_dispatch, recorded as ``nothing_to_pay``).

    Hot path: an order with a price and no locked payer split (``insured`` False, or no
    split stored when the caller does not know) always owes its price, so no visit is
    read or locked."""
    if order.payment_mode != PaymentMode.PREPAY:
        return
    if order.total_fen > 0:
        if insured is None:
            insured = payer_rules.has_split(order.pk)
        if not insured:
            return
    visits = list(
        Visit.objects.select_for_update(of=("self",))
        .select_related("order")
        .filter(order=order)
        .order_by("seq")
    )
    waiting = [v for v in visits if v.status == S.AWAITING_PAYMENT]
    if not waiting or payer_rules.self_pay_of(visits) > 0:
        return
    for visit in waiting:
        _transition(
            visit=visit, to=S.AWAITING_DISPATCH, actor=actor, details={"nothing_to_pay": True}
        )


def _due(actor: Actor, order: Order, visits: list[Visit]) -> tuple[list[Visit], int]:
    """The visits a payment now would pay and its amount; ``Forbidden`` when ``actor`` may
    not pay this order, ``payment_not_due`` when nothing is due."""
    staff = _is_staff_of(actor, order.institution_id, PAYMENT_STAFF_ROLES)
    if order.payment_mode == PaymentMode.PREPAY:
        allowed = staff or _may_act_for_elder(actor, order.elder, "pay")
        due = [v for v in visits if v.status == S.AWAITING_PAYMENT]
        # The patient pays the self-pay share; payers' shares are claimed (ADR 0023).
        amount = payer_rules.self_pay_of(visits)
    else:
        provider = _provider_row(actor)
        due = [v for v in visits if v.status in (S.COMPLETED, S.REVIEWED) and v.paid_at is None]
        allowed = staff or (provider is not None and any(v.provider_id == provider.pk for v in due))
        amount = payer_rules.self_pay_of(due)
    if not allowed:
        raise Forbidden()
    if not due or (order.payment_mode == PaymentMode.PREPAY and order.payments.exists()):
        raise errors.PaymentNotDue()
    return due, amount


def payment_due(*, actor: Actor, order: Order) -> int:
    """What ``actor`` would pay for ``order`` now (fen); refuses like ``confirm_payment``."""
    visits = list(Visit.objects.filter(order=order).order_by("seq"))
    return _due(actor, order, visits)[1]


def payable_now(*, actor: Actor, order: Order) -> tuple[list[int], int]:
    """The ids of the visits a payment by ``actor`` now would pay, and its amount (fen);
    refuses like ``confirm_payment`` (``billing.payments.record_door_payment`` derives an
    idempotency key from them)."""
    visits = list(Visit.objects.filter(order=order).order_by("seq"))
    due, amount = _due(actor, order, visits)
    return [v.pk for v in due], amount


def confirm_payment(*, actor: Actor, order: Order, method: str, receipt_no: str = "") -> Payment:
    """Record a confirmed payment (cash, card, POS, insurance card, or online once the
    gateway confirmed it) and post it to the ledger.

    Prepay: pays the whole order; its visits awaiting payment move to dispatch. Pay at the
    door: pays the completed visits not yet paid. Who: institution admin, dispatcher or
    finance officer; the elder or family with ``pay`` (prepay); the provider of a
    completed visit (at the door). ``billing.services.request_payment`` is the idempotent
    entry point that calls this.
    """
    if method not in PaymentMethod.values:
        raise errors.InvalidChoice(details={"method": method})
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        visits = list(
            Visit.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(order=locked)
            .order_by("seq")
        )
        due, amount = _due(actor, locked, visits)
        now = clock.now()
        payment = Payment.objects.create(
            order=locked,
            amount_fen=amount,
            method=method,
            receipt_no=receipt_no.strip(),
            confirmed_by=actor.user,
            confirmed_at=now,
        )
        ledger.payment_captured(actor=actor, payment=payment, order=locked)
        for visit in visits:
            if locked.payment_mode == PaymentMode.PREPAY or visit in due:
                visit.paid_at = now
                visit.save(update_fields=["paid_at"])
        for visit in due:
            if visit.status == S.AWAITING_PAYMENT:
                _transition(visit=visit, to=S.AWAITING_DISPATCH, actor=actor)
        audit.record(
            actor=actor.user,
            action="order.payment_confirmed",
            object_type="order",
            object_id=locked.pk,
            institution_id=locked.institution_id,
            changed_fields=["paid_at"],
            details={"amount_fen": amount, "method": method, "payment": payment.pk},
        )
    return payment
