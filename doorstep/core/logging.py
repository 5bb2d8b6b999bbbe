"""A log filter that masks anything that looks like a resident ID or a mobile number."""

from __future__ import annotations

import logging
import re

_ID = re.compile(r"\b\d{17}[\dXx]\b")
_PHONE = re.compile(r"\b1[3-9]\d{9}\b")


def redact(text: str) -> str:
    text = _ID.sub("[id-redacted]", text)
    return _PHONE.sub("[phone-redacted]", text)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
