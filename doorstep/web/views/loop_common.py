"""Shared bits of the visit-loop pages: error text, the elders a user books for."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from doorstep.accounts.enums import Role
from doorstep.accounts.policy import Actor
from doorstep.core.errors import ApplicationError
from doorstep.people.access import effective_family_links, elders_visible_to
from doorstep.people.models import Elder

#: Who books from the catalogue pages (operators book through the intake console).
BOOKERS = (Role.ELDER, Role.FAMILY, Role.OPERATOR)
PATIENT_SIDE = (Role.ELDER, Role.FAMILY)
PROVIDERS = (Role.NURSE, Role.CAREGIVER)
REVIEWERS = (Role.INSTITUTION_REVIEWER, Role.INSTITUTION_ADMIN)
DISPATCHERS = (Role.DISPATCHER, Role.INSTITUTION_ADMIN)


def error_text(exc: ApplicationError) -> str:
    """The service's message in the request language, with the reasons it gave."""
    parts = [str(exc.message)]
    details = exc.details or {}
    reasons = details.get("reasons") or []
    parts.extend(str(r.get("message", r.get("code", ""))) for r in reasons if isinstance(r, dict))
    if "distance_m" in details and "max_m" in details:
        parts.append(
            _("You are %(distance)s m from the home; the limit is %(limit)s m.")
            % {"distance": details["distance_m"], "limit": details["max_m"]}
        )
    missing = details.get("missing") or []
    if missing:
        parts.append(_("Missing: %(fields)s") % {"fields": ", ".join(str(m) for m in missing)})
    return " ".join(p for p in parts if p)


def own_elders(actor: Actor) -> QuerySet[Elder]:
    """The elders this elder or family member may book for: themself, and elders linked
    with the place-orders right and consent."""
    ids: set[int] = set()
    if actor.user is None:
        return Elder.objects.none()
    if actor.has(Role.ELDER):
        ids.update(Elder.objects.filter(user_id=actor.user.pk).values_list("pk", flat=True))
    if actor.has(Role.FAMILY):
        ids.update(
            effective_family_links(actor.user.pk, "place_orders").values_list("elder_id", flat=True)
        )
    return elders_visible_to(actor).filter(pk__in=ids).order_by("pk")
