"""Care plans: goals, interventions and the visit orders they generate (ADR 0027).

A plan belongs to an elder and to the institution whose clinicians care for them. Its
interventions (catalogue item x frequency x preferred time window x optional preferred
provider) generate visit orders on a rolling horizon (``HEALTH_CAREPLAN_HORIZON_DAYS``,
default 14 days, from tomorrow) strictly through ``orders.services.place_order``, so
pricing, the payer split, the first-visit assessment and every visit-loop rule hold.

Each planned day is one ``PlanOccurrence`` row, unique per (intervention, day) and
created with ``get_or_create`` under ``select_for_update`` inside the transaction that
places its order: running generation twice, or twice at the same time, books each day
once. A refusal of the orders services (item not offered where the elder lives, booking
blocked...) is stored on the occurrence as ``skipped`` with the stable error code and
retried by the next run while the day is still ahead; it never stops the run. Ending a
plan, removing an intervention or changing its schedule cancels its future visits that
have not started through ``orders.services.cancel`` (institution side: no fee).

Generated orders are placed as the plan's institution (an active plan is its standing
instruction to book): the booking actor carries the institution's dispatcher grant and
the user who generated (or, for the daily job, who activated the plan) as ``placed_by``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.enums import Role
from doorstep.accounts.models import Membership
from doorstep.accounts.policy import Actor, Grant
from doorstep.core import audit, clock
from doorstep.core.errors import ApplicationError, Conflict, Forbidden, NotFound, ValidationFailed
from doorstep.people.models import Elder

from . import access, frequency
from .models import (
    CarePlan,
    CarePlanStatus,
    Goal,
    GoalStatus,
    Intervention,
    InterventionStatus,
    OccurrenceStatus,
    PlanOccurrence,
)

logger = logging.getLogger(__name__)

DEFAULT_HORIZON_DAYS = 14
MAX_HORIZON_DAYS = 60
DEFAULT_REVIEW_DAYS = 90
#: Visits not yet started: cancelling them ends the plan's claim on them.
NOT_STARTED = frozenset(
    {
        "requested",
        "awaiting_assessment",
        "accepted",
        "awaiting_payment",
        "awaiting_dispatch",
        "assigned",
    }
)
#: Visits still to happen (the rules' "already booked").
OPEN_VISIT = NOT_STARTED | {"en_route", "arrived", "in_service"}
AWAITING_ASSESSMENT_CODE = "care_plan_awaiting_assessment"


# --- errors ---------------------------------------------------------------------------


class NotAllowedToChangePlan(Forbidden):
    default_code = "may_not_change_care_plan"
    default_message = _("Only clinical staff of the plan's institution may change this plan.")


class InvalidPlan(ValidationFailed):
    default_code = "care_plan_invalid"
    default_message = _("Some fields of the care plan are not valid.")


class InstitutionRequired(ValidationFailed):
    default_code = "care_plan_institution_required"
    default_message = _("Choose the institution the plan belongs to.")


class PlanExists(Conflict):
    default_code = "care_plan_exists"
    default_message = _("This elder already has an open care plan with this institution.")


class PlanState(Conflict):
    default_code = "care_plan_state"
    default_message = _("The care plan is not in a state that allows this.")


class InterventionNotActive(Conflict):
    default_code = "intervention_not_active"
    default_message = _("This intervention has already been removed.")


class UnknownItem(ValidationFailed):
    default_code = "care_plan_item_unknown"
    default_message = _("Choose an active service from the catalogue.")


class InvalidProvider(ValidationFailed):
    default_code = "preferred_provider_invalid"
    default_message = _("The preferred provider must be a verified provider of the institution.")


#: Why an occurrence was skipped, for codes the care plan itself gives.
SKIP_MESSAGES = {
    AWAITING_ASSESSMENT_CODE: _(
        "Waiting for the first-visit assessment of an earlier visit; booked once it is accepted."
    ),
}


# --- helpers --------------------------------------------------------------------------


def horizon_days(plan: CarePlan) -> int:
    if plan.horizon_days:
        return int(plan.horizon_days)
    return int(getattr(settings, "HEALTH_CAREPLAN_HORIZON_DAYS", DEFAULT_HORIZON_DAYS))


def local_start(day: dt.date, at: dt.time) -> dt.datetime:
    """``day`` at local time ``at`` as an aware datetime (the platform's time zone)."""
    return dt.datetime.combine(day, at, tzinfo=timezone.get_default_timezone())


def clinical_institutions(actor: Actor) -> set[int]:
    return actor.institution_ids(*access.CLINICAL)


def booking_actor(institution_id: int, user: Any) -> Actor:
    """The actor generated orders are placed and cancelled as: the institution's
    dispatcher grant (an active plan is its standing instruction), ``user`` recorded."""
    return Actor(
        user=user,
        grants=(
            Grant(
                role=Role.DISPATCHER,
                institution_id=institution_id,
                region_id=None,
                region_path=None,
            ),
        ),
    )


def _audit(
    actor: Actor | None, action: str, plan: CarePlan, fields: Iterable[str] = (), **details: Any
) -> None:
    audit.record(
        actor=actor.user if actor else None,
        action=action,
        object_type="care_plan",
        object_id=plan.pk,
        institution_id=plan.institution_id,
        changed_fields=fields,
        details={"elder_id": plan.elder_id, **details},
    )


def _invalid(field_name: str, **details: Any) -> InvalidPlan:
    return InvalidPlan(details={"field": field_name, **details})


def _text(value: str | None, name: str, *, max_length: int, required: bool = False) -> str:
    clean = " ".join((value or "").split())
    if len(clean) > max_length or (required and not clean):
        raise _invalid(name, max_length=max_length)
    return clean


def require_change(actor: Actor, plan: CarePlan) -> None:
    """404 when the actor may not see the record, 403 when they may see it but are not
    clinical staff of the plan's institution."""
    access.require(actor, plan.elder, "view")
    if not (
        access.may(actor, plan.elder, "change")
        and plan.institution_id in clinical_institutions(actor)
    ):
        raise NotAllowedToChangePlan()


def resolve_institution(actor: Actor, elder: Elder, institution_id: int | None) -> int:
    """The institution a clinician acts for on ``elder``'s care: the one given (it must be
    theirs), else their only clinical institution caring for the elder."""
    mine = clinical_institutions(actor)
    if institution_id is not None:
        if institution_id not in mine:
            raise NotAllowedToChangePlan(details={"field": "institution_id"})
        return institution_id
    caring = {
        i
        for i in sorted(mine)
        if Elder.objects.filter(access.related_elder_ids_q({i}, clock.now()), pk=elder.pk).exists()
    }
    if len(caring) != 1:
        raise InstitutionRequired(details={"field": "institution_id"})
    return caring.pop()


def _lock_plan(plan: CarePlan) -> CarePlan:
    return CarePlan.objects.select_for_update(of=("self",)).select_related("elder").get(pk=plan.pk)


def _check_owner(owner: Any, institution_id: int) -> None:
    ok = Membership.objects.filter(
        user=owner, institution_id=institution_id, role__in=list(access.CLINICAL), is_active=True
    ).exists()
    if not ok:
        raise _invalid("owner_id")


def _check_dates(start: dt.date, end: dt.date | None, review: dt.date | None) -> None:
    if end is not None and end < start:
        raise _invalid("end_date")
    if review is not None and review < start:
        raise _invalid("review_date")


# --- plans ------------------------------------------------------------------------------


@transaction.atomic
def create_plan(
    *,
    actor: Actor,
    elder: Elder,
    title: str,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    review_date: dt.date | None = None,
    institution_id: int | None = None,
    owner: Any = None,
    horizon: int | None = None,
) -> CarePlan:
    """A draft plan of ``elder`` with the actor's institution (clinical staff only)."""
    access.require(actor, elder, "change")
    inst = resolve_institution(actor, elder, institution_id)
    start = start_date or clock.today()
    review = review_date or start + dt.timedelta(days=DEFAULT_REVIEW_DAYS)
    _check_dates(start, end_date, review)
    who = owner or actor.user
    _check_owner(who, inst)
    if horizon is not None and not 1 <= horizon <= MAX_HORIZON_DAYS:
        raise _invalid("horizon_days", max=MAX_HORIZON_DAYS)
    clean = _text(title, "title", max_length=128, required=True)
    if CarePlan.objects.filter(
        elder=elder, institution_id=inst, status__in=[CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE]
    ).exists():
        raise PlanExists()
    try:
        with transaction.atomic():
            plan = CarePlan.objects.create(
                elder=elder,
                institution_id=inst,
                title=clean,
                owner=who,
                start_date=start,
                end_date=end_date,
                review_date=review,
                horizon_days=horizon,
                created_by=actor.user,
                created_at=clock.now(),
            )
    except IntegrityError as exc:  # a concurrent create won
        raise PlanExists() from exc
    _audit(actor, "create", plan, ["title", "start_date", "end_date", "review_date", "owner"])
    return plan


@transaction.atomic
def update_plan(
    *,
    actor: Actor,
    plan: CarePlan,
    title: str | None = None,
    end_date: dt.date | None = None,
    clear_end_date: bool = False,
    review_date: dt.date | None = None,
    owner: Any = None,
    horizon: int | None = None,
) -> CarePlan:
    """Change the title, end, review date, owner or horizon of an open plan. Moving the
    end earlier cancels the generated visits after it."""
    row = _lock_plan(plan)
    require_change(actor, row)
    if row.status == CarePlanStatus.ENDED:
        raise PlanState(details={"status": row.status})
    changed: list[str] = []
    if title is not None:
        row.title = _text(title, "title", max_length=128, required=True)
        changed.append("title")
    if end_date is not None or clear_end_date:
        row.end_date = None if clear_end_date else end_date
        changed.append("end_date")
    if review_date is not None:
        row.review_date = review_date
        changed.append("review_date")
    if owner is not None:
        _check_owner(owner, row.institution_id)
        row.owner = owner
        changed.append("owner")
    if horizon is not None:
        if not 1 <= horizon <= MAX_HORIZON_DAYS:
            raise _invalid("horizon_days", max=MAX_HORIZON_DAYS)
        row.horizon_days = horizon
        changed.append("horizon_days")
    _check_dates(row.start_date, row.end_date, row.review_date)
    row.save(update_fields=changed or ["title"])
    if "end_date" in changed and row.end_date is not None:
        _cancel_occurrences(
            PlanOccurrence.objects.filter(intervention__plan=row, date__gt=row.end_date),
            plan=row,
            user=actor.user,
            reason="care plan end date moved / 护理计划结束日期提前",
        )
    _audit(actor, "update", row, changed)
    return row


@transaction.atomic
def activate_plan(*, actor: Actor, plan: CarePlan) -> CarePlan:
    """draft -> active: from now on the plan generates visits."""
    row = _lock_plan(plan)
    require_change(actor, row)
    if row.status != CarePlanStatus.DRAFT:
        raise PlanState(details={"status": row.status})
    if row.end_date is not None and row.end_date < clock.today():
        raise _invalid("end_date")
    row.status = CarePlanStatus.ACTIVE
    row.activated_by, row.activated_at = actor.user, clock.now()
    row.save(update_fields=["status", "activated_by", "activated_at"])
    _audit(actor, "activate", row, ["status"])
    return row


@transaction.atomic
def end_plan(*, actor: Actor | None, plan: CarePlan, reason: str) -> CarePlan:
    """draft/active -> ended; the generated visits from today that have not started are
    cancelled. ``actor=None``: the daily job ending a plan past its end date."""
    row = _lock_plan(plan)
    if actor is not None:
        require_change(actor, row)
    if row.status == CarePlanStatus.ENDED:
        raise PlanState(details={"status": row.status})
    why = _text(reason, "reason", max_length=256, required=True)
    row.status = CarePlanStatus.ENDED
    row.ended_by = actor.user if actor else None
    row.ended_at = clock.now()
    row.end_reason = why
    row.save(update_fields=["status", "ended_by", "ended_at", "end_reason"])
    user = actor.user if actor else (row.activated_by or row.owner)
    cancelled = _cancel_occurrences(
        PlanOccurrence.objects.filter(intervention__plan=row, date__gte=clock.today()),
        plan=row,
        user=user,
        reason=f"care plan ended / 护理计划结束: {why}",
    )
    _audit(actor, "end", row, ["status", "end_reason"], cancelled=cancelled)
    return row


@transaction.atomic
def add_goal(
    *,
    actor: Actor,
    plan: CarePlan,
    description: str,
    target: str = "",
    target_date: dt.date | None = None,
) -> Goal:
    row = _lock_plan(plan)
    require_change(actor, row)
    if row.status == CarePlanStatus.ENDED:
        raise PlanState(details={"status": row.status})
    goal = Goal.objects.create(
        plan=row,
        description=_text(description, "description", max_length=256, required=True),
        target=_text(target, "target", max_length=128),
        target_date=target_date,
        created_by=actor.user,
        created_at=clock.now(),
    )
    _audit(actor, "add_goal", row, ["goals"], goal=goal.pk)
    return goal


@transaction.atomic
def set_goal_status(*, actor: Actor, goal: Goal, status: str) -> Goal:
    row = (
        Goal.objects.select_for_update(of=("self",))
        .select_related("plan", "plan__elder")
        .get(pk=goal.pk)
    )
    require_change(actor, row.plan)
    if status not in GoalStatus.values:
        raise _invalid("status")
    row.status = status
    row.save(update_fields=["status"])
    _audit(actor, "goal_status", row.plan, ["goals"], goal=row.pk, status=status)
    return row


# --- interventions ----------------------------------------------------------------------


def _item(code: str) -> Any:
    from doorstep.catalog.models import ServiceItem

    item = ServiceItem.objects.filter(code=(code or "").strip(), is_active=True).first()
    if item is None:
        raise UnknownItem(details={"field": "item_code"})
    return item


def _provider(provider_id: int | None, institution_id: int) -> Any:
    if provider_id is None:
        return None
    from doorstep.workforce.models import Provider

    row = Provider.objects.filter(
        pk=provider_id, institution_id=institution_id, verification_status="verified"
    ).first()
    if row is None:
        raise InvalidProvider(details={"field": "preferred_provider_id"})
    return row


def _frequency(
    kind: str, weekdays: Iterable[int] | None, interval: int | None
) -> frequency.Frequency:
    try:
        return frequency.check(kind, tuple(weekdays or ()), interval)
    except frequency.InvalidFrequency as exc:
        raise _invalid(exc.field) from exc


def freq_of(intervention: Intervention) -> frequency.Frequency:
    return frequency.Frequency(
        intervention.frequency, tuple(intervention.weekdays or ()), intervention.interval_days
    )


@transaction.atomic
def add_intervention(
    *,
    actor: Actor,
    plan: CarePlan,
    item_code: str,
    frequency_kind: str,
    weekdays: Iterable[int] | None = None,
    interval_days: int | None = None,
    time_from: dt.time,
    time_to: dt.time | None = None,
    preferred_provider_id: int | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    goal_id: int | None = None,
    note: str = "",
    proposal: Any = None,
    replaces: Intervention | None = None,
) -> Intervention:
    """Add a catalogue item at a frequency to an open plan. The window: ``time_from``
    (the visit is booked to start then) to ``time_to`` (latest start; default + 2 h)."""
    row = _lock_plan(plan)
    require_change(actor, row)
    if row.status == CarePlanStatus.ENDED:
        raise PlanState(details={"status": row.status})
    item = _item(item_code)
    freq = _frequency(frequency_kind, weekdays, interval_days)
    latest = (
        time_to
        or (dt.datetime.combine(dt.date(2000, 1, 1), time_from) + dt.timedelta(hours=2)).time()
    )
    if latest <= time_from:
        raise _invalid("time_to")
    start = start_date or max(row.start_date, clock.today())
    if start < row.start_date or (row.end_date and start > row.end_date):
        raise _invalid("start_date")
    if end_date is not None and (end_date < start or (row.end_date and end_date > row.end_date)):
        raise _invalid("end_date")
    goal = None
    if goal_id is not None:
        goal = Goal.objects.filter(pk=goal_id, plan=row).first()
        if goal is None:
            raise _invalid("goal_id")
    made = Intervention.objects.create(
        plan=row,
        goal=goal,
        item=item,
        frequency=freq.kind,
        weekdays=list(freq.weekdays),
        interval_days=freq.interval_days,
        time_from=time_from,
        time_to=latest,
        preferred_provider=_provider(preferred_provider_id, row.institution_id),
        start_date=start,
        end_date=end_date,
        note=_text(note, "note", max_length=256),
        proposal=proposal,
        replaces=replaces,
        created_by=actor.user,
        created_at=clock.now(),
    )
    _audit(
        actor,
        "add_intervention",
        row,
        ["interventions"],
        intervention=made.pk,
        item=item.code,
        **freq.as_dict(),
    )
    return made


def _lock_intervention(intervention: Intervention) -> Intervention:
    return (
        Intervention.objects.select_for_update(of=("self",))
        .select_related("plan", "plan__elder", "item")
        .get(pk=intervention.pk)
    )


@transaction.atomic
def remove_intervention(
    *, actor: Actor, intervention: Intervention, reason: str = ""
) -> Intervention:
    """Remove an intervention: its generated visits from today that have not started are
    cancelled; the history (booked, done, skipped days) stays."""
    row = _lock_intervention(intervention)
    require_change(actor, row.plan)
    if row.status != InterventionStatus.ACTIVE:
        raise InterventionNotActive()
    row.status = InterventionStatus.REMOVED
    row.removed_by, row.removed_at = actor.user, clock.now()
    row.save(update_fields=["status", "removed_by", "removed_at"])
    why = _text(reason, "reason", max_length=200) or "intervention removed"
    cancelled = _cancel_occurrences(
        row.occurrences.filter(date__gte=clock.today()),
        plan=row.plan,
        user=actor.user,
        reason=f"care plan changed / 护理计划调整: {why}",
    )
    _audit(
        actor,
        "remove_intervention",
        row.plan,
        ["interventions"],
        intervention=row.pk,
        cancelled=cancelled,
    )
    return row


@transaction.atomic
def edit_intervention(
    *,
    actor: Actor,
    intervention: Intervention,
    frequency_kind: str | None = None,
    weekdays: Iterable[int] | None = None,
    interval_days: int | None = None,
    time_from: dt.time | None = None,
    time_to: dt.time | None = None,
    preferred_provider_id: int | None = None,
    clear_preferred_provider: bool = False,
    end_date: dt.date | None = None,
    note: str | None = None,
) -> Intervention:
    """Change an intervention. The note, preferred provider and end date change in place
    (an earlier end cancels the visits after it). A new schedule (frequency or time
    window) replaces it: the old one is removed (its future visits cancelled) and a new
    one starts tomorrow, pointing back to it (``replaces``); the new one is returned."""
    row = _lock_intervention(intervention)
    require_change(actor, row.plan)
    if row.status != InterventionStatus.ACTIVE:
        raise InterventionNotActive()
    new_freq = None
    if frequency_kind is not None:
        new_freq = _frequency(frequency_kind, weekdays, interval_days)
    schedule_changed = (new_freq is not None and new_freq != freq_of(row)) or (
        (time_from is not None and time_from != row.time_from)
        or (time_to is not None and time_to != row.time_to)
    )
    if schedule_changed:
        freq = new_freq or freq_of(row)
        tomorrow = clock.today() + dt.timedelta(days=1)
        start = max(tomorrow, row.start_date)
        remove_intervention(actor=actor, intervention=row, reason="schedule changed")
        return add_intervention(
            actor=actor,
            plan=row.plan,
            item_code=row.item.code,
            frequency_kind=freq.kind,
            weekdays=freq.weekdays,
            interval_days=freq.interval_days,
            time_from=time_from or row.time_from,
            time_to=time_to or (row.time_to if time_from is None else None),
            preferred_provider_id=(
                None
                if clear_preferred_provider
                else preferred_provider_id or row.preferred_provider_id
            ),
            start_date=start,
            end_date=end_date or row.end_date,
            goal_id=row.goal_id,
            note=row.note if note is None else note,
            replaces=row,
        )
    changed: list[str] = []
    if note is not None:
        row.note = _text(note, "note", max_length=256)
        changed.append("note")
    if clear_preferred_provider:
        row.preferred_provider = None
        changed.append("preferred_provider")
    elif preferred_provider_id is not None:
        row.preferred_provider = _provider(preferred_provider_id, row.plan.institution_id)
        changed.append("preferred_provider")
    if end_date is not None:
        plan_end = row.plan.end_date
        if end_date < row.start_date or (plan_end and end_date > plan_end):
            raise _invalid("end_date")
        row.end_date = end_date
        changed.append("end_date")
    if changed:
        row.save(update_fields=changed)
    if end_date is not None:
        _cancel_occurrences(
            row.occurrences.filter(date__gt=end_date),
            plan=row.plan,
            user=actor.user,
            reason="care plan changed / 护理计划调整: end date",
        )
    _audit(actor, "edit_intervention", row.plan, changed, intervention=row.pk)
    return row


# --- generation -------------------------------------------------------------------------


@dataclass
class GenerationResult:
    plan_id: int
    booked: int = 0
    skipped: int = 0
    unchanged: int = 0
    through: dt.date | None = None
    codes: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "booked": self.booked,
            "skipped": self.skipped,
            "unchanged": self.unchanged,
            "through": self.through.isoformat() if self.through else None,
            "codes": dict(self.codes),
        }


def planned_days(
    intervention: Intervention, plan: CarePlan, *, first: dt.date, last: dt.date
) -> list[dt.date]:
    """The days of ``intervention`` from ``first`` to ``last`` within the plan's and the
    intervention's dates."""
    ends = [d for d in (last, plan.end_date, intervention.end_date) if d is not None]
    return list(
        frequency.dates(
            freq_of(intervention),
            anchor=intervention.start_date,
            start=max(first, plan.start_date),
            end=min(ends),
        )
    )


def _waiting_for_assessment(plan: CarePlan, item: Any, day: dt.date) -> bool:
    """The item needs a first-visit assessment, none valid on ``day`` exists and one is
    already requested: book the rest once it is decided (one request, not one a day)."""
    if not item.requires_assessment:
        return False
    from doorstep.orders.enums import AssessmentDecision
    from doorstep.orders.models import Assessment
    from doorstep.orders.services import valid_assessment

    if valid_assessment(
        elder=plan.elder, institution_id=plan.institution_id, category_id=item.category_id, on=day
    ):
        return False
    return Assessment.objects.filter(
        elder_id=plan.elder_id,
        institution_id=plan.institution_id,
        category_id=item.category_id,
        decision=AssessmentDecision.PENDING,
    ).exists()


def _book(
    plan: CarePlan, intervention: Intervention, day: dt.date, user: Any
) -> tuple[str, Any, str, dict[str, Any]]:
    """Place the order of one day: (status, order, error code, details)."""
    from doorstep.orders.enums import Channel
    from doorstep.orders.services import place_order

    if _waiting_for_assessment(plan, intervention.item, day):
        return OccurrenceStatus.SKIPPED, None, AWAITING_ASSESSMENT_CODE, {}
    need = intervention.note or ""
    try:
        with transaction.atomic():
            order = place_order(
                actor=booking_actor(plan.institution_id, user),
                elder=plan.elder,
                institution=plan.institution,
                item=intervention.item,
                window_start=local_start(day, intervention.time_from),
                channel=Channel.CARE_PLAN,
                need_text=f"{plan.title}: {need}".strip().rstrip(":")[:500],
            )
    except ApplicationError as exc:
        return OccurrenceStatus.SKIPPED, None, exc.code, dict(exc.details or {})
    return OccurrenceStatus.BOOKED, order, "", {}


def _generate_day(
    plan: CarePlan, intervention: Intervention, day: dt.date, user: Any, result: GenerationResult
) -> None:
    now = clock.now()
    with transaction.atomic():
        occ, created = PlanOccurrence.objects.select_for_update().get_or_create(
            intervention=intervention,
            date=day,
            defaults={
                "window_start": local_start(day, intervention.time_from),
                "status": OccurrenceStatus.SKIPPED,
                "error_code": "pending",
                "created_at": now,
                "updated_at": now,
            },
        )
        if not created and occ.status != OccurrenceStatus.SKIPPED:
            result.unchanged += 1
            return
        status, order, code, details = _book(plan, intervention, day, user)
        occ.status, occ.order, occ.error_code, occ.error_details = status, order, code, details
        occ.window_start = local_start(day, intervention.time_from)
        occ.attempts += 1
        occ.updated_at = now
        occ.save()
    if status == OccurrenceStatus.BOOKED:
        result.booked += 1
    else:
        result.skipped += 1
        result.codes[code] = result.codes.get(code, 0) + 1


def _generate(plan: CarePlan, user: Any, today: dt.date | None = None) -> GenerationResult:
    day0 = today or clock.today()
    first = day0 + dt.timedelta(days=1)
    last = day0 + dt.timedelta(days=horizon_days(plan))
    result = GenerationResult(plan_id=plan.pk, through=last)
    interventions = list(
        plan.interventions.filter(status=InterventionStatus.ACTIVE)
        .select_related("item")
        .order_by("id")
    )
    for intervention in interventions:
        for day in planned_days(intervention, plan, first=first, last=last):
            _generate_day(plan, intervention, day, user, result)
    CarePlan.objects.filter(pk=plan.pk).update(generated_through=last)
    plan.generated_through = last
    return result


def generate_plan(*, actor: Actor, plan: CarePlan) -> GenerationResult:
    """Book the plan's visits for the horizon now ("generate"); idempotent."""
    row = CarePlan.objects.select_related("elder", "institution").get(pk=plan.pk)
    require_change(actor, row)
    if row.status != CarePlanStatus.ACTIVE:
        raise PlanState(details={"status": row.status})
    result = _generate(row, actor.user)
    _audit(actor, "generate", row, [], **result.as_dict())
    return result


def generate_one(plan: CarePlan) -> GenerationResult:
    """One active plan's horizon as the daily job books it (the management command)."""
    result = _generate(plan, plan.activated_by or plan.owner)
    _audit(None, "generate", plan, [], **result.as_dict())
    return result


def generate_due(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily job: end active plans past their end date (cancelling what is left),
    then generate every active plan's horizon, as the clinician who activated it. One
    plan's failure is logged and does not stop the others."""
    day = today or clock.today()
    totals = {"plans": 0, "ended": 0, "booked": 0, "skipped": 0, "failed": 0}
    for plan in CarePlan.objects.filter(status=CarePlanStatus.ACTIVE, end_date__lt=day).order_by(
        "id"
    ):
        end_plan(actor=None, plan=plan, reason="end date reached / 已到结束日期")
        totals["ended"] += 1
    plans = CarePlan.objects.filter(status=CarePlanStatus.ACTIVE).select_related(
        "elder", "institution"
    )
    for plan in plans.order_by("id"):
        try:
            result = _generate(plan, plan.activated_by or plan.owner, day)
        except Exception:  # one plan must not stop the run
            logger.exception("care plan %s: generation failed", plan.pk)
            totals["failed"] += 1
            continue
        _audit(None, "generate", plan, [], **result.as_dict())
        totals["plans"] += 1
        totals["booked"] += result.booked
        totals["skipped"] += result.skipped
    return totals


# --- cancellation -----------------------------------------------------------------------


def _cancel_occurrences(
    occurrences: QuerySet[PlanOccurrence], *, plan: CarePlan, user: Any, reason: str
) -> int:
    """Cancel the given occurrences' visits that have not started (institution side,
    through ``orders.services.cancel``) and mark the occurrences cancelled; a visit that
    has started stays (its occurrence stays booked). Returns the visits cancelled."""
    from doorstep.orders.models import Visit
    from doorstep.orders.services import cancel

    actor = booking_actor(plan.institution_id, user)
    count = 0
    rows = list(
        occurrences.select_for_update(of=("self",))
        .filter(status__in=[OccurrenceStatus.BOOKED, OccurrenceStatus.SKIPPED])
        .select_related("order")
        .order_by("date", "id")
    )
    for occ in rows:
        started = False
        order = occ.order
        if order is not None:
            for visit in Visit.objects.filter(order=order).order_by("seq"):
                if visit.status not in NOT_STARTED:
                    started = started or visit.status not in {"cancelled", "rejected"}
                    continue
                try:
                    with transaction.atomic():
                        cancel(actor=actor, order=order, visit=visit, reason=reason[:250])
                    count += 1
                except ApplicationError as exc:  # moved on meanwhile
                    started = True
                    occ.error_details = {**occ.error_details, "cancel_error": exc.code}
        if started:
            occ.save(update_fields=["error_details"])
            continue
        occ.status = OccurrenceStatus.CANCELLED
        occ.updated_at = clock.now()
        occ.save(update_fields=["status", "updated_at", "error_details"])
    return count


# --- reads ------------------------------------------------------------------------------


def plans_of(elder: Elder) -> QuerySet[CarePlan]:
    return (
        CarePlan.objects.filter(elder=elder).select_related("institution", "owner").order_by("-id")
    )


def open_plan(elder: Elder, institution_id: int) -> CarePlan | None:
    return CarePlan.objects.filter(
        elder=elder,
        institution_id=institution_id,
        status__in=[CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE],
    ).first()


def occurrences_of(plan: CarePlan, *, since: dt.date | None = None) -> QuerySet[PlanOccurrence]:
    qs = PlanOccurrence.objects.filter(intervention__plan=plan).select_related(
        "intervention__item", "order"
    )
    if since is not None:
        qs = qs.filter(date__gte=since)
    return qs.order_by("date", "window_start", "id")


def visit_status_by_order(order_ids: Iterable[int]) -> dict[int, str]:
    """The first visit's status per order (care-plan orders have one visit)."""
    from doorstep.orders.models import Visit

    out: dict[int, str] = {}
    for order_id, status in (
        Visit.objects.filter(order_id__in=list(order_ids))
        .order_by("order_id", "seq")
        .values_list("order_id", "status")
    ):
        out.setdefault(order_id, status)
    return out


def access_plan(*, actor: Actor, plan_id: int, part: str = "care_plan") -> CarePlan:
    """A plan whose elder's record the actor may see (404 otherwise); the read audited."""
    plan = (
        CarePlan.objects.select_related("elder", "institution", "owner").filter(pk=plan_id).first()
    )
    if plan is None:
        raise NotFound()
    access.require(actor, plan.elder, "view")
    access.record_read(actor, plan.elder, part)
    return plan


def access_intervention(*, actor: Actor, intervention_id: int) -> Intervention:
    row = (
        Intervention.objects.select_related("plan", "plan__elder", "item")
        .filter(pk=intervention_id)
        .first()
    )
    if row is None:
        raise NotFound()
    access.require(actor, row.plan.elder, "view")
    return row


def planned_items(elder_id: int) -> frozenset[str]:
    return frozenset(
        Intervention.objects.filter(
            plan__elder_id=elder_id,
            plan__status__in=[CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE],
            status=InterventionStatus.ACTIVE,
        ).values_list("item__code", flat=True)
    )


def booked_items(elder_id: int, since: dt.datetime) -> frozenset[str]:
    from doorstep.orders.models import Visit

    return frozenset(
        Visit.objects.filter(
            order__elder_id=elder_id, status__in=sorted(OPEN_VISIT), window_start__gte=since
        ).values_list("order__item__code", flat=True)
    )


def preferred_providers(visit_ids: Iterable[int]) -> dict[int, int]:
    """visit id -> the preferred provider of the care-plan intervention that booked it
    (for dispatch's continuity preference, ADR 0027); visits without one are absent."""
    from doorstep.orders.models import Visit

    ids = list(visit_ids)
    by_order = dict(
        PlanOccurrence.objects.filter(
            order__isnull=False, intervention__preferred_provider__isnull=False
        )
        .filter(order__visits__pk__in=ids)
        .values_list("order_id", "intervention__preferred_provider_id")
    )
    return {
        pk: by_order[order_id]
        for pk, order_id in Visit.objects.filter(
            pk__in=ids, order_id__in=list(by_order)
        ).values_list("pk", "order_id")
    }
