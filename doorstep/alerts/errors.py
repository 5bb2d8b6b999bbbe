"""Error codes of the alerts app (stable; clients match on ``code``)."""

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import Conflict, Forbidden, ValidationFailed


class AlertClosed(Conflict):
    default_code = "alert_resolved"
    default_message = _("This alert is already resolved.")


class AlreadyAcknowledged(Conflict):
    default_code = "alert_already_acknowledged"
    default_message = _("This alert has already been acknowledged.")


class NoteRequired(ValidationFailed):
    default_code = "alert_note_required"
    default_message = _("Write a note of 1 to 1,000 characters.")


class MayNotHandle(Forbidden):
    default_code = "alert_may_not_handle"
    default_message = _("You may see this alert but not handle it.")


class NoElderProfile(Forbidden):
    default_code = "sos_no_elder_profile"
    default_message = _("Only an elder with a registered profile can raise an SOS.")


class NotOnVisit(Conflict):
    default_code = "nurse_not_checked_in"
    default_message = _(
        "Your location is shared only while you are checked in at a visit; this visit is not."
    )


class LocationInvalid(ValidationFailed):
    default_code = "location_invalid"
    default_message = _("The location must be a latitude and longitude in degrees.")


class IdempotencyKeyInvalid(ValidationFailed):
    default_code = "idempotency_key_invalid"
    default_message = _("The idempotency key must be 8 to 64 letters, digits, '-' or '_'.")


class ThresholdInvalid(ValidationFailed):
    default_code = "threshold_invalid"
    default_message = _(
        "The thresholds must be numbers in order: critical low, warning low, "
        "warning high, critical high."
    )


class ThresholdUnknownMeasure(ValidationFailed):
    default_code = "threshold_unknown_measure"
    default_message = _(
        "Thresholds exist for systolic, diastolic, glucose, heart_rate, spo2 and temperature."
    )


class ThresholdNotANumber(ValidationFailed):
    default_code = "threshold_not_a_number"
    default_message = _("Each bound must be a number with at most two decimals, or empty.")


class ThresholdEmpty(ValidationFailed):
    default_code = "threshold_empty"
    default_message = _(
        "Set at least one bound, or go back to the platform's defaults for this measure."
    )


class ThresholdOutOfRange(ValidationFailed):
    default_code = "threshold_out_of_range"
    default_message = _(
        "A bound is outside the physiologically possible range for this measure "
        "(%(min)s to %(max)s %(unit)s)."
    )


class SafetyContactUnknownUser(ValidationFailed):
    default_code = "safety_contact_unknown_user"
    default_message = _("There is no active user with this user name.")


class AlarmEmailInvalid(ValidationFailed):
    default_code = "alarm_email_invalid"
    default_message = _("Enter a valid e-mail address.")
