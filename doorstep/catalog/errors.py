"""Stable error codes of the catalogue (see docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import Conflict, ValidationFailed


class PriceAboveCap(ValidationFailed):
    default_code = "price_above_cap"
    default_message = _("The price is above the regional guidance price for this item.")


class OutsideServiceArea(ValidationFailed):
    default_code = "outside_service_area"
    default_message = _("This region is outside the institution's service areas.")


class OfferingExists(Conflict):
    default_code = "offering_exists"
    default_message = _("The institution already offers this item in this region.")


class NotOffered(ValidationFailed):
    default_code = "not_offered"
    default_message = _("No institution offers this item where the elder lives.")


class ItemInactive(ValidationFailed):
    default_code = "item_inactive"
    default_message = _("This service item is not available.")


class ChoiceRequired(ValidationFailed):
    default_code = "item_or_package_required"
    default_message = _("Give exactly one of a service item or a package.")


class InvalidDates(ValidationFailed):
    default_code = "invalid_dates"
    default_message = _("The dates are not consistent.")


class InvalidPrice(ValidationFailed):
    default_code = "invalid_price"
    default_message = _("The price must be a positive amount in fen.")


class LocationRequired(ValidationFailed):
    default_code = "location_required"
    default_message = _("Give an elder or a region to quote for.")


class ClinicalNeedsMedicalInstitution(ValidationFailed):
    default_code = "clinical_needs_medical_institution"
    default_message = _("Only medical institutions may offer clinical nursing items.")


class InvalidPolicy(ValidationFailed):
    default_code = "invalid_pricing_policy"
    default_message = _("Some pricing parameters are out of range.")
