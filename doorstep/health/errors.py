"""Error codes of the health app (stable; clients match on ``code``)."""

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import Conflict, Forbidden, ValidationFailed


class NotAllowedToChangeRecord(Forbidden):
    default_code = "may_not_change_health_record"
    default_message = _("You are not allowed to make this change to the health record.")


class SourceNotAllowed(Forbidden):
    default_code = "observation_source_not_allowed"
    default_message = _("Readings you enter yourself are recorded as self-reported.")


#: Observation value checks (``observations.check``): code -> message.
OBSERVATION_MESSAGES = {
    "observation_kind_unknown": _("Choose one of the observation kinds."),
    "observation_value_invalid": _("Enter a number for this reading."),
    "observation_value_missing": _(
        "Blood pressure needs both the systolic and the diastolic value."
    ),
    "observation_precision": _("This reading has too many decimal places."),
    "observation_out_of_range": _(
        "This value is outside the plausible range for this reading; check it and the unit."
    ),
    "observation_bp_inverted": _("The diastolic pressure must be lower than the systolic."),
    "observation_in_future": _("The time of measurement cannot be in the future."),
    "observation_before_birth": _("The time of measurement is before the elder was born."),
    "observation_context_invalid": _("The glucose context applies to glucose readings only."),
    "observation_visit_mismatch": _("This visit is not a visit of this elder."),
}

#: Assessment answer checks (``instruments.InvalidAnswers``): code -> message.
ANSWER_MESSAGES = {
    "assessment_instrument_unknown": _("Choose one of the assessment instruments."),
    "assessment_answers_invalid": _("The answers must map each item to one of its options."),
    "assessment_answer_unknown": _("This item is not part of the instrument."),
    "assessment_answer_missing": _("Every item of the instrument must be answered."),
    "assessment_answer_invalid": _("This answer is not one of the item's options."),
    "assessment_answers_conflict": _("Answer only one of these alternative items."),
}


class InvalidObservationValue(ValidationFailed):
    default_code = "observation_value_invalid"


class InvalidAnswer(ValidationFailed):
    default_code = "assessment_answer_invalid"


class InvalidEntry(ValidationFailed):
    default_code = "health_entry_invalid"
    default_message = _("Some fields of this entry are not valid.")


class UnknownConditionCode(ValidationFailed):
    default_code = "condition_code_unknown"
    default_message = _("This ICD-10 code is not in the list of conditions.")


class ConditionAlreadyActive(Conflict):
    default_code = "condition_already_active"
    default_message = _("This condition is already on the record.")


class NotActive(Conflict):
    default_code = "health_entry_not_active"
    default_message = _("This entry has already been ended or voided.")


class LtcNeedsBarthel(Conflict):
    default_code = "ltc_needs_barthel"
    default_message = _(
        "The long-term-care level is derived from a Barthel assessment; record one first."
    )


class InvalidDocument(ValidationFailed):
    default_code = "document_invalid"
    default_message = _("Upload a PDF, JPEG or PNG file of at most 10 MB.")
