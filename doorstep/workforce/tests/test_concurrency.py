"""Two reviewers decide on the same nurse at the same moment: exactly one decision lands.

The services re-read the provider under ``select_for_update`` inside their transaction, so a
caller holding a stale copy cannot overwrite a decision made in between.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from doorstep.accounts.policy import Actor
from doorstep.core.errors import ApplicationError
from doorstep.workforce import services
from doorstep.workforce.enums import VerificationStatus as V
from doorstep.workforce.errors import IllegalTransition
from doorstep.workforce.models import Provider, VerificationEvent

from .helpers import licence, set_status


@pytest.mark.django_db
def test_a_stale_copy_cannot_overwrite_a_decision(personas: Any, staff: Any) -> None:
    nurse = set_status(staff.nurse, V.UNDER_REVIEW)
    licence(nurse, expires_on=None)
    stale = Provider.objects.get(pk=nurse.pk)  # loaded before the approval
    services.verify(actor=Actor.of(personas.inst_admin), provider=nurse)
    with pytest.raises(IllegalTransition):
        services.reject(actor=Actor.of(personas.reviewer), provider=stale, reason="too late")
    nurse.refresh_from_db()
    assert (nurse.verification_status, nurse.rejection_reason) == (V.VERIFIED, "")
    assert list(VerificationEvent.objects.values_list("to_status", flat=True)) == [V.VERIFIED]


@pytest.mark.django_db(transaction=True)
def test_racing_approve_and_reject_in_threads(personas: Any, staff: Any) -> None:
    nurse = set_status(staff.nurse, V.UNDER_REVIEW)
    licence(nurse, expires_on=None)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(name: str, call: Any) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[name] = "ok"
        except ApplicationError as exc:
            outcomes[name] = exc.code
        except Exception as exc:
            outcomes[name] = repr(exc)
        finally:
            connection.close()

    admin, reviewer = Actor.of(personas.inst_admin), Actor.of(personas.reviewer)
    threads = [
        threading.Thread(
            target=decide,
            args=("verify", lambda: services.verify(actor=admin, provider=nurse)),
        ),
        threading.Thread(
            target=decide,
            args=(
                "reject",
                lambda: services.reject(actor=reviewer, provider=nurse, reason="duplicate"),
            ),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # PostgreSQL: the loser waits on the row lock, then sees the decision (409). The test
    # database on SQLite is an in-memory shared cache, which refuses the second writer at once
    # instead of waiting; the loser still changes nothing.
    losers = {"illegal_transition"}
    if connection.vendor == "sqlite":
        losers.add("OperationalError('database table is locked')")
    ok = [name for name, outcome in outcomes.items() if outcome == "ok"]
    assert len(ok) == 1, outcomes
    assert {o for o in outcomes.values() if o != "ok"} <= losers, outcomes
    assert len(outcomes) == 2
    nurse.refresh_from_db()
    events = list(
        VerificationEvent.objects.filter(provider=nurse).values_list("to_status", flat=True)
    )
    assert len(events) == 1
    assert nurse.verification_status == events[0]
    assert events[0] == (V.VERIFIED if ok == ["verify"] else V.REJECTED)
