"""The quality invariants find drift, and ``rebuild_provider_quality`` repairs it."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.demo import invariants
from doorstep.orders.models import Visit
from doorstep.quality import services
from doorstep.quality.models import ProviderQuality

from .conftest import actor, make_visit

pytestmark = pytest.mark.django_db

CHECKS = [
    "provider_quality_matches_ratings",
    "rated_visits_are_reviewed",
    "removed_providers_are_inactive",
]


def test_clean_after_services_and_drift_is_found(
    frozen: Any, world: Any, elder_a: Any, staff: Any, personas: Any
) -> None:
    for scores in ((5, 5, 5), (2, 3, 4)):
        visit = make_visit(elder=elder_a, institution=world.inst_a, provider=staff.nurse)
        services.rate_visit(
            actor=actor(personas.elder),
            visit=visit,
            punctuality=scores[0],
            skill=scores[1],
            attitude=scores[2],
        )
    services.sanction_provider(
        actor=actor(personas.inst_admin), provider=staff.caregiver, kind="removal", reason="x"
    )
    assert invariants.run(CHECKS) == []

    ProviderQuality.objects.update(skill_sum=1)
    Visit.objects.filter(pk=visit.pk).update(status="completed")
    staff.caregiver.__class__.objects.filter(pk=staff.caregiver.pk).update(is_active=True)
    found = sorted(str(f) for f in invariants.run(CHECKS))
    assert found == [
        f"[provider_quality_matches_ratings] provider {staff.nurse.pk}: stored tally (2, 7, 1, 9) != ratings (2, 7, 8, 9)",
        f"[rated_visits_are_reviewed] visit {visit.pk} is rated but completed",
        f"[removed_providers_are_inactive] provider {staff.caregiver.pk} is removed but still active",
    ]


def test_rebuild_matches_the_incremental_score(
    frozen: Any, world: Any, elder_a: Any, staff: Any, personas: Any
) -> None:
    for scores in ((5, 4, 3), (1, 2, 3), (5, 5, 5)):
        visit = make_visit(elder=elder_a, institution=world.inst_a, provider=staff.nurse)
        services.rate_visit(
            actor=actor(personas.elder),
            visit=visit,
            punctuality=scores[0],
            skill=scores[1],
            attitude=scores[2],
        )
    # ratings' means 4, 2, 5 -> sum 11, n 3: (10 * 4.0 + 11) / 13 = 51 / 13 = 3.923
    fields = (
        "rating_count",
        "punctuality_sum",
        "skill_sum",
        "attitude_sum",
        "low_rating_count",
        "score",
    )
    before = ProviderQuality.objects.values_list(*fields).get()
    ProviderQuality.objects.all().delete()  # test set-up: simulate a bulk writer
    assert services.rebuild_provider_quality() == 1
    after = ProviderQuality.objects.values_list(*fields).get()
    assert after == before == (3, 11, 11, 11, 1, 3.923)
