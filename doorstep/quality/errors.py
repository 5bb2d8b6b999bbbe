"""Stable error codes of the quality app (see docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import Conflict, Forbidden, ValidationFailed


class AlreadyBlacklisted(Conflict):
    default_code = "already_blacklisted"
    default_message = _("This patient is already on the institution's blacklist.")


class AlreadyLifted(Conflict):
    default_code = "already_lifted"
    default_message = _("This has already been lifted.")


class ReasonRequired(ValidationFailed):
    default_code = "reason_required"
    default_message = _("Please give a reason.")


class InvalidDates(ValidationFailed):
    default_code = "invalid_dates"
    default_message = _("The dates are not valid.")


class InvalidChoice(ValidationFailed):
    default_code = "invalid_choice"
    default_message = _("This value is not one of the allowed choices.")


class RemovalNeedsAdmin(Forbidden):
    default_code = "removal_needs_admin"
    default_message = _("Only the institution's administrator can remove a provider.")


class ProviderWithoutInstitution(ValidationFailed):
    default_code = "provider_without_institution"
    default_message = _("This provider has no practice institution to sanction them.")


class VisitNotCompleted(Conflict):
    default_code = "visit_not_completed"
    default_message = _("Only a completed visit can be rated.")


class AlreadyRated(Conflict):
    default_code = "already_rated"
    default_message = _("This visit has already been rated.")


class InvalidScore(ValidationFailed):
    default_code = "invalid_score"
    default_message = _("Each score must be a whole number from 1 to 5.")


class IllegalTransition(Conflict):
    default_code = "illegal_transition"
    default_message = _("This step is not allowed from the current status.")


class OutcomeRequired(ValidationFailed):
    default_code = "outcome_required"
    default_message = _("Please describe the outcome.")


class DescriptionRequired(ValidationFailed):
    default_code = "description_required"
    default_message = _("Please describe the problem.")


class ReviewClosed(Conflict):
    default_code = "review_closed"
    default_message = _("This quality review is already closed.")


class TextTooLong(ValidationFailed):
    default_code = "text_too_long"
    default_message = _("The text is too long (at most 2000 characters).")
