"""Template helpers: bilingual names and choice labels."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def local_name(obj: Any) -> str:
    """``name_zh`` in Chinese, ``name_en`` otherwise (each falls back to the other)."""
    zh = getattr(obj, "name_zh", "") or ""
    en = getattr(obj, "name_en", "") or ""
    if (get_language() or "").startswith("zh"):
        return str(zh or en)
    return str(en or zh)


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    """``mapping|lookup:key`` for dicts in templates."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
