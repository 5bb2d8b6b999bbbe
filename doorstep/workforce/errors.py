"""Stable error codes of the workforce app (see docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import Conflict, ValidationFailed


class IllegalTransition(Conflict):
    default_code = "illegal_transition"
    default_message = _("This verification step is not allowed from the current status.")


class LicenceRequired(ValidationFailed):
    default_code = "licence_required"
    default_message = _("Nurses and doctors need a licence number before they can be verified.")


class LicenceTaken(Conflict):
    default_code = "licence_taken"
    default_message = _("Another provider is already registered with this licence number.")


class ProviderExists(Conflict):
    default_code = "provider_exists"
    default_message = _("This user already has a provider profile.")


class InstitutionRequired(ValidationFailed):
    default_code = "institution_required"
    default_message = _("A practice institution is required for this kind of provider.")


class ReasonRequired(ValidationFailed):
    default_code = "reason_required"
    default_message = _("Please give a reason for the rejection.")


class TitleNotAllowed(ValidationFailed):
    default_code = "title_not_allowed"
    default_message = _("Only nurses hold a title of the nursing series.")


class UnknownPreset(ValidationFailed):
    default_code = "unknown_preset"
    default_message = _("Unknown eligibility preset.")


class InvalidDates(ValidationFailed):
    default_code = "invalid_dates"
    default_message = _("The dates are not consistent.")


class InvalidLocation(ValidationFailed):
    default_code = "invalid_location"
    default_message = _("The home location is not valid.")


class FieldNotEditable(ValidationFailed):
    default_code = "field_not_editable"
    default_message = _(
        "Only the practice institution may change credentials of a verified provider."
    )
