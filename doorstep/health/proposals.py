"""Proactive proposals: the rules (``rules``) evaluated on an elder's record, stored for
clinical staff to accept or dismiss (ADR 0027).

``evaluate_elder`` turns the record into ``rules.Facts`` (a handful of queries), runs the
pure rules and stores what is new: at most one open proposal per key (rule + subject, a
partial unique constraint), and a proposal staff already decided is not raised again on
the same evidence (``fingerprint``), only when the data behind it changes. Accepting
creates an intervention on the elder's open plan with the actor's institution (a draft
plan is started if there is none) for recurring actions, and places a one-off order
through ``orders.services.place_order`` for the others; a refusal of the orders services
refuses the acceptance and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.errors import Conflict, NotFound, ValidationFailed
from doorstep.people.access import audit_institution
from doorstep.people.models import Elder

from . import access, careplans, recommendations, rules
from .enums import EntryStatus, LineStatus
from .models import (
    AssessmentResult,
    BodyLine,
    CarePlan,
    CareProposal,
    Observation,
    ProposalStatus,
)

READING_DAYS = 60
SCORE_DAYS = 400
DEFAULT_ONE_OFF_TIME = dt.time(9, 0)


class ProposalDecided(Conflict):
    default_code = "proposal_decided"
    default_message = _("This proposal has already been accepted or dismissed.")


class ReasonRequired(ValidationFailed):
    default_code = "reason_required"
    default_message = _("Please give a reason.")


def one_off_time() -> dt.time:
    raw = getattr(settings, "HEALTH_CAREPLAN_ONE_OFF_TIME", "")
    return dt.time.fromisoformat(raw) if raw else DEFAULT_ONE_OFF_TIME


def facts_for(elder: Elder, *, now: dt.datetime | None = None) -> rules.Facts:
    """The record as the rules see it: recent readings, assessment results, lines in
    place, what is planned and what is booked."""
    at = now or clock.now()
    readings = tuple(
        rules.Reading(
            id=o.pk,
            kind=o.kind,
            value=o.value,
            value2=o.value2,
            at=o.measured_at,
            context=o.context,
        )
        for o in Observation.objects.filter(
            elder=elder,
            status=EntryStatus.FINAL,
            measured_at__gte=at - dt.timedelta(days=READING_DAYS),
            measured_at__lte=at,
            kind__in=["blood_pressure", "glucose", "weight", "spo2"],
        ).only("id", "kind", "value", "value2", "measured_at", "context")
    )
    scores = tuple(
        rules.Score(id=r.pk, instrument=r.instrument, score=r.score, band=r.band, at=r.assessed_at)
        for r in AssessmentResult.objects.filter(
            elder=elder,
            status=EntryStatus.FINAL,
            assessed_at__gte=at - dt.timedelta(days=SCORE_DAYS),
            assessed_at__lte=at,
        ).only("id", "instrument", "score", "band", "assessed_at")
    )
    lines = tuple(
        rules.Line(
            id=line.pk,
            kind=line.kind,
            inserted_on=line.inserted_on,
            maintenance_days=line.maintenance_days,
            last_maintained_on=line.last_maintained_on,
        )
        for line in BodyLine.objects.filter(elder=elder, status=LineStatus.IN_PLACE)
    )
    local_midnight = careplans.local_start(clock.today(), dt.time(0, 0))
    return rules.Facts(
        now=at,
        today=clock.today(),
        readings=readings,
        scores=scores,
        lines=lines,
        planned_items=careplans.planned_items(elder.pk),
        booked_items=careplans.booked_items(elder.pk, local_midnight),
    )


def fingerprint(proposal: rules.Proposal) -> str:
    raw = json.dumps(list(proposal.evidence), sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _store(elder: Elder, proposal: rules.Proposal) -> CareProposal | None:
    """Store ``proposal`` unless the same one is open, or was decided on this evidence."""
    print_ = fingerprint(proposal)
    same = CareProposal.objects.filter(elder=elder, key=proposal.key)
    if same.filter(status=ProposalStatus.OPEN).exists():
        return None
    if same.filter(fingerprint=print_).exists():
        return None
    try:
        with transaction.atomic():
            return CareProposal.objects.create(
                elder=elder,
                rule=proposal.rule,
                key=proposal.key,
                fingerprint=print_,
                reason_en=proposal.reason_en[:512],
                reason_zh=proposal.reason_zh[:512],
                evidence=list(proposal.evidence),
                actions=[a.as_dict() for a in proposal.actions],
                created_at=clock.now(),
            )
    except IntegrityError:  # a concurrent evaluation stored it first
        return None


def evaluate_elder(*, elder: Elder) -> list[CareProposal]:
    """Run the rules on ``elder``'s record; returns the proposals newly stored."""
    found = rules.evaluate(facts_for(elder))
    made = [row for p in found if (row := _store(elder, p)) is not None]
    if made:
        audit.record(
            actor=None,
            action="care_proposal.create",
            object_type="health_record",
            object_id=elder.pk,
            details={"rules": [p.rule for p in made]},
        )
    return made


def evaluate_for(*, actor: Actor, elder: Elder) -> list[CareProposal]:
    """Clinical staff ask for an evaluation now (the daily job does it for everyone)."""
    access.require(actor, elder, "change")
    return evaluate_elder(elder=elder)


def elders_to_evaluate(*, since: dt.datetime) -> QuerySet[Elder]:
    """Elders with a reading or an assessment since ``since`` or a line in place."""
    recent_obs = Observation.objects.filter(measured_at__gte=since).values("elder_id")
    recent_scores = AssessmentResult.objects.filter(assessed_at__gte=since).values("elder_id")
    lines = BodyLine.objects.filter(status=LineStatus.IN_PLACE).values("elder_id")
    return Elder.objects.filter(
        Q(pk__in=recent_obs) | Q(pk__in=recent_scores) | Q(pk__in=lines)
    ).order_by("pk")


def evaluate_all(*, days: int = READING_DAYS) -> dict[str, int]:
    """The daily job: evaluate every elder with recent data."""
    totals = {"elders": 0, "proposals": 0}
    since = clock.now() - dt.timedelta(days=days)
    for elder in elders_to_evaluate(since=since).iterator(chunk_size=500):
        totals["elders"] += 1
        totals["proposals"] += len(evaluate_elder(elder=elder))
    return totals


# --- decisions --------------------------------------------------------------------------


def access_proposal(*, actor: Actor, proposal_id: int) -> CareProposal:
    """A proposal on a record the actor sees as clinical staff (404 for anyone else:
    proposals are working notes of the care team)."""
    row = CareProposal.objects.select_related("elder").filter(pk=proposal_id).first()
    if row is None or not access.is_staff_for(actor, row.elder, "view"):
        raise NotFound()
    return row


def proposals_of(elder: Elder, *, status: str | None = None) -> QuerySet[CareProposal]:
    qs = CareProposal.objects.filter(elder=elder)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def _lock(proposal: CareProposal) -> CareProposal:
    row = (
        CareProposal.objects.select_for_update(of=("self",))
        .select_related("elder")
        .get(pk=proposal.pk)
    )
    if row.status != ProposalStatus.OPEN:
        raise ProposalDecided(details={"status": row.status})
    return row


def _plan_for(actor: Actor, elder: Elder, institution_id: int) -> CarePlan:
    plan = careplans.open_plan(elder, institution_id)
    if plan is not None:
        return plan
    return careplans.create_plan(
        actor=actor,
        elder=elder,
        title=str(_("Care plan")),
        institution_id=institution_id,
    )


def _audit(actor: Actor, action: str, row: CareProposal, **details: Any) -> None:
    audit.record(
        actor=actor.user,
        action=action,
        object_type="care_proposal",
        object_id=row.pk,
        institution_id=audit_institution(actor),
        changed_fields=["status"],
        details={"elder_id": row.elder_id, "rule": row.rule, **details},
    )


@transaction.atomic
def accept_proposal(
    *,
    actor: Actor,
    proposal: CareProposal,
    institution_id: int | None = None,
    time_from: dt.time | None = None,
) -> CareProposal:
    """Accept: recurring actions become interventions (from tomorrow) on the elder's open
    plan with the actor's institution, one-off actions orders for tomorrow at
    ``time_from`` (default 09:00). All or nothing."""
    from doorstep.orders.enums import Channel
    from doorstep.orders.services import place_order

    access.require(actor, proposal.elder, "change")
    row = _lock(proposal)
    inst = careplans.resolve_institution(actor, row.elder, institution_id)
    at = time_from or one_off_time()
    tomorrow = clock.today() + dt.timedelta(days=1)
    made: dict[str, list[int]] = {"interventions": [], "orders": []}
    plan = None
    for action in row.actions:
        if action["kind"] == "recurring":
            plan = plan or _plan_for(actor, row.elder, inst)
            freq = action.get("frequency") or {}
            days = action.get("days")
            start = max(tomorrow, plan.start_date)
            intervention = careplans.add_intervention(
                actor=actor,
                plan=plan,
                item_code=action["item_code"],
                frequency_kind=freq.get("frequency", "daily"),
                weekdays=freq.get("weekdays") or (),
                interval_days=freq.get("interval_days"),
                time_from=at,
                start_date=start,
                end_date=start + dt.timedelta(days=days - 1) if days else None,
                note=action.get("note", ""),
                proposal=row,
            )
            made["interventions"].append(intervention.pk)
        else:
            from doorstep.catalog.models import ServiceItem
            from doorstep.organizations.models import Institution

            item = ServiceItem.objects.filter(code=action["item_code"], is_active=True).first()
            if item is None:
                raise careplans.UnknownItem(details={"item_code": action["item_code"]})
            order = place_order(
                actor=careplans.booking_actor(inst, actor.user),
                elder=row.elder,
                institution=Institution.objects.get(pk=inst),
                item=item,
                window_start=careplans.local_start(tomorrow, at),
                channel=Channel.CARE_PLAN,
                need_text=f"{action.get('note', '')} — {row.reason_zh}"[:500],
            )
            made["orders"].append(order.pk)
    row.status = ProposalStatus.ACCEPTED
    row.decided_by, row.decided_at = actor.user, clock.now()
    row.result = {**made, "plan_id": plan.pk if plan else None, "institution_id": inst}
    row.save(update_fields=["status", "decided_by", "decided_at", "result"])
    _audit(actor, "care_proposal.accept", row, **made)
    return row


@transaction.atomic
def dismiss_proposal(*, actor: Actor, proposal: CareProposal, reason: str) -> CareProposal:
    access.require(actor, proposal.elder, "change")
    why = " ".join((reason or "").split())
    if not why or len(why) > 256:
        raise ReasonRequired(details={"field": "reason"})
    row = _lock(proposal)
    row.status = ProposalStatus.DISMISSED
    row.decided_by, row.decided_at = actor.user, clock.now()
    row.dismiss_reason = why
    row.save(update_fields=["status", "decided_by", "decided_at", "dismiss_reason"])
    _audit(actor, "care_proposal.dismiss", row)
    return row


def item_names(codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    from doorstep.catalog.models import ServiceItem

    return {
        code: (en, zh)
        for code, en, zh in ServiceItem.objects.filter(code__in=set(codes)).values_list(
            "code", "name_en", "name_zh"
        )
    }


# --- recommendations --------------------------------------------------------------------


def profile_for(elder: Elder) -> recommendations.Profile:
    """The record as ``recommendations.recommend`` sees it."""
    from doorstep.orders.models import Visit

    from .enums import ConditionStatus, MedicationStatus
    from .models import Condition, Medication

    now = clock.now()
    latest: dict[str, recommendations.Latest] = {}
    for r in AssessmentResult.objects.filter(elder=elder, status=EntryStatus.FINAL).order_by(
        "assessed_at", "id"
    ):
        latest[r.instrument] = recommendations.Latest(r.score, r.band, r.assessed_at)
    fasting = tuple(
        Observation.objects.filter(
            elder=elder,
            kind="glucose",
            context="fasting",
            status=EntryStatus.FINAL,
            measured_at__gte=now - dt.timedelta(days=180),
        )
        .order_by("measured_at", "id")
        .values_list("value", flat=True)
    )
    history: dict[str, int] = {}
    for code in Visit.objects.filter(
        order__elder=elder,
        status__in=["completed", "reviewed"],
        window_start__gte=now - dt.timedelta(days=365),
    ).values_list("order__item__code", flat=True):
        history[code] = history.get(code, 0) + 1
    return recommendations.Profile(
        conditions=frozenset(
            Condition.objects.filter(elder=elder, status=ConditionStatus.ACTIVE).values_list(
                "code__code", flat=True
            )
        ),
        scores=latest,
        fasting_glucose=fasting,
        lines=frozenset(
            BodyLine.objects.filter(elder=elder, status=LineStatus.IN_PLACE).values_list(
                "kind", flat=True
            )
        ),
        active_medications=Medication.objects.filter(
            elder=elder, status=MedicationStatus.ACTIVE
        ).count(),
        history=history,
        planned=careplans.planned_items(elder.pk),
    )


def recommendations_for(elder: Elder) -> list[dict[str, Any]]:
    """The suggestions whose item or package exists and is active in the catalogue,
    with its names."""
    from doorstep.catalog.models import ServiceItem, ServicePackage

    found = recommendations.recommend(profile_for(elder))
    items = {
        code: (en, zh)
        for code, en, zh in ServiceItem.objects.filter(
            code__in=[r.code for r in found if r.kind == "item"], is_active=True
        ).values_list("code", "name_en", "name_zh")
    }
    packages = {
        code: (en, zh)
        for code, en, zh in ServicePackage.objects.filter(
            code__in=[r.code for r in found if r.kind == "package"], is_active=True
        ).values_list("code", "name_en", "name_zh")
    }
    out = []
    for r in found:
        names = (items if r.kind == "item" else packages).get(r.code)
        if names is None:
            continue
        out.append(
            {
                "code": r.code,
                "kind": r.kind,
                "name_en": names[0],
                "name_zh": names[1],
                "reason_en": r.reason_en,
                "reason_zh": r.reason_zh,
                "basis": list(r.basis),
            }
        )
    return out
