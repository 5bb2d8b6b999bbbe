from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor

from .navigation import pages_for


def shell(request: HttpRequest) -> dict[str, Any]:
    """Values the page shell (header, navigation) needs on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "large_text": bool(request.session.get("large_text", False))
            if hasattr(request, "session")
            else False,
            "nav_pages": [],
            "role_labels": [],
            "unread_count": 0,
            "languages": settings.LANGUAGES,
        }
    from doorstep.notifications.selectors import unread_count

    actor = Actor.of(user)
    labels = dict(Role.choices)
    current = request.path
    nav = [
        {"url": reverse(p.url_name), "label": p.label, "description": p.description}
        for p in pages_for(actor)
    ]
    for item in nav:
        item["current"] = current.startswith(str(item["url"]))
    return {
        "large_text": bool(user.large_text),
        "nav_pages": nav,
        "role_labels": [labels[r] for r in sorted(actor.roles) if r in labels],
        "unread_count": unread_count(user),
        "languages": settings.LANGUAGES,
    }
