from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    """Values the page shell (header, navigation) needs on every page."""
    user = getattr(request, "user", None)
    return {"large_text": bool(getattr(user, "large_text", False))}
