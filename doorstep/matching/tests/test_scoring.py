"""The pure core: every term of the formula by hand, the screen's rules, the order."""

from __future__ import annotations

import pytest

from doorstep.matching import scoring
from doorstep.matching.scoring import ProviderFacts, VisitNeed, Weights


def facts(pid: int = 1, **kw: object) -> ProviderFacts:
    values: dict[str, object] = {
        "provider_id": pid, "distance_km": 1.0, "service_radius_km": 5.0, "eta_minutes": 6.0,
    }  # fmt: skip
    values.update(kw)
    return ProviderFacts(**values)  # type: ignore[arg-type]


def points(ranked: scoring.Ranked) -> dict[str, float]:
    return {t.code: t.points for t in ranked.terms}


def test_every_term_by_hand() -> None:
    """ETA 6 of 60 min -> 0.9 x 0.35 = 0.315; 2 of 3 visits -> 0.25 x 2/3 = 0.166667;
    quality 4.6 -> (4.6-1)/4 = 0.9 x 0.20 = 0.18; 120 booked vs median 240 ->
    (240-120)/240 = 0.5 x 0.15 = 0.075; urban -> 0. Total 0.736667."""
    p = facts(eta_minutes=6.0, visits_to_elder=2, quality=4.6, booked_week_minutes=120)
    [r] = scoring.rank([p], rural=False, team_median=240)
    assert points(r) == {
        "eta": 0.315, "continuity": 0.166667, "quality": 0.18, "fairness": 0.075, "rural": 0.0,
    }  # fmt: skip
    assert r.score == 0.736667
    assert [t.label for t in r.terms] == [
        "Travel time", "Continuity of care", "Quality score", "Workload fairness this week",
        "Rural incentive",
    ]  # fmt: skip


def test_rural_visit_doubles_the_eta_horizon_and_adds_the_incentive() -> None:
    """Rural: ETA 30 of 120 min -> 0.75 x 0.35 = 0.2625; the rural term adds 0.05; no
    quality row counts as the prior 4.0 -> 0.75 x 0.2 = 0.15; at the median -> 0."""
    [r] = scoring.rank([facts(eta_minutes=30.0)], rural=True, team_median=0)
    assert points(r) == {
        "eta": 0.2625, "continuity": 0.0, "quality": 0.15, "fairness": 0.0, "rural": 0.05,
    }  # fmt: skip
    assert r.score == 0.4625


def test_fairness_uses_the_floor_and_is_clamped() -> None:
    """Median 0: 60 booked -> (0-60)/max(0,120) = -0.5; 600 booked -> -5 -> -1."""
    a, b = facts(1, booked_week_minutes=60), facts(2, booked_week_minutes=600)
    ranked = {
        r.provider_id: points(r)["fairness"]
        for r in scoring.rank([a, b], rural=False, team_median=0)
    }
    assert ranked == {1: -0.075, 2: -0.15}


def test_eta_beyond_the_horizon_scores_zero_and_continuity_is_capped() -> None:
    [r] = scoring.rank([facts(eta_minutes=90.0, visits_to_elder=7)], rural=False, team_median=0)
    assert (points(r)["eta"], points(r)["continuity"]) == (0.0, 0.25)


def test_order_best_first_then_shorter_eta_then_id() -> None:
    same = {"eta_minutes": 6.0}
    ranked = scoring.rank(
        [facts(3, **same), facts(2, **same), facts(1, eta_minutes=3.0), facts(4, quality=5.0)],
        rural=False, team_median=0,
    )  # fmt: skip
    assert [r.provider_id for r in ranked] == [4, 1, 2, 3]


def test_team_median_defaults_to_the_candidates() -> None:
    xs = [facts(i, booked_week_minutes=m) for i, m in enumerate((0, 100, 300), start=1)]
    ranked = {r.provider_id: points(r)["fairness"] for r in scoring.rank(xs, rural=False)}
    # median 100: (100-0)/120 = 0.833333 x 0.15; (100-300)/120 -> -1 x 0.15
    assert ranked == {1: 0.125, 2: 0.0, 3: -0.15}


def test_custom_weights() -> None:
    w = Weights(eta=1.0, continuity=0.0, quality=0.0, fairness=0.0, rural=0.0)
    [r] = scoring.rank([facts(eta_minutes=15.0)], rural=False, team_median=0, weights=w)
    assert r.score == 0.75


@pytest.mark.parametrize(
    ("kw", "need", "codes"),
    [
        ({}, {}, []),
        ({"distance_km": 5.01}, {}, ["outside_radius"]),
        ({"distance_km": None}, {}, ["no_home_base"]),
        ({"gender": "male"}, {"preferred_gender": "female"}, ["gender_preference"]),
        ({"gender": ""}, {"preferred_gender": "female"}, ["gender_preference"]),
        ({"gender": ""}, {"preferred_gender": ""}, []),
        ({"languages": frozenset({"en"})}, {"languages": frozenset({"zh"})},
         ["no_shared_language"]),
        ({"languages": frozenset({"en", "zh"})}, {"languages": frozenset({"zh"})}, []),
        ({}, {"excluded": frozenset({1})}, ["excluded_by_elder"]),
        ({}, {"sanctioned": frozenset({1})}, ["sanctioned"]),
        ({"booked_day_minutes": 420}, {}, []),
        ({"booked_day_minutes": 421}, {}, ["daily_cap"]),
        ({"distance_km": 9.0, "gender": "male"}, {"preferred_gender": "female",
                                                  "excluded": frozenset({1})},
         ["outside_radius", "gender_preference", "excluded_by_elder"]),
    ],
)  # fmt: skip
def test_screen(kw: dict[str, object], need: dict[str, object], codes: list[str]) -> None:
    """Each rule alone (a 60-minute visit, cap 480), and every failed rule reported."""
    assert scoring.screen(facts(**kw), VisitNeed(duration_minutes=60, **need)) == codes  # type: ignore[arg-type]


def test_nearest_and_median() -> None:
    xs = [facts(2, eta_minutes=4.0), facts(1, eta_minutes=4.0), facts(3, eta_minutes=1.0)]
    assert [f.provider_id for f in scoring.nearest(xs)] == [3, 1, 2]
    assert (scoring.median([]), scoring.median([3, 1]), scoring.median([5, 1, 3])) == (
        0.0,
        2.0,
        3.0,
    )
