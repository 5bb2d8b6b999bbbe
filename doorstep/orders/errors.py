"""Stable error codes of the orders app (see docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import Conflict, ValidationFailed


class IllegalTransition(Conflict):
    default_code = "illegal_transition"
    default_message = _("This step is not allowed from the visit's current status.")


class NotUnassignable(Conflict):
    default_code = "unassign_not_allowed"
    default_message = _("Only an assigned visit whose provider has not set off can be taken back.")


class AlreadyTaken(Conflict):
    default_code = "already_taken"
    default_message = _("Another provider has already taken this visit.")


class NotInPool(Conflict):
    default_code = "not_in_pool"
    default_message = _("This visit is not offered in the open pool.")


class ProviderNotEligible(Conflict):
    default_code = "provider_not_eligible"
    default_message = _("This provider may not take this visit.")


class BookingBlocked(Conflict):
    default_code = "booking_blocked"
    default_message = _("This institution does not accept bookings for this elder.")


class SlotFull(Conflict):
    default_code = "slot_full"
    default_message = _(
        "This start time is fully booked with this institution. Please choose another time."
    )


class InvalidWindow(ValidationFailed):
    default_code = "invalid_window"
    default_message = _("The visit time is not valid.")


class PaymentNotDue(Conflict):
    default_code = "payment_not_due"
    default_message = _("No payment is due for this order now.")


class AssessmentDecided(Conflict):
    default_code = "assessment_decided"
    default_message = _("This assessment has already been decided.")


class InvalidRiskFlag(ValidationFailed):
    default_code = "invalid_risk_flag"
    default_message = _("Unknown risk flag.")


class TooFarAway(Conflict):
    default_code = "too_far_from_home"
    default_message = _("You are too far from the elder's home to check in.")


class RecordIncomplete(ValidationFailed):
    default_code = "record_incomplete"
    default_message = _("The service record is incomplete or has invalid values.")


class PhotoRejected(ValidationFailed):
    default_code = "photo_rejected"
    default_message = _("Photos must be JPEG, PNG or WebP and at most 5 MB.")


class ReasonRequired(ValidationFailed):
    default_code = "reason_required"
    default_message = _("Please give a reason.")


class CorrectionInvalid(ValidationFailed):
    default_code = "correction_invalid"
    default_message = _("This correction is not valid.")


class CorrectionDecided(Conflict):
    default_code = "correction_decided"
    default_message = _("This correction has already been decided.")


class AlreadyCoSigned(Conflict):
    default_code = "already_cosigned"
    default_message = _("You have already confirmed this visit.")


class InvalidChoice(ValidationFailed):
    default_code = "invalid_choice"
    default_message = _("This value is not one of the allowed choices.")
