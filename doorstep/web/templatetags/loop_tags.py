"""Template helpers of the visit-loop pages: money, choice labels, documentation fields."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from doorstep.orders.enums import RiskFlag, VisitStatus

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    """Integer fen -> ``¥12.50``."""
    try:
        value = int(fen)
    except (TypeError, ValueError):
        return "—"
    sign = "-" if value < 0 else ""
    whole, cents = divmod(abs(value), 100)
    return f"{sign}¥{whole}.{cents:02d}"


@register.filter
def risk_label(code: str) -> str:
    try:
        return str(RiskFlag(code).label)
    except ValueError:
        return code


@register.filter
def status_label(code: str) -> str:
    try:
        return str(VisitStatus(code).label)
    except ValueError:
        return code


@register.filter
def field_label(field: dict[str, Any]) -> str:
    """A documentation-template field's label in the page language."""
    zh = field.get("label_zh") or ""
    en = field.get("label_en") or field.get("key", "")
    if (get_language() or "").startswith("zh"):
        return str(zh or en)
    return str(en or zh)


@register.filter
def unit(code: str) -> str:
    """A UCUM unit for reading: ``mm[Hg]`` -> ``mmHg``."""
    return str(code or "").replace("[", "").replace("]", "")
