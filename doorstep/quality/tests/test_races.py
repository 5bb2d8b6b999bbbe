"""Races on PostgreSQL with real threads: a visit is rated once, and the provider's
aggregate counts every rating of different visits exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from doorstep.core.errors import ApplicationError
from doorstep.quality import services
from doorstep.quality.models import ProviderQuality, Rating

from .conftest import actor, link_family, make_visit

THREADS = 8


def _run(jobs: list[Any]) -> Counter[str]:
    barrier = threading.Barrier(len(jobs))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(job: Any) -> None:
        barrier.wait()
        try:
            job()
            result = "ok"
        except ApplicationError as exc:
            result = exc.code
        except Exception as exc:
            result = f"error:{exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_ratings_of_one_visit_one_wins(
    world: Any, personas: Any, elder_a: Any, staff: Any
) -> None:
    link_family(personas, elder_a)
    visit = make_visit(elder=elder_a, institution=world.inst_a, provider=staff.nurse)
    users = [personas.elder, personas.family] * (THREADS // 2)
    jobs = [
        (
            lambda u=u: services.rate_visit(
                actor=actor(u), visit=visit, punctuality=5, skill=5, attitude=5
            )
        )
        for u in users
    ]
    assert _run(jobs) == Counter({"ok": 1, "already_rated": THREADS - 1})
    assert Rating.objects.count() == 1
    assert ProviderQuality.objects.get().rating_count == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_ratings_of_many_visits_all_counted(
    world: Any, personas: Any, elder_a: Any, staff: Any
) -> None:
    visits = [
        make_visit(elder=elder_a, institution=world.inst_a, provider=staff.nurse)
        for _ in range(THREADS)
    ]
    jobs = [
        (
            lambda v=v: services.rate_visit(
                actor=actor(personas.elder), visit=v, punctuality=4, skill=5, attitude=3
            )
        )
        for v in visits
    ]
    assert _run(jobs) == Counter({"ok": THREADS})
    q = ProviderQuality.objects.get(provider=staff.nurse)
    assert (q.rating_count, q.punctuality_sum, q.skill_sum, q.attitude_sum) == (
        THREADS,
        4 * THREADS,
        5 * THREADS,
        3 * THREADS,
    )
    # 8 ratings of mean 4: (40 + 32) / 18 = 4.0
    assert q.score == 4.0
