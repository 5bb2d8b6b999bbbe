"""Editing care plans: plans, goals and interventions (the services; ADR 0027).

Ending a plan, removing an intervention or changing its schedule cancels its future
visits that have not started (``cancellation``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.people.models import Elder

from .. import access, frequency
from ..models import (
    CarePlan,
    CarePlanStatus,
    Goal,
    GoalStatus,
    Intervention,
    InterventionStatus,
    PlanOccurrence,
)
from .cancellation import _cancel_occurrences
from .common import (
    DEFAULT_REVIEW_DAYS,
    MAX_HORIZON_DAYS,
    InterventionNotActive,
    InvalidProvider,
    PlanExists,
    PlanState,
    UnknownItem,
    _audit,
    _check_dates,
    _check_owner,
    _invalid,
    _lock_plan,
    _text,
    freq_of,
    require_change,
    resolve_institution,
)

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
