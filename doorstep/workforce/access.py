"""Permission-checked lookups for providers, per ``RULES["provider"]`` (ADR 0002, 0009).

A provider the actor may not see answers 404 (no existence oracle); one they may see but
not act on answers 403. Every user may always see and change their own provider profile
(self-registration happens before any provider role is granted).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from doorstep.accounts.policy import RULES, Actor
from doorstep.core.errors import Forbidden, NotFound

from .models import Provider


def _scope_q(actor: Actor, action: str) -> Q | None:
    """The rows ``actor`` may ``action``, as a Q; ``None`` means every row."""
    table = RULES["provider"].get(action, {})
    parts: list[Q] = []
    for role in sorted(actor.roles):
        scope = table.get(role)
        if scope == "all":
            return None
        if scope == "tenant":
            ids = actor.institution_ids(role)
            if ids:
                parts.append(Q(institution_id__in=sorted(ids)))
        elif scope == "region":
            for path in actor.region_paths(role):
                parts.append(Q(institution__region__path__startswith=path))
        elif scope == "self":
            parts.append(Q(user_id=actor.user_id))
    if action in ("view", "change") and actor.user_id is not None:
        parts.append(Q(user_id=actor.user_id))
    if not parts:
        return Q(pk__in=[])
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def providers_for(actor: Actor, action: str = "view") -> QuerySet[Provider]:
    """Providers ``actor`` may ``action`` (view, change, verify)."""
    if actor.user is None:
        return Provider.objects.none()
    q = _scope_q(actor, action)
    qs = Provider.objects.all()
    return qs if q is None else qs.filter(q)


def may(actor: Actor, provider: Provider, action: str) -> bool:
    return providers_for(actor, action).filter(pk=provider.pk).exists()


def require(actor: Actor, provider: Provider, action: str) -> None:
    """404 when ``actor`` may not see ``provider``; 403 when they may see but not act."""
    if not may(actor, provider, "view"):
        raise NotFound()
    if action != "view" and not may(actor, provider, action):
        raise Forbidden()


def access_provider(*, actor: Actor, provider_id: int, action: str = "view") -> Provider:
    provider = (
        providers_for(actor, "view")
        .select_related("user", "institution", "institution__region", "home_region")
        .filter(pk=provider_id)
        .first()
    )
    if provider is None:
        raise NotFound()
    if action != "view" and not may(actor, provider, action):
        raise Forbidden()
    return provider
