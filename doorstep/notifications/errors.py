"""Error codes of the notifications app (stable; clients match on them)."""

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import ValidationFailed


class InvalidNotification(ValidationFailed):
    default_code = "notification_invalid"
    default_message = _("This notification cannot be sent.")


KIND_INVALID = ("notification_kind_invalid", _("The kind must be a short lowercase code."))
TITLE_INVALID = ("notification_title_invalid", _("The title must be 1 to 200 characters."))
LINK_INVALID = ("notification_link_invalid", _("The link must be a path on this site."))
DATA_INVALID = (
    "notification_data_invalid",
    _("The data must be a small JSON object of ids and codes, without personal data."),
)
SEVERITY_INVALID = ("notification_severity_invalid", _("Unknown severity."))
PARAMS_INVALID = (
    "notification_params_invalid",
    _("The parameters do not match the placeholders of the text."),
)
