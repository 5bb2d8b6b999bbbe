"""Exactly one acceptance wins, on PostgreSQL with real threads and connections.

A visit is offered to far2; at the same moment 15 threads accept that offer as far2 and
15 threads ask for an urgent assignment as the dispatcher (which would give the visit to
near). Every path locks the offer row first, then the provider, then the visit: exactly
one thread assigns the visit, every other one gets 409 ``offer_closed`` (the offer was
answered or withdrawn) or ``illegal_transition`` (the visit was taken), and nothing else
happens.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from doorstep.accounts.policy import Actor
from doorstep.core.errors import ApplicationError
from doorstep.matching import services
from doorstep.matching.models import Offer
from doorstep.orders.models import Visit, VisitEvent

from .conftest import Team

EACH = 15


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_acceptance_wins(team: Team, personas: Any) -> None:
    dispatcher = Actor.of(personas.dispatcher)
    outcome = services.offer_visit(actor=dispatcher, visit=team.visit)
    offer = outcome.offer
    assert offer is not None
    assert offer.provider_id == team.id("far2")
    far2_user = team.p["far2"].user
    barrier = threading.Barrier(2 * EACH)
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def run(kind: str) -> None:
        barrier.wait()
        try:
            if kind == "accept":
                services.respond(actor=Actor(user=far2_user), offer=offer, accept=True)
            else:
                visit = Visit.objects.select_related("order").get(pk=team.visit.pk)
                services.offer_visit(actor=dispatcher, visit=visit, urgent=True)
            result = "ok"
        except ApplicationError as exc:
            result = exc.code
        except Exception as exc:
            result = f"error:{type(exc).__name__}:{exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append((kind, result))

    threads = [threading.Thread(target=run, args=(k,)) for k in ["accept", "urgent"] * EACH]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    results = Counter(r for _, r in outcomes)
    assert len(outcomes) == 2 * EACH
    assert results["ok"] == 1, outcomes
    assert set(results) <= {"ok", "offer_closed", "illegal_transition", "not_awaiting_dispatch"}, (
        outcomes
    )
    visit = Visit.objects.get(pk=team.visit.pk)
    [(winner, _)] = [o for o in outcomes if o[1] == "ok"]
    expected = team.id("far2") if winner == "accept" else team.id("near")
    assert (visit.status, visit.provider_id) == ("assigned", expected)
    assert VisitEvent.objects.filter(visit=visit, to_status="assigned").count() == 1
    status = Offer.objects.get(pk=offer.pk).status
    assert status == ("accepted" if winner == "accept" else "withdrawn")
