"""Error codes of institutions, service areas and contracts."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import Conflict, NotFound, ValidationFailed


class IllegalTransition(Conflict):
    default_code = "illegal_transition"
    default_message = _("The institution cannot move from its current status to that status.")


class LicenceNumberTaken(Conflict):
    default_code = "licence_number_taken"
    default_message = _("Another institution is registered with this licence number.")


class ServiceAreaExists(Conflict):
    default_code = "service_area_exists"
    default_message = _("The institution already serves this region.")


class ContractSharesSum(ValidationFailed):
    default_code = "contract_shares_sum"
    default_message = _(
        "The platform, institution and provider shares must add up to 10,000 basis points (100%)."
    )


class ContractIncentiveInvalid(ValidationFailed):
    default_code = "contract_incentive_invalid"
    default_message = _(
        "An incentive is not valid: basis points 0 to 10,000, a fixed amount 0 to 1,000 yuan, "
        "times of day, and codes of existing service items."
    )


class ContractDates(ValidationFailed):
    default_code = "contract_dates_invalid"
    default_message = _("The contract must end after it starts.")


class ContractOverlap(Conflict):
    default_code = "contract_overlap"
    default_message = _("The dates overlap another version of the contract.")


class ContractAlreadyEnded(Conflict):
    default_code = "contract_already_ended"
    default_message = _("This contract version already has an end date.")


class InstitutionFieldInvalid(ValidationFailed):
    default_code = "institution_invalid"
    default_message = _("Some institution fields are missing or not valid.")


class InvalidPhone(ValidationFailed):
    default_code = "invalid_phone"
    default_message = _("Enter a telephone number of 5 to 20 digits (spaces and dashes allowed).")


class NoCurrentContract(NotFound):
    default_code = "no_current_contract"
    default_message = _("No contract version is in force on that date.")
