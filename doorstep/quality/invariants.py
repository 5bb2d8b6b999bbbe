"""Invariants of the quality app, run by ``manage.py check_invariants`` (ADR 0010, 0014).
Findings name rows by id only."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Q, Sum

from doorstep.core import clock
from doorstep.demo.invariants import invariant

from .enums import SanctionKind, SanctionStatus
from .models import ProviderQuality, ProviderSanction, Rating


@invariant("provider_quality_matches_ratings")
def _quality_matches_ratings() -> Iterator[str]:
    """Every provider's stored aggregate equals the sums of their ratings."""
    actual = {
        row["provider_id"]: (row["n"], row["p"], row["s"], row["a"])
        for row in Rating.objects.values("provider_id").annotate(
            n=Count("id"), p=Sum("punctuality"), s=Sum("skill"), a=Sum("attitude")
        )
    }
    stored = {
        q.provider_id: (q.rating_count, q.punctuality_sum, q.skill_sum, q.attitude_sum)
        for q in ProviderQuality.objects.all()
    }
    for provider_id in sorted(set(actual) | set(stored)):
        want = actual.get(provider_id, (0, 0, 0, 0))
        have = stored.get(provider_id, (0, 0, 0, 0))
        if want != have:
            yield f"provider {provider_id}: stored tally {have} != ratings {want}"


@invariant("rated_visits_are_reviewed")
def _rated_visits_reviewed() -> Iterator[str]:
    for visit_id, status in Rating.objects.exclude(visit__status="reviewed").values_list(
        "visit_id", "visit__status"
    )[:100]:
        yield f"visit {visit_id} is rated but {status}"


@invariant("removed_providers_are_inactive")
def _removed_inactive() -> Iterator[str]:
    now = clock.now()
    rows = ProviderSanction.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        kind=SanctionKind.REMOVAL,
        status=SanctionStatus.ACTIVE,
        starts_at__lte=now,
        provider__is_active=True,
    ).values_list("provider_id", flat=True)[:100]
    for provider_id in rows:
        yield f"provider {provider_id} is removed but still active"
