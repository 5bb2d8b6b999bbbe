"""Error codes of the people app (stable; clients match on ``code``)."""

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import Conflict, Forbidden, ValidationFailed


class DuplicateIdNumber(Conflict):
    default_code = "duplicate_id_number"
    default_message = _("An elder with this resident ID number is already registered.")


class NotAllowedToRegister(Forbidden):
    default_code = "may_not_register_elder"
    default_message = _("You are not allowed to register elders here.")


class NotAllowedToChange(Forbidden):
    default_code = "may_not_change_elder"
    default_message = _("You are not allowed to change this part of the elder's record.")


class ElderProfileExists(Conflict):
    default_code = "elder_profile_exists"
    default_message = _("This login already belongs to a registered elder.")


class FamilyLinkExists(Conflict):
    default_code = "family_link_exists"
    default_message = _("This family member is already linked or has a pending request.")


class FamilyLinkNotPending(Conflict):
    default_code = "family_link_not_pending"
    default_message = _("Only a pending family link can be confirmed.")


class FamilyLinkRevoked(Conflict):
    default_code = "family_link_revoked"
    default_message = _("This family link has already been revoked.")


class NotAFamilyMember(ValidationFailed):
    default_code = "not_a_family_member"
    default_message = _("This user does not hold the family member role.")


class ConsentAlreadyWithdrawn(Conflict):
    default_code = "consent_already_withdrawn"
    default_message = _("This consent has already been withdrawn.")


class InstitutionLinkExists(Conflict):
    default_code = "institution_link_exists"
    default_message = _("The elder is already served by this institution.")


class InvalidInsurance(ValidationFailed):
    default_code = "invalid_insurance"
    default_message = _("The insurance dates or disability level are not valid.")


class InvalidLocation(ValidationFailed):
    default_code = "invalid_location"
    default_message = _("Latitude must be between -90 and 90 and longitude between -180 and 180.")


class InvalidRegion(ValidationFailed):
    default_code = "invalid_region"
    default_message = _("Choose the community (the lowest region level) the elder lives in.")
