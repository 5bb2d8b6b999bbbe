"""The open pool under contention: 200 eligible providers accept one visit at once on
PostgreSQL; exactly one wins, 199 get 409 ``already_taken``, nothing else happens.

Real threads and real connections (``transactional_db``). At most ``IN_FLIGHT``
transactions run at the same moment so the test stays inside PostgreSQL's default
``max_connections`` (100) while other test runs share the server; all 200 are released
together by a barrier.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from doorstep.accounts.models import Membership, User
from doorstep.accounts.policy import Actor
from doorstep.core.errors import ApplicationError
from doorstep.orders import services
from doorstep.orders.models import Visit, VisitEvent
from doorstep.workforce.models import Provider

from .conftest import dispatchable, fresh

ACCEPTORS = 200
IN_FLIGHT = 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_200_concurrent_accepts_one_winner(
    personas: Any, world: Any, elder_a: Any, catalog: Any, providers: Any, frozen: Any
) -> None:
    visit = dispatchable(personas, world, elder_a, catalog.companion)
    services.publish_to_pool(actor=Actor.of(personas.dispatcher), visit=visit)
    users = User.objects.bulk_create(
        [User(username=f"pool_cg_{i:03d}", display_name=f"CG {i}") for i in range(ACCEPTORS)]
    )
    Membership.objects.bulk_create(
        [Membership(user=u, role="caregiver", institution=world.inst_a) for u in users]
    )
    Provider.objects.bulk_create(
        [
            Provider(
                user=u,
                kind="caregiver",
                institution=world.inst_a,
                verification_status="verified",
            )
            for u in users
        ]
    )
    barrier = threading.Barrier(ACCEPTORS)
    gate = threading.Semaphore(IN_FLIGHT)
    outcomes: list[str] = []
    lock = threading.Lock()

    def accept(user: User) -> None:
        barrier.wait()
        with gate:
            try:
                services.accept_from_pool(actor=Actor(user=user), visit=visit)
                result = "ok"
            except ApplicationError as exc:
                result = exc.code
            except Exception as exc:
                result = f"error:{type(exc).__name__}"
            finally:
                connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=accept, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert Counter(outcomes) == {"ok": 1, "already_taken": ACCEPTORS - 1}
    won = fresh(visit)
    assert won.status == "assigned"
    assert won.provider is not None
    assert won.provider.user.username.startswith("pool_cg_")
    assert VisitEvent.objects.filter(visit=visit, to_status="assigned").count() == 1
    assert Visit.objects.filter(provider__user__username__startswith="pool_cg_").count() == 1
