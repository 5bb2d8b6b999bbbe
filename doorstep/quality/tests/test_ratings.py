"""Rating a visit: who, when, once; the score; low ratings open a review."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.core.errors import NotFound
from doorstep.core.models import AuditEvent
from doorstep.orders.models import VisitEvent
from doorstep.quality import selectors, services
from doorstep.quality.errors import AlreadyRated, InvalidScore, VisitNotCompleted
from doorstep.quality.models import ProviderQuality, QualityReview, Rating

from .conftest import actor, link_family, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(frozen: Any, world: Any, elder_a: Any, staff: Any) -> Any:
    return make_visit(elder=elder_a, institution=world.inst_a, provider=staff.nurse)


def rate(user: Any, visit: Any, p: int = 5, s: int = 4, a: int = 5, comment: str = "") -> Rating:
    return services.rate_visit(
        actor=actor(user), visit=visit, punctuality=p, skill=s, attitude=a, comment=comment
    )


def test_elder_rates_a_completed_visit(visit: Any, personas: Any, staff: Any) -> None:
    rating = rate(personas.elder, visit, 5, 4, 5, "很好")
    visit.refresh_from_db()
    assert visit.status == "reviewed"
    assert VisitEvent.objects.filter(
        visit=visit, from_status="completed", to_status="reviewed"
    ).exists()
    assert (rating.provider_id, rating.rated_by_id, rating.comment) == (
        staff.nurse.pk,
        personas.elder.pk,
        "很好",
    )
    q = ProviderQuality.objects.get(provider=staff.nurse)
    # one rating of mean 14/3: (40 + 14/3) / 11 = 4.0606...
    assert (q.rating_count, q.punctuality_sum, q.skill_sum, q.attitude_sum) == (1, 5, 4, 5)
    assert q.score == 4.061
    assert selectors.quality_of(staff.nurse.pk)["skill"] == 4.0  # (40 + 4) / 11
    assert QualityReview.objects.count() == 0
    assert AuditEvent.objects.filter(action="rating.create", object_id=str(rating.pk)).exists()


def test_second_rating_is_a_conflict(visit: Any, personas: Any) -> None:
    link_family(personas, visit.order.elder)
    rate(personas.elder, visit)
    with pytest.raises(AlreadyRated):
        rate(personas.family, visit, 1, 1, 1)
    assert Rating.objects.count() == 1
    assert ProviderQuality.objects.get().rating_count == 1


def test_not_completed_is_a_conflict(
    frozen: Any, world: Any, elder_a: Any, staff: Any, personas: Any
) -> None:
    v = make_visit(
        elder=elder_a, institution=world.inst_a, provider=staff.nurse, status="in_service"
    )
    before = AuditEvent.objects.count()
    with pytest.raises(VisitNotCompleted):
        rate(personas.elder, v)
    v.refresh_from_db()
    assert (v.status, Rating.objects.count(), AuditEvent.objects.count()) == (
        "in_service",
        0,
        before,
    )
    assert ProviderQuality.objects.count() == 0


def test_strangers_get_404(visit: Any, personas: Any, officers: Any) -> None:
    for user in (
        personas.nurse,
        personas.inst_admin,
        officers.qo_a,
        personas.other_admin,
        personas.nobody,
    ):
        with pytest.raises(NotFound):
            rate(user, visit)
    # a family member without a link, then linked but without consent
    with pytest.raises(NotFound):
        rate(personas.family, visit)
    link_family(personas, visit.order.elder, consent=False)
    with pytest.raises(NotFound):
        rate(personas.family, visit)
    assert Rating.objects.count() == 0


def test_family_with_consent_rates(visit: Any, personas: Any) -> None:
    link_family(personas, visit.order.elder)
    assert rate(personas.family, visit).rated_by_id == personas.family.pk


def test_invalid_scores_change_nothing(visit: Any, personas: Any) -> None:
    with pytest.raises(InvalidScore) as exc:
        rate(personas.elder, visit, 0, 6, 3)
    assert exc.value.details == {"fields": ["punctuality", "skill"]}
    visit.refresh_from_db()
    assert (visit.status, Rating.objects.count()) == ("completed", 0)


def test_low_rating_opens_a_review(
    visit: Any, personas: Any, officers: Any, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        rating = rate(personas.elder, visit, 4, 2, 4)
    review = QualityReview.objects.get()
    assert (
        review.provider_id,
        review.visit_id,
        review.rating_id,
        review.trigger,
        review.status,
    ) == (
        staff.nurse.pk,
        visit.pk,
        rating.pk,
        "low_rating",
        "open",
    )
    assert ProviderQuality.objects.get().low_rating_count == 1
    assert officers.qo_a.notifications.filter(kind="quality.review.opened").count() == 1
    assert officers.qo_b.notifications.count() == 0


def test_api_rating(visit: Any, api_as: Any, personas: Any, staff: Any, officers: Any) -> None:
    url = f"/api/v1/visits/{visit.pk}/rating"
    assert api_as(personas.elder).get(url).json() == {
        "visit_id": visit.pk,
        "rated": False,
        "rating": None,
    }
    r = api_as(personas.elder).post(
        url, {"punctuality": 5, "skill": 5, "attitude": 5, "comment": "谢谢"}
    )
    assert r.status_code == 201, r.content
    assert (r.json()["punctuality"], r.json()["provider_id"]) == (5, staff.nurse.pk)
    again = api_as(personas.elder, lang="zh-hans").post(
        url, {"punctuality": 1, "skill": 1, "attitude": 1}
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_rated")
    assert again.json()["message"] == "该次服务已评价过。"
    for user in (personas.nurse, officers.qo_a, personas.regulator):
        got = api_as(user).get(url).json()
        assert (got["rated"], got["rating"]["comment"]) == (True, "谢谢")
    for user in (personas.other_admin, officers.qo_b, personas.other_nurse, personas.family):
        assert api_as(user).get(url).status_code == 404
    stranger = api_as(personas.other_admin).post(url, {"punctuality": 5, "skill": 5, "attitude": 5})
    assert stranger.status_code == 404
    quality = api_as(personas.inst_admin).get(f"/api/v1/providers/{staff.nurse.pk}/quality").json()
    assert (quality["score"], quality["rating_count"]) == (4.091, 1)  # (40 + 5) / 11
    assert (
        api_as(officers.qo_b).get(f"/api/v1/providers/{staff.nurse.pk}/quality").status_code == 404
    )
