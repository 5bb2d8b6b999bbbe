"""Stable error codes of the dispatch app (see docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import Conflict, ValidationFailed


class InvalidDay(ValidationFailed):
    default_code = "invalid_plan_day"
    default_message = _("Plans can be made for today or a later day only.")


class InvalidTimeLimit(ValidationFailed):
    default_code = "invalid_time_limit"
    default_message = _("The time limit must be between 1 and 600 seconds.")


class PlanInProgress(Conflict):
    default_code = "plan_in_progress"
    default_message = _("A plan for this day is already being computed.")


class PlanNotReady(Conflict):
    default_code = "plan_not_decidable"
    default_message = _("This plan cannot be accepted or discarded in its current state.")


class InvalidShift(ValidationFailed):
    default_code = "invalid_shift"
    default_message = _("The shift times are not valid.")


class InvalidEvent(ValidationFailed):
    default_code = "invalid_replan_event"
    default_message = _("The re-planning event is not valid.")


class NothingToReplan(Conflict):
    default_code = "replan_needs_plan"
    default_message = _("Only a finished or accepted plan can be re-planned.")


class SecondProviderNotEligible(Conflict):
    default_code = "second_provider_not_eligible"
    default_message = _("The second provider of this two-provider visit may not take it.")


class VisitNotInPlan(ValidationFailed):
    default_code = "visit_not_in_plan"
    default_message = _("This visit is not part of the plan.")


class ProviderNotInPlan(ValidationFailed):
    default_code = "provider_not_in_plan"
    default_message = _("This provider is not part of the plan.")
