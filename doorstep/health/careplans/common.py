"""Constants, error classes and helpers shared by the care-plan modules (ADR 0027)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.enums import Role
from doorstep.accounts.models import Membership
from doorstep.accounts.policy import Actor, Grant
from doorstep.core import audit, clock
from doorstep.core.errors import Conflict, Forbidden, ValidationFailed
from doorstep.people.models import Elder

from .. import access, frequency
from ..models import (
    CarePlan,
    Intervention,
)

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


def freq_of(intervention: Intervention) -> frequency.Frequency:
    return frequency.Frequency(
        intervention.frequency, tuple(intervention.weekdays or ()), intervention.interval_days
    )
