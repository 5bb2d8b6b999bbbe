"""Every state change of the matching app (ADR 0020): offers and their answers, the
timeout sweep, urgent assignment, exclusions.

Lock order, everywhere: offer rows, then (inside ``orders.services.assign_provider``) the
provider row, then the visit row. ``offer_visit`` locks only the visit and inserts; the
partial unique constraint ``matching_one_pending_offer_per_visit`` keeps one pending offer
per visit even if two dispatchers press the button together.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.policy import Actor
from doorstep.core import audit, clock
from doorstep.core.errors import ApplicationError, Forbidden, NotFound
from doorstep.notifications.services import notify
from doorstep.orders import services as orders
from doorstep.orders.enums import VisitStatus
from doorstep.orders.models import Visit
from doorstep.people.models import Elder, ElderInstitutionLink
from doorstep.workforce.models import Provider

from . import errors, selectors
from .access import may_dispatch
from .enums import DeclineReason, ExclusionStatus, OfferStatus
from .models import Exclusion, Offer

logger = logging.getLogger(__name__)

#: Seconds a provider has to answer an offer.
DEFAULT_TIMEOUT_S = 120
#: Offers made one after the other before the visit goes to the open pool.
DEFAULT_MAX_OFFERS = 3


def offer_timeout() -> dt.timedelta:
    return dt.timedelta(
        seconds=int(getattr(settings, "MATCHING_OFFER_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_S))
    )


def max_offers() -> int:
    return int(getattr(settings, "MATCHING_MAX_OFFERS", DEFAULT_MAX_OFFERS))


@dataclass(frozen=True)
class Outcome:
    """What ``offer_visit`` (or an answer) led to: ``offered`` (``offer``), ``assigned``
    (urgent, or an acceptance) or ``pool`` (no candidate left, or N offers used up)."""

    mode: str
    visit: Visit
    offer: Offer | None = None


def _audit_offer(actor_user: Any, offer: Offer, action: str, **details: Any) -> None:
    audit.record(
        actor=actor_user,
        action=f"matching.{action}",
        object_type="offer",
        object_id=offer.pk,
        institution_id=offer.visit.order.institution_id,
        changed_fields=("status",),
        details={"visit": offer.visit_id, "provider": offer.provider_id, **details},
    )


def _notify_offered(offer: Offer) -> None:
    user = offer.provider.user
    minutes = max(1, int(offer_timeout().total_seconds() // 60))
    transaction.on_commit(
        lambda: notify(
            recipient=user,
            kind="matching.visit_offered",
            title=_("A visit is offered to you"),
            body=_("Please accept or decline within %(minutes)s minutes."),
            params={"minutes": minutes},
            link="/offers",
            data={"offer": offer.pk, "visit": offer.visit_id},
        ),
        robust=True,
    )


def check_dispatchable(visit: Visit) -> None:
    if visit.status != VisitStatus.AWAITING_DISPATCH or visit.provider_id is not None:
        raise errors.NotAwaitingDispatch(details={"status": visit.status})


def _next(*, visit_id: int, offered_by: Any, actor: Actor) -> Outcome:
    """Inside a transaction: offer the locked visit to the best provider not offered yet,
    or publish it to the pool when none is left or ``max_offers`` were made."""
    visit = Visit.objects.select_for_update(of=("self",)).get(pk=visit_id)
    visit = selectors.load_visit(visit.pk)
    if visit.status != VisitStatus.AWAITING_DISPATCH or visit.provider_id is not None:
        return Outcome("closed", visit)
    made = Offer.objects.filter(visit=visit).exclude(status=OfferStatus.WITHDRAWN).count()
    ranking = None
    if made < max_offers():
        ranking = selectors.rank_visit(visit, limit=1, skip=selectors.already_offered(visit.pk))
    if ranking is None or not ranking.candidates:
        orders.publish_to_pool(actor=actor, visit=visit)
        audit.record(
            actor=actor.user,
            action="matching.pool_fallback",
            object_type="visit",
            object_id=visit.pk,
            institution_id=visit.order.institution_id,
            details={"offers_made": made},
        )
        return Outcome("pool", selectors.load_visit(visit.pk))
    best = ranking.candidates[0]
    now = clock.now()
    offer = Offer.objects.create(
        visit=visit,
        provider_id=best.provider_id,
        attempt=Offer.objects.filter(visit=visit).count() + 1,
        score=best.ranked.score,
        eta_minutes=best.ranked.eta_minutes,
        reasons=[t.as_dict() for t in best.ranked.terms],
        offered_by=offered_by,
        offered_at=now,
        expires_at=now + offer_timeout(),
    )
    offer = Offer.objects.select_related("visit__order", "provider__user").get(pk=offer.pk)
    _audit_offer(actor.user, offer, "offered", attempt=offer.attempt, score=offer.score)
    _notify_offered(offer)
    return Outcome("offered", visit, offer)


def offer_visit(*, actor: Actor, visit: Visit, urgent: bool = False) -> Outcome:
    """Offer a visit awaiting dispatch to its best candidate (answer within
    ``MATCHING_OFFER_TIMEOUT_SECONDS``), or to the pool when nobody fits. ``urgent``:
    assign the nearest eligible provider now, through ``assign_provider``."""
    if not may_dispatch(actor, visit.order.institution_id):
        raise Forbidden()
    check_dispatchable(visit)
    if urgent:
        return _urgent(actor=actor, visit=visit)
    with transaction.atomic():
        locked = Visit.objects.select_for_update(of=("self",)).get(pk=visit.pk)
        check_dispatchable(locked)
        if Offer.objects.filter(visit=locked, status=OfferStatus.PENDING).exists():
            raise errors.OfferPending()
        return _next(visit_id=locked.pk, offered_by=actor.user, actor=actor)


def _urgent(*, actor: Actor, visit: Visit) -> Outcome:
    ranking = selectors.rank_visit(visit, limit=1, urgent=True)
    if not ranking.candidates:
        raise errors.NoEligibleProvider(details={"blocked": [b.as_dict() for b in ranking.blocked]})
    provider = Provider.objects.get(pk=ranking.candidates[0].provider_id)
    with transaction.atomic():
        # Lock only the offer rows (not the joined visit): ``assign_provider`` locks the
        # provider, then the visit; taking the visit first here deadlocked with accepts.
        pending = list(
            Offer.objects.select_for_update(of=("self",))
            .select_related("visit__order")
            .filter(visit=visit, status=OfferStatus.PENDING)
        )
        assigned = orders.assign_provider(actor=actor, visit=visit, provider=provider)
        for offer in pending:
            offer.status, offer.responded_at = OfferStatus.WITHDRAWN, clock.now()
            offer.save(update_fields=["status", "responded_at"])
            _audit_offer(actor.user, offer, "withdrawn", why="urgent")
        audit.record(
            actor=actor.user,
            action="matching.urgent_assigned",
            object_type="visit",
            object_id=visit.pk,
            institution_id=visit.order.institution_id,
            details={
                "provider": provider.pk,
                "eta_minutes": ranking.candidates[0].ranked.eta_minutes,
            },
        )
    return Outcome("assigned", assigned)


def respond(*, actor: Actor, offer: Offer, accept: bool, reason: str = "") -> Outcome:
    """The offered provider accepts (the visit is assigned through ``assign_provider`` on
    behalf of the dispatcher who offered it) or declines (the next candidate gets it),
    optionally with a ``reason`` (a ``DeclineReason``). Exactly one answer counts: the
    offer row is locked and must still be pending."""
    if actor.user is None or offer.provider.user_id != actor.user.pk:
        raise NotFound()
    if reason and (accept or reason not in DeclineReason.values):
        raise errors.BadDeclineReason(details={"reason": reason})
    with transaction.atomic():
        locked = (
            Offer.objects.select_for_update(of=("self",))
            .select_related("visit__order", "provider__user", "offered_by")
            .get(pk=offer.pk)
        )
        if locked.status != OfferStatus.PENDING:
            raise errors.OfferClosed(details={"status": locked.status})
        now = clock.now()
        if now >= locked.expires_at:
            raise errors.OfferExpired()
        dispatcher = Actor.of(locked.offered_by)
        if accept:
            visit = orders.assign_provider(
                actor=dispatcher, visit=locked.visit, provider=locked.provider
            )
            locked.status, locked.responded_at = OfferStatus.ACCEPTED, now
            locked.save(update_fields=["status", "responded_at"])
            _audit_offer(actor.user, locked, "accepted")
            return Outcome("assigned", visit, locked)
        locked.status, locked.responded_at = OfferStatus.DECLINED, now
        locked.decline_reason = reason
        locked.save(update_fields=["status", "responded_at", "decline_reason"])
        _audit_offer(actor.user, locked, "declined", reason=reason)
        outcome = _next(visit_id=locked.visit_id, offered_by=locked.offered_by, actor=dispatcher)
        return Outcome(outcome.mode, outcome.visit, outcome.offer or locked)


def expire_due_offers(*, now: dt.datetime | None = None) -> int:
    """The sweep (beat, every ``MATCHING_SWEEP_SECONDS``): time out every pending offer
    past its deadline and move its visit on. One transaction per offer; an offer another
    process holds is skipped this round."""
    at = now or clock.now()
    done = 0
    for offer_id in selectors.due_offer_ids(at):
        try:
            with transaction.atomic():
                locked = (
                    Offer.objects.select_for_update(of=("self",), skip_locked=True)
                    .select_related("visit__order", "offered_by")
                    .filter(pk=offer_id, status=OfferStatus.PENDING, expires_at__lte=at)
                    .first()
                )
                if locked is None:
                    continue
                locked.status, locked.responded_at = OfferStatus.EXPIRED, at
                locked.save(update_fields=["status", "responded_at"])
                _audit_offer(None, locked, "expired")
                _next(
                    visit_id=locked.visit_id,
                    offered_by=locked.offered_by,
                    actor=Actor.of(locked.offered_by),
                )
                done += 1
        except ApplicationError:
            # E.g. the dispatcher lost the role: the visit stays awaiting dispatch for the
            # board; the offer stays pending and is retried next round.
            logger.warning("offer %s: could not move on", offer_id, exc_info=True)
    return done


# --- exclusions -----------------------------------------------------------------------------


def exclude_provider(*, actor: Actor, elder: Elder, provider: Provider, reason: str) -> Exclusion:
    """The elder does not want ``provider`` again. The provider must belong to an
    institution that serves the elder (else 404: no oracle over other providers)."""
    reason = (reason or "").strip()
    if not reason:
        raise errors.ReasonRequired()
    serves = ElderInstitutionLink.objects.filter(
        elder=elder, institution_id=provider.institution_id or 0, status="active"
    ).exists()
    if not serves:
        raise NotFound()
    with transaction.atomic():
        Elder.objects.select_for_update().filter(pk=elder.pk).first()
        if Exclusion.objects.filter(
            elder=elder, provider=provider, status=ExclusionStatus.ACTIVE
        ).exists():
            raise errors.AlreadyExcluded()
        exclusion = Exclusion.objects.create(
            elder=elder,
            provider=provider,
            reason=reason,
            created_by=actor.user,
            created_at=clock.now(),
        )
        audit.record(
            actor=actor.user,
            action="matching.exclusion_added",
            object_type="exclusion",
            object_id=exclusion.pk,
            institution_id=provider.institution_id,
            changed_fields=("status",),
            details={"elder": elder.pk, "provider": provider.pk},
        )
    return exclusion


def revoke_exclusion(*, actor: Actor, exclusion: Exclusion) -> Exclusion:
    with transaction.atomic():
        locked = Exclusion.objects.select_for_update().get(pk=exclusion.pk)
        if locked.status != ExclusionStatus.ACTIVE:
            raise errors.ExclusionRevoked()
        locked.status, locked.revoked_by, locked.revoked_at = (
            ExclusionStatus.REVOKED,
            actor.user,
            clock.now(),
        )
        locked.save(update_fields=["status", "revoked_by", "revoked_at"])
        audit.record(
            actor=actor.user,
            action="matching.exclusion_revoked",
            object_type="exclusion",
            object_id=locked.pk,
            changed_fields=("status",),
            details={"elder": locked.elder_id, "provider": locked.provider_id},
        )
    return locked
