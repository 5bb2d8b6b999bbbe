"""Validation of mainland mobile numbers."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import ValidationFailed

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(value: str) -> str:
    """Strip spaces, dashes and a +86/0086 prefix; raise ``invalid_phone`` if not a mobile."""
    digits = re.sub(r"[\s\-]", "", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if not PHONE_RE.match(digits):
        raise ValidationFailed(
            "invalid_phone",
            _("Enter an 11-digit mainland mobile number starting with 1."),
            details={"field": "phone"},
        )
    return digits
