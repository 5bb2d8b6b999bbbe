"""Quality reviews: listed for the institution's quality officer and closed with an outcome."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.quality import services
from doorstep.quality.models import QualityReview

from .conftest import actor, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_id(frozen: Any, world: Any, elder_a: Any, staff: Any, personas: Any) -> int:
    visit = make_visit(elder=elder_a, institution=world.inst_a, provider=staff.nurse)
    services.rate_visit(
        actor=actor(personas.elder), visit=visit, punctuality=1, skill=3, attitude=3
    )
    return QualityReview.objects.get(visit=visit).pk


def test_close_a_review(review_id: int, api_as: Any, officers: Any, personas: Any) -> None:
    assert [
        r["id"] for r in api_as(officers.qo_a).get("/api/v1/quality-reviews").json()["items"]
    ] == [review_id]
    for user in (officers.qo_b, personas.dispatcher, personas.nurse, personas.elder):
        assert api_as(user).get("/api/v1/quality-reviews").json()["items"] == []
        assert (
            api_as(user)
            .post(f"/api/v1/quality-reviews/{review_id}/close", {"outcome": "no_action"})
            .status_code
            == 404
        )
    bad = api_as(officers.qo_a).post(
        f"/api/v1/quality-reviews/{review_id}/close", {"outcome": "fire"}
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_choice")
    r = api_as(officers.qo_a).post(
        f"/api/v1/quality-reviews/{review_id}/close", {"outcome": "coaching", "notes": "准时性培训"}
    )
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["outcome"], r.json()["handled_by_id"]) == (
        "closed",
        "coaching",
        officers.qo_a.pk,
    )
    again = api_as(officers.qo_a).post(
        f"/api/v1/quality-reviews/{review_id}/close", {"outcome": "no_action"}
    )
    assert (again.status_code, again.json()["code"]) == (409, "review_closed")
    assert (
        api_as(officers.qo_a).get("/api/v1/quality-reviews", {"status": "open"}).json()["items"]
        == []
    )
