"""Care plan API (ADR 0027): plans, goals, interventions, activation and end, generation
and the generated visits, proactive proposals and personal recommendations.

Scoped like the record (``access``): the elder, family with consent and clinical staff
caring for the elder see plans (404 for everyone else); clinical staff of the plan's
institution change them (403 ``may_not_change_care_plan`` for the others who see it).
Proposals are the care team's working list: clinical staff only. Every read by someone
other than the elder is audited (``health_record/read`` with the part read).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from doorstep.core.api import ERRORS, actor_of
from doorstep.core.errors import ApplicationError, NotFound

from . import access, careplans, frequency, proposals
from .models import CarePlan, CarePlanStatus, CareProposal, Goal, Intervention, PlanOccurrence

router = Router(tags=["care plans"])


# --- schemas ----------------------------------------------------------------------------


class PlanIn(Schema):
    title: str = Field(..., examples=["高血压与跌倒预防 Hypertension and fall prevention"])
    start_date: dt.date | None = Field(None, description="Default: today.")
    end_date: dt.date | None = None
    review_date: dt.date | None = Field(None, description="Default: start + 90 days.")
    institution_id: int | None = Field(
        None, description="Default: the caller's only clinical institution caring for the elder."
    )
    owner_id: int | None = Field(None, description="A clinician of the institution; default: you.")
    horizon_days: int | None = Field(None, description="Days ahead to book (1-60); default 14.")


class PlanPatch(Schema):
    title: str | None = None
    end_date: dt.date | None = None
    clear_end_date: bool = False
    review_date: dt.date | None = None
    owner_id: int | None = None
    horizon_days: int | None = None


class GoalIn(Schema):
    description: str = Field(..., examples=["血压控制在 140/90 以下"])
    target: str = Field("", examples=["BP < 140/90 mmHg"])
    target_date: dt.date | None = None


class GoalOut(Schema):
    id: int
    description: str
    target: str
    target_date: dt.date | None
    status: str


class InterventionIn(Schema):
    item_code: str = Field(..., examples=["bp_check"])
    frequency: str = Field(..., examples=["weekly"], description="daily, weekly, every_n_days.")
    weekdays: list[int] = Field(
        default_factory=list, examples=[[1, 3, 5]], description="weekly: ISO 1 (Mon)..7 (Sun)."
    )
    interval_days: int | None = Field(None, examples=[3], description="every_n_days: N.")
    time_from: dt.time = Field(..., examples=["09:00"], description="Local time the visit starts.")
    time_to: dt.time | None = Field(None, examples=["11:00"], description="Latest start.")
    preferred_provider_id: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    goal_id: int | None = None
    note: str = ""


class InterventionPatch(Schema):
    frequency: str | None = None
    weekdays: list[int] | None = None
    interval_days: int | None = None
    time_from: dt.time | None = None
    time_to: dt.time | None = None
    preferred_provider_id: int | None = None
    clear_preferred_provider: bool = False
    end_date: dt.date | None = None
    note: str | None = None


class InterventionOut(Schema):
    id: int
    item_code: str
    item_name_en: str
    item_name_zh: str
    frequency: str
    weekdays: list[int]
    interval_days: int | None
    schedule_en: str
    schedule_zh: str
    time_from: dt.time
    time_to: dt.time
    preferred_provider_id: int | None
    start_date: dt.date
    end_date: dt.date | None
    goal_id: int | None
    note: str
    status: str
    replaces_id: int | None
    proposal_id: int | None


class PlanOut(Schema):
    id: int
    elder_id: int
    institution_id: int
    institution_name: str
    title: str
    owner_id: int
    status: str
    start_date: dt.date
    end_date: dt.date | None
    review_date: dt.date
    review_due: bool = Field(
        ..., description="Active and its review date is today or past (the owner is reminded)."
    )
    horizon_days: int
    generated_through: dt.date | None
    end_reason: str
    goals: list[GoalOut]
    interventions: list[InterventionOut]


class PlanSummary(Schema):
    id: int
    institution_id: int
    title: str
    status: str
    start_date: dt.date
    end_date: dt.date | None
    review_date: dt.date
    review_due: bool


class EndIn(Schema):
    reason: str = Field(..., examples=["Goals reached; discharged to self-care."])


class RemoveIn(Schema):
    reason: str = ""


class GenerationOut(Schema):
    plan_id: int
    booked: int
    skipped: int
    unchanged: int
    through: dt.date | None
    codes: dict[str, int]


class OccurrenceOut(Schema):
    id: int
    intervention_id: int
    item_code: str
    date: dt.date
    window_start: dt.datetime
    status: str
    order_id: int | None
    visit_status: str | None
    error_code: str
    error_message: str
    attempts: int


class OccurrenceFilter(Schema):
    since: dt.date | None = Field(None, description="Default: all.")


class ActionOut(Schema):
    item_code: str
    item_name_en: str
    item_name_zh: str
    kind: str
    frequency: dict[str, Any] | None
    days: int | None
    note: str


class ProposalOut(Schema):
    id: int
    rule: str
    status: str
    reason_en: str
    reason_zh: str
    evidence: list[dict[str, Any]]
    actions: list[ActionOut]
    created_at: dt.datetime
    decided_at: dt.datetime | None
    dismiss_reason: str
    result: dict[str, Any]


class ProposalFilter(Schema):
    status: str | None = Field("open", examples=["open"], description="open, accepted, dismissed.")


class AcceptIn(Schema):
    institution_id: int | None = None
    time_from: dt.time | None = Field(None, examples=["09:00"])


class DismissIn(Schema):
    reason: str = Field(..., examples=["Readings taken after exercise; rechecked normal."])


class RecommendationOut(Schema):
    code: str
    kind: str
    name_en: str
    name_zh: str
    reason_en: str
    reason_zh: str
    basis: list[str]


# --- rendering --------------------------------------------------------------------------


def _intervention(i: Intervention) -> InterventionOut:
    en, zh = frequency.describe(careplans.freq_of(i))
    return InterventionOut(
        id=i.pk,
        item_code=i.item.code,
        item_name_en=i.item.name_en,
        item_name_zh=i.item.name_zh,
        frequency=i.frequency,
        weekdays=list(i.weekdays or []),
        interval_days=i.interval_days,
        schedule_en=en,
        schedule_zh=zh,
        time_from=i.time_from,
        time_to=i.time_to,
        preferred_provider_id=i.preferred_provider_id,
        start_date=i.start_date,
        end_date=i.end_date,
        goal_id=i.goal_id,
        note=i.note,
        status=i.status,
        replaces_id=i.replaces_id,
        proposal_id=i.proposal_id,
    )


def _goal(g: Goal) -> GoalOut:
    return GoalOut(
        id=g.pk,
        description=g.description,
        target=g.target,
        target_date=g.target_date,
        status=g.status,
    )


def _plan(plan: CarePlan) -> PlanOut:
    return PlanOut(
        id=plan.pk,
        elder_id=plan.elder_id,
        institution_id=plan.institution_id,
        institution_name=plan.institution.name,
        title=plan.title,
        owner_id=plan.owner_id,
        status=plan.status,
        start_date=plan.start_date,
        end_date=plan.end_date,
        review_date=plan.review_date,
        review_due=careplans.review_due(plan),
        horizon_days=careplans.horizon_days(plan),
        generated_through=plan.generated_through,
        end_reason=plan.end_reason,
        goals=[_goal(g) for g in plan.goals.order_by("id")],
        interventions=[
            _intervention(i) for i in plan.interventions.select_related("item").order_by("id")
        ],
    )


def skip_message(code: str) -> str:
    """The human reason for a skipped day, in the request language (the message of the
    error class with that code; the code itself when none is known)."""
    if code in careplans.SKIP_MESSAGES:
        return str(careplans.SKIP_MESSAGES[code])
    cls = _error_classes().get(code)
    return str(cls.default_message) if cls is not None else code


def _error_classes() -> dict[str, type[ApplicationError]]:
    found: dict[str, type[ApplicationError]] = {}
    todo: list[type[ApplicationError]] = [ApplicationError]
    while todo:
        cls = todo.pop()
        found.setdefault(cls.default_code, cls)
        todo.extend(cls.__subclasses__())
    return found


def occurrence_rows(rows: list[PlanOccurrence]) -> list[OccurrenceOut]:
    statuses = careplans.visit_status_by_order(o.order_id for o in rows if o.order_id)
    return [
        OccurrenceOut(
            id=o.pk,
            intervention_id=o.intervention_id,
            item_code=o.intervention.item.code,
            date=o.date,
            window_start=o.window_start,
            status=o.status,
            order_id=o.order_id,
            visit_status=statuses.get(o.order_id) if o.order_id else None,
            error_code=o.error_code,
            error_message=skip_message(o.error_code) if o.error_code else "",
            attempts=o.attempts,
        )
        for o in rows
    ]


def proposal_out(p: CareProposal) -> ProposalOut:
    names = proposals.item_names(a["item_code"] for a in p.actions)
    return ProposalOut(
        id=p.pk,
        rule=p.rule,
        status=p.status,
        reason_en=p.reason_en,
        reason_zh=p.reason_zh,
        evidence=list(p.evidence),
        actions=[
            ActionOut(
                item_code=a["item_code"],
                item_name_en=names.get(a["item_code"], (a["item_code"], ""))[0],
                item_name_zh=names.get(a["item_code"], ("", a["item_code"]))[1],
                kind=a["kind"],
                frequency=a.get("frequency"),
                days=a.get("days"),
                note=a.get("note", ""),
            )
            for a in p.actions
        ],
        created_at=p.created_at,
        decided_at=p.decided_at,
        dismiss_reason=p.dismiss_reason,
        result=dict(p.result),
    )


def _owner(owner_id: int | None) -> Any:
    if owner_id is None:
        return None
    from doorstep.accounts.models import User

    user = User.objects.filter(pk=owner_id).first()
    if user is None:
        raise careplans.InvalidPlan(details={"field": "owner_id"})
    return user


def _for_change(request: HttpRequest, plan_id: int) -> tuple[Any, CarePlan]:
    actor = actor_of(request)
    plan = CarePlan.objects.select_related("elder", "institution").filter(pk=plan_id).first()
    if plan is None:
        raise NotFound()
    careplans.require_change(actor, plan)
    return actor, plan


# --- plans ------------------------------------------------------------------------------


@router.get("/elders/{elder_id}/care-plans", response={200: list[PlanSummary], **ERRORS})
def list_plans(request: HttpRequest, elder_id: int) -> list[PlanSummary]:
    """The elder's care plans, newest first (every institution's). The elder and family
    see no drafts (the care team's work in progress)."""
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, part="care_plans")
    staff = access.may(actor, elder, "change")
    return [
        PlanSummary(
            id=p.pk,
            institution_id=p.institution_id,
            title=p.title,
            status=p.status,
            start_date=p.start_date,
            end_date=p.end_date,
            review_date=p.review_date,
            review_due=careplans.review_due(p),
        )
        for p in careplans.plans_of(elder)
        if staff or p.status != CarePlanStatus.DRAFT
    ]


@router.post("/elders/{elder_id}/care-plans", response={201: PlanOut, **ERRORS})
def create_plan(request: HttpRequest, elder_id: int, payload: PlanIn) -> Status[PlanOut]:
    """Start a draft plan (clinical staff). 409 ``care_plan_exists`` when the elder has an
    open plan with the institution; 422 ``care_plan_invalid`` (details.field),
    ``care_plan_institution_required``."""
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, action="change")
    plan = careplans.create_plan(
        actor=actor,
        elder=elder,
        title=payload.title,
        start_date=payload.start_date,
        end_date=payload.end_date,
        review_date=payload.review_date,
        institution_id=payload.institution_id,
        owner=_owner(payload.owner_id),
        horizon=payload.horizon_days,
    )
    return Status(201, _plan(plan))


@router.get("/care-plans/{plan_id}", response={200: PlanOut, **ERRORS})
def get_plan(request: HttpRequest, plan_id: int) -> PlanOut:
    actor = actor_of(request)
    return _plan(careplans.access_plan(actor=actor, plan_id=plan_id))


@router.patch("/care-plans/{plan_id}", response={200: PlanOut, **ERRORS})
def update_plan(request: HttpRequest, plan_id: int, payload: PlanPatch) -> PlanOut:
    """Change the title, end date (earlier: its later visits are cancelled), review date,
    owner or horizon of an open plan."""
    actor, plan = _for_change(request, plan_id)
    row = careplans.update_plan(
        actor=actor,
        plan=plan,
        title=payload.title,
        end_date=payload.end_date,
        clear_end_date=payload.clear_end_date,
        review_date=payload.review_date,
        owner=_owner(payload.owner_id),
        horizon=payload.horizon_days,
    )
    return _plan(row)


@router.post("/care-plans/{plan_id}/goals", response={201: GoalOut, **ERRORS})
def add_goal(request: HttpRequest, plan_id: int, payload: GoalIn) -> Status[GoalOut]:
    actor, plan = _for_change(request, plan_id)
    goal = careplans.add_goal(
        actor=actor,
        plan=plan,
        description=payload.description,
        target=payload.target,
        target_date=payload.target_date,
    )
    return Status(201, _goal(goal))


@router.post("/care-plans/{plan_id}/interventions", response={201: InterventionOut, **ERRORS})
def add_intervention(
    request: HttpRequest, plan_id: int, payload: InterventionIn
) -> Status[InterventionOut]:
    """Add a catalogue item at a frequency. 422 ``care_plan_item_unknown``,
    ``care_plan_invalid`` (details.field: frequency, weekdays, interval_days, time_to,
    start_date, end_date, goal_id), ``preferred_provider_invalid``."""
    actor, plan = _for_change(request, plan_id)
    row = careplans.add_intervention(
        actor=actor,
        plan=plan,
        item_code=payload.item_code,
        frequency_kind=payload.frequency,
        weekdays=payload.weekdays,
        interval_days=payload.interval_days,
        time_from=payload.time_from,
        time_to=payload.time_to,
        preferred_provider_id=payload.preferred_provider_id,
        start_date=payload.start_date,
        end_date=payload.end_date,
        goal_id=payload.goal_id,
        note=payload.note,
    )
    return Status(201, _intervention(row))


@router.patch(
    "/care-plans/interventions/{intervention_id}", response={200: InterventionOut, **ERRORS}
)
def edit_intervention(
    request: HttpRequest, intervention_id: int, payload: InterventionPatch
) -> InterventionOut:
    """Change an intervention. A new schedule (frequency or time window) replaces it: the
    answer is the new intervention (``replaces_id`` = this one) and the old one's future
    visits are cancelled."""
    actor = actor_of(request)
    row = careplans.access_intervention(actor=actor, intervention_id=intervention_id)
    new = careplans.edit_intervention(
        actor=actor,
        intervention=row,
        frequency_kind=payload.frequency,
        weekdays=payload.weekdays,
        interval_days=payload.interval_days,
        time_from=payload.time_from,
        time_to=payload.time_to,
        preferred_provider_id=payload.preferred_provider_id,
        clear_preferred_provider=payload.clear_preferred_provider,
        end_date=payload.end_date,
        note=payload.note,
    )
    return _intervention(new)


@router.post(
    "/care-plans/interventions/{intervention_id}/remove",
    response={200: InterventionOut, **ERRORS},
)
def remove_intervention(
    request: HttpRequest, intervention_id: int, payload: RemoveIn
) -> InterventionOut:
    """Remove; its visits from today that have not started are cancelled."""
    actor = actor_of(request)
    row = careplans.access_intervention(actor=actor, intervention_id=intervention_id)
    return _intervention(
        careplans.remove_intervention(actor=actor, intervention=row, reason=payload.reason)
    )


@router.post("/care-plans/{plan_id}/activate", response={200: PlanOut, **ERRORS})
def activate_plan(request: HttpRequest, plan_id: int) -> PlanOut:
    """draft -> active (409 ``care_plan_state`` otherwise)."""
    actor, plan = _for_change(request, plan_id)
    return _plan(careplans.activate_plan(actor=actor, plan=plan))


@router.post("/care-plans/{plan_id}/end", response={200: PlanOut, **ERRORS})
def end_plan(request: HttpRequest, plan_id: int, payload: EndIn) -> PlanOut:
    """End the plan; its visits from today that have not started are cancelled."""
    actor, plan = _for_change(request, plan_id)
    return _plan(careplans.end_plan(actor=actor, plan=plan, reason=payload.reason))


@router.post("/care-plans/{plan_id}/generate", response={200: GenerationOut, **ERRORS})
def generate(request: HttpRequest, plan_id: int) -> GenerationOut:
    """Book the horizon now (idempotent: a day is booked once). Refused days are counted
    in ``skipped`` with their codes; the run does not stop."""
    actor, plan = _for_change(request, plan_id)
    result = careplans.generate_plan(actor=actor, plan=plan)
    return GenerationOut(**result.as_dict())


@router.get("/care-plans/{plan_id}/occurrences", response={200: list[OccurrenceOut], **ERRORS})
def list_occurrences(
    request: HttpRequest, plan_id: int, filters: Query[OccurrenceFilter]
) -> list[OccurrenceOut]:
    """The planned days: booked (order, visit status), skipped (code and reason),
    cancelled; by date."""
    actor = actor_of(request)
    plan = careplans.access_plan(actor=actor, plan_id=plan_id, part="care_plan_visits")
    return occurrence_rows(list(careplans.occurrences_of(plan, since=filters.since)))


# --- proposals and recommendations ------------------------------------------------------


@router.get("/elders/{elder_id}/care-proposals", response={200: list[ProposalOut], **ERRORS})
def list_proposals(
    request: HttpRequest, elder_id: int, filters: Query[ProposalFilter]
) -> list[ProposalOut]:
    """What the proactive rules propose (clinical staff), with the data behind each."""
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, action="change")
    access.record_read(actor, elder, "care_proposals")
    return [proposal_out(p) for p in proposals.proposals_of(elder, status=filters.status)]


@router.post(
    "/elders/{elder_id}/care-proposals/evaluate", response={200: list[ProposalOut], **ERRORS}
)
def evaluate(request: HttpRequest, elder_id: int) -> list[ProposalOut]:
    """Run the rules now; answers the proposals newly raised (the daily job runs them
    for every elder with recent data)."""
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, action="change")
    return [proposal_out(p) for p in proposals.evaluate_for(actor=actor, elder=elder)]


@router.post("/care-proposals/{proposal_id}/accept", response={200: ProposalOut, **ERRORS})
def accept(request: HttpRequest, proposal_id: int, payload: AcceptIn) -> ProposalOut:
    """Accept: recurring actions become interventions on the elder's open plan with your
    institution (a draft plan is started if needed), one-off actions orders for tomorrow.
    409 ``proposal_decided``; an orders refusal (e.g. ``not_offered``) refuses it all."""
    actor = actor_of(request)
    row = proposals.access_proposal(actor=actor, proposal_id=proposal_id)
    done = proposals.accept_proposal(
        actor=actor,
        proposal=row,
        institution_id=payload.institution_id,
        time_from=payload.time_from,
    )
    return proposal_out(done)


@router.post("/care-proposals/{proposal_id}/dismiss", response={200: ProposalOut, **ERRORS})
def dismiss(request: HttpRequest, proposal_id: int, payload: DismissIn) -> ProposalOut:
    """Dismiss with a reason (422 ``reason_required``); the same evidence does not raise it
    again."""
    actor = actor_of(request)
    row = proposals.access_proposal(actor=actor, proposal_id=proposal_id)
    return proposal_out(
        proposals.dismiss_proposal(actor=actor, proposal=row, reason=payload.reason)
    )


@router.get("/elders/{elder_id}/recommendations", response={200: list[RecommendationOut], **ERRORS})
def recommendations(request: HttpRequest, elder_id: int) -> list[RecommendationOut]:
    """Suggested services and packages from the record, each with its reason."""
    actor = actor_of(request)
    elder = access.access_record(actor=actor, elder_id=elder_id, part="recommendations")
    return [RecommendationOut(**r) for r in proposals.recommendations_for(elder)]
