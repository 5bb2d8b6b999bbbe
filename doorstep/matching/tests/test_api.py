"""The HTTP API of matching: who may call what, the answers, and bad input changing
nothing (ADR 0020)."""

from __future__ import annotations

from typing import Any

import pytest

from doorstep.core.models import AuditEvent
from doorstep.matching.models import Exclusion, Offer
from doorstep.orders.models import Visit
from doorstep.workforce.models import Provider

from .conftest import Team

pytestmark = pytest.mark.django_db


def test_candidates_with_reasons(team: Team, personas: Any, api_as: Any) -> None:
    r = api_as(personas.dispatcher).get(f"/api/v1/visits/{team.visit.pk}/candidates")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [(team.code(c["provider_id"]), c["rank"], c["score"]) for c in body["candidates"]] == [
        ("far2", 1, 0.657759), ("near", 2, 0.5), ("busy", 3, 0.3),
    ]  # fmt: skip
    assert body["candidates"][0]["terms"][0] == {
        "code": "eta", "label": "Travel time", "value": 6.67, "normalised": 0.888833,
        "weight": 0.35, "points": 0.311092,
    }  # fmt: skip
    refused = {team.code(x["provider_id"]): x["reasons"][0]["code"] for x in body["refused"]}
    assert refused["cap"] == "daily_cap"
    assert body["considered"] == 11
    assert body["screened_in"] == 5
    assert body["refused_counts"] == {
        "daily_cap": 1, "excluded_by_elder": 1, "gender_preference": 1,
        "no_shared_language": 1, "outside_radius": 1, "sanctioned": 1,
        "schedule_overlap": 1, "travel_time": 1,
    }  # fmt: skip


def test_candidates_in_chinese(team: Team, personas: Any, api_as: Any) -> None:
    r = api_as(personas.dispatcher, "zh-hans").get(f"/api/v1/visits/{team.visit.pk}/candidates")
    labels = [t["label"] for t in r.json()["candidates"][0]["terms"]]
    assert labels == ["路途时间", "服务连续性", "质量评分", "本周工作量均衡", "农村激励"]


@pytest.mark.parametrize(("who", "status"), [("other_admin", 404), ("reviewer", 403),
                                             ("nurse", 404), ("family", 404)])  # fmt: skip
def test_candidates_refused(team: Team, personas: Any, api_as: Any, who: str, status: int) -> None:
    r = api_as(getattr(personas, who)).get(f"/api/v1/visits/{team.visit.pk}/candidates")
    assert r.status_code == status


def test_offer_accept_over_http(team: Team, personas: Any, api_as: Any) -> None:
    r = api_as(personas.dispatcher).post(f"/api/v1/visits/{team.visit.pk}/offer", {"urgent": False})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["mode"], body["visit_status"]) == ("offered", "awaiting_dispatch")
    offer_id = body["offer"]["id"]
    assert api_as(team.p["near"].user).get("/api/v1/offers").json()["items"] == []
    mine = api_as(team.p["far2"].user).get("/api/v1/offers").json()["items"]
    assert [(o["id"], o["status"], o["item_name"]) for o in mine] == [
        (offer_id, "pending", "Companionship visit")
    ]
    # Someone else's (and another institution's) provider cannot see or answer it.
    for user in (team.p["near"].user, personas.other_nurse):
        assert api_as(user).post(f"/api/v1/offers/{offer_id}/accept").status_code == 404
    r = api_as(team.p["far2"].user).post(f"/api/v1/offers/{offer_id}/accept")
    assert r.status_code == 200, r.content
    assert (r.json()["mode"], r.json()["provider_id"]) == ("assigned", team.id("far2"))
    again = api_as(team.p["far2"].user, "zh-hans").post(f"/api/v1/offers/{offer_id}/decline")
    assert again.status_code == 409
    assert again.json()["code"] == "offer_closed"
    assert again.json()["message"] == "该派单已被答复或撤回。"


def test_decline_over_http_moves_on(team: Team, personas: Any, api_as: Any) -> None:
    r = api_as(personas.dispatcher).post(f"/api/v1/visits/{team.visit.pk}/offer", {})
    offer_id = r.json()["offer"]["id"]
    r = api_as(team.p["far2"].user).post(f"/api/v1/offers/{offer_id}/decline")
    assert r.status_code == 200
    assert (r.json()["mode"], r.json()["offer"]) == ("offered", None)
    assert Offer.objects.get(status="pending").provider_id == team.id("near")


def test_urgent_over_http(team: Team, personas: Any, api_as: Any) -> None:
    r = api_as(personas.dispatcher).post(f"/api/v1/visits/{team.visit.pk}/offer", {"urgent": True})
    assert r.status_code == 200
    assert (r.json()["mode"], r.json()["provider_id"]) == ("assigned", team.id("near"))


def test_bad_input_changes_nothing(team: Team, personas: Any, api_as: Any) -> None:
    client = api_as(personas.dispatcher)
    client.get("/api/v1/offers")  # signs in
    before = AuditEvent.objects.count()
    r = client.post(f"/api/v1/visits/{team.visit.pk}/offer", {"urgent": "maybe"})
    assert (r.status_code, r.json()["code"]) == (422, "validation_error")
    r = client.post("/api/v1/visits/999999/offer", {"urgent": False})
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert not Offer.objects.exists()
    assert AuditEvent.objects.count() == before
    assert Visit.objects.get(pk=team.visit.pk).status == "awaiting_dispatch"


def test_offer_twice_is_a_conflict_in_both_languages(
    team: Team, personas: Any, api_as: Any
) -> None:
    url = f"/api/v1/visits/{team.visit.pk}/offer"
    api_as(personas.dispatcher).post(url, {})
    r = api_as(personas.dispatcher, "zh-hans").post(url, {})
    assert (r.status_code, r.json()["code"]) == (409, "offer_pending")
    assert r.json()["message"] == "该服务已派给一名服务人员，请等待答复。"
    assert Offer.objects.count() == 1


def test_exclusions_crud(team: Team, personas: Any, api_as: Any, elder_a: Any) -> None:
    url = f"/api/v1/elders/{elder_a.pk}/exclusions"
    near = team.id("near")
    r = api_as(personas.elder).post(url, {"provider_id": near, "reason": "  "})
    assert (r.status_code, r.json()["code"]) == (422, "reason_required")
    assert not Exclusion.objects.filter(provider_id=near).exists()
    r = api_as(personas.elder).post(url, {"provider_id": near, "reason": "说话太大声"})
    assert r.status_code == 201, r.content
    ex = r.json()
    assert (ex["provider_id"], ex["status"], ex["reason"]) == (near, "active", "说话太大声")
    assert AuditEvent.objects.filter(action="matching.exclusion_added", object_id=ex["id"]).exists()
    r = api_as(personas.inst_admin).post(url, {"provider_id": near, "reason": "again"})
    assert (r.status_code, r.json()["code"]) == (409, "already_excluded")
    # Another institution's provider and another institution's admin: 404.
    other = Provider.objects.get(user=personas.other_nurse).pk
    r = api_as(personas.elder).post(url, {"provider_id": other, "reason": "x"})
    assert r.status_code == 404
    assert api_as(personas.other_admin).get(url).status_code == 404
    assert api_as(team.p["near"].user).get(url).status_code == 404  # never shown to providers
    listed = api_as(personas.dispatcher).get(url).json()
    assert {e["provider_id"] for e in listed} == {near, team.id("excl")}
    # The dispatcher sees them but may not change them.
    assert (
        api_as(personas.dispatcher).post(f"/api/v1/exclusions/{ex['id']}/revoke").status_code == 404
    )
    r = api_as(personas.elder).post(f"/api/v1/exclusions/{ex['id']}/revoke")
    assert (r.status_code, r.json()["status"]) == (200, "revoked")
    r = api_as(personas.elder).post(f"/api/v1/exclusions/{ex['id']}/revoke")
    assert (r.status_code, r.json()["code"]) == (409, "exclusion_revoked")


def test_excluded_provider_is_refused_in_the_ranking(
    team: Team, personas: Any, api_as: Any
) -> None:
    r = api_as(personas.dispatcher).get(f"/api/v1/visits/{team.visit.pk}/candidates")
    refused = {team.code(x["provider_id"]): x["reasons"] for x in r.json()["refused"]}
    assert refused["excl"] == [
        {"code": "excluded_by_elder", "message": "The elder has excluded this provider."}
    ]


def test_candidates_query_count_is_bounded(
    team: Team, personas: Any, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    """The ranking endpoint in a bounded number of queries whatever the team (ADR 0020,
    addendum 2): token, role grants, the scoped visit (one query, ``access_visit_to_rank``),
    the service areas, the screen statement, the exact checks' statement, and
    ``schedule_conflicts`` for the two providers holding a visit near this one (ovlp, trvl);
    a deferred field read by mistake would add a query each."""
    client = api_as(personas.dispatcher)
    url = f"/api/v1/visits/{team.visit.pk}/candidates"
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(8):
        r = client.get(url)
    assert r.status_code == 200
    assert len(r.json()["candidates"]) == 3


def test_candidates_lookup_is_scoped_like_the_orders_lookup(
    team: Team, personas: Any, api_as: Any
) -> None:
    """The lean lookup answers exactly as ``access_visit_to_dispatch``: an unknown visit and
    another institution's visit 404, a visit not awaiting dispatch 409."""
    client = api_as(personas.dispatcher)
    assert client.get("/api/v1/visits/999999/candidates").status_code == 404
    other = api_as(personas.other_admin).get(f"/api/v1/visits/{team.visit.pk}/candidates")
    assert other.json()["code"] == "not_found"
    Visit.objects.filter(pk=team.visit.pk).update(provider=team.p["near"])
    r = client.get(f"/api/v1/visits/{team.visit.pk}/candidates")
    assert (r.status_code, r.json()["code"]) == (409, "not_awaiting_dispatch")


def test_every_role_that_may_dispatch_sees_the_institutions_orders() -> None:
    """``access_visit_to_rank`` reads the visit by id and lets the right to dispatch stand
    for the scoped orders lookup (ADR 0036): that holds only while every role that may
    dispatch for an institution ("tenant") or for all ("all") sees those orders."""
    from doorstep.accounts.policy import RULES

    broader = {"all": {"all"}, "tenant": {"tenant", "all"}}
    for role, scope in RULES["matching"]["dispatch"].items():
        assert RULES["order"]["view"].get(role) in broader[scope], (role, scope)


def test_candidates_for_a_visible_visit_one_may_not_dispatch_are_forbidden(
    team: Team, personas: Any, api_as: Any
) -> None:
    """The reviewer sees the institution's visits but may not dispatch: 403, as
    ``access_visit_to_dispatch`` answers; another institution's admin: 404."""
    url = f"/api/v1/visits/{team.visit.pk}/candidates"
    r = api_as(personas.reviewer).get(url)
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    assert api_as(personas.other_admin).get(url).status_code == 404


def test_lean_lookup_loads_what_the_scoped_lookup_loads(team: Team, personas: Any) -> None:
    """The prepared lookup's instances carry the same values as the ORM's (dates aware,
    JSON decoded) and the same service-area answer."""
    from doorstep.accounts.policy import Actor
    from doorstep.catalog.selectors import region_in_service_areas
    from doorstep.matching.access import RANKING_COLUMNS, access_visit_to_rank

    actor = Actor.of(personas.dispatcher)
    visit, covered = access_visit_to_rank(actor=actor, visit_id=team.visit.pk)
    ref = Visit.objects.select_related("order__item", "order__elder", "region").get(
        pk=team.visit.pk
    )
    assert covered is region_in_service_areas(ref.order.institution, ref.region) is True
    objects = {"v": (visit, ref), "o": (visit.order, ref.order), "i": (visit.order.item,
               ref.order.item), "e": (visit.order.elder, ref.order.elder),
               "r": (visit.region, ref.region)}  # fmt: skip
    for _model, alias, names in RANKING_COLUMNS:
        got, want = objects[alias]
        for name in names:
            assert getattr(got, name) == getattr(want, name), (alias, name)
    assert visit.window_start.tzinfo is not None
    assert visit.order.institution.pk == ref.order.institution_id
