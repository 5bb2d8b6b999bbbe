"""Masking of identifiers for roles that do not need the full value."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """``110105194912310021`` -> ``110***********0021``: first 3 and last 4 kept."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` -> ``138****5678``."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """``张三丰`` -> ``张**``; ``Li`` -> ``L*``."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
