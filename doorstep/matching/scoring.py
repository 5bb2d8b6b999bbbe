"""Who may take one visit, and in which order to offer it: pure functions over dataclasses
(ADR 0020). No Django here; the adapter is ``selectors.rank_visit``.

Screening (``screen``): the rules that need no database beyond the candidate's own facts:
within the provider's service radius, the elder's provider-gender preference, a shared
language, not excluded by the elder, not sanctioned, and under the daily working-minutes
cap. Credentials and the schedule are checked by the orders rules (``refusals_for``'s
building blocks) in the adapter.

Scoring (``rank``): each candidate gets

    score = w_eta * eta + w_cont * continuity + w_qual * quality
            + w_fair * fairness + w_rural * rural

with every term normalised first:

* ``eta        = max(0, 1 - eta_minutes / H)``, H = ``eta_horizon_minutes`` (60), times
  ``rural_eta_factor`` (2) for a visit in a rural region: in a village everyone is far;
* ``continuity = min(visits, cap) / cap``: visits this provider made to this elder in the
  last 90 days, ``cap`` = 3;
* ``quality    = (q - 1) / 4``: the Bayesian score q in 1..5 (``quality.scoring``); a
  provider without a score row counts at the prior mean (4.0);
* ``fairness   = clamp((median - booked) / max(median, F), -1, 1)``: minutes already booked
  this week against the median of the screened team, F = ``fairness_floor_minutes`` (120);
  below the median scores up to +1, above it down to -1;
* ``rural      = 1`` for a visit in a rural region, else 0. The same for every candidate of
  one visit: it does not change their order, it lifts rural visits' scores (a provider's
  list of offers, reports) and its contribution is shown so the incentive is visible.

Ties break on the shorter ETA, then the smaller provider id, so the ranking is stable.
Labels are English message ids marked with ``gettext_noop``; the adapter translates them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def gettext_noop(message: str) -> str:
    """Mark a message for extraction; translated by the caller."""
    return message


@dataclass(frozen=True)
class Weights:
    """Every tunable of the formula, in one place."""

    eta: float = 0.35
    continuity: float = 0.25
    quality: float = 0.20
    fairness: float = 0.15
    rural: float = 0.05
    eta_horizon_minutes: float = 60.0
    rural_eta_factor: float = 2.0
    continuity_cap: int = 3
    quality_prior: float = 4.0
    quality_min: float = 1.0
    quality_max: float = 5.0
    fairness_floor_minutes: float = 120.0


DEFAULT_WEIGHTS = Weights()

#: Term codes and their labels (message ids), in the order they are reported.
TERM_LABELS: dict[str, str] = {
    "eta": gettext_noop("Travel time"),
    "continuity": gettext_noop("Continuity of care"),
    "quality": gettext_noop("Quality score"),
    "fairness": gettext_noop("Workload fairness this week"),
    "rural": gettext_noop("Rural incentive"),
}

#: Screening refusal codes and their messages (message ids).
REFUSAL_MESSAGES: dict[str, str] = {
    "outside_radius": gettext_noop("The home is outside the provider's service radius."),
    "gender_preference": gettext_noop("The elder asked for a provider of another gender."),
    "no_shared_language": gettext_noop("The provider does not speak the elder's language."),
    "excluded_by_elder": gettext_noop("The elder has excluded this provider."),
    "sanctioned": gettext_noop("The provider is suspended or removed."),
    "daily_cap": gettext_noop("The visit would take the provider over their daily working time."),
    "no_home_base": gettext_noop("The provider has no home base on record."),
}


@dataclass(frozen=True)
class VisitNeed:
    """What the visit asks of whoever takes it."""

    duration_minutes: int
    rural: bool = False
    preferred_gender: str = ""  # "" = any
    languages: frozenset[str] = frozenset()  # empty = no constraint
    excluded: frozenset[int] = frozenset()  # provider ids the elder excluded
    sanctioned: frozenset[int] = frozenset()  # provider ids with a suspension or removal


@dataclass(frozen=True)
class ProviderFacts:
    """One provider as the screen and the score see them."""

    provider_id: int
    distance_km: float | None  # home base to the visit; None = no home base
    service_radius_km: float
    eta_minutes: float
    gender: str = ""
    languages: frozenset[str] = frozenset()
    max_daily_minutes: int = 480
    booked_day_minutes: int = 0
    booked_week_minutes: int = 0
    visits_to_elder: int = 0  # last 90 days
    quality: float | None = None  # Bayesian score 1..5; None = no row yet


def screen(p: ProviderFacts, need: VisitNeed) -> list[str]:
    """Every screening rule ``p`` fails for ``need`` (codes of ``REFUSAL_MESSAGES``)."""
    out: list[str] = []
    if p.distance_km is None:
        out.append("no_home_base")
    elif p.distance_km > p.service_radius_km:
        out.append("outside_radius")
    if need.preferred_gender and p.gender != need.preferred_gender:
        out.append("gender_preference")
    if need.languages and not (need.languages & p.languages):
        out.append("no_shared_language")
    if p.provider_id in need.excluded:
        out.append("excluded_by_elder")
    if p.provider_id in need.sanctioned:
        out.append("sanctioned")
    if p.booked_day_minutes + need.duration_minutes > p.max_daily_minutes:
        out.append("daily_cap")
    return out


@dataclass(frozen=True)
class Term:
    code: str
    label: str  # message id (English)
    value: float  # the raw input: minutes, visits, score, minutes, 0/1
    normalised: float
    weight: float
    points: float  # weight * normalised

    def as_dict(self) -> dict[str, float | str]:
        return {
            "code": self.code,
            "label": self.label,
            "value": self.value,
            "normalised": self.normalised,
            "weight": self.weight,
            "points": self.points,
        }


@dataclass(frozen=True)
class Ranked:
    provider_id: int
    score: float
    eta_minutes: float
    terms: tuple[Term, ...] = field(default_factory=tuple)


def median(values: Iterable[float]) -> float:
    xs = sorted(values)
    if not xs:
        return 0.0
    mid = len(xs) // 2
    return float(xs[mid]) if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2.0


def _clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def _normalised(
    eta_minutes: float,
    visits_to_elder: int,
    quality: float | None,
    booked_week_minutes: int,
    *,
    rural: bool,
    team_median: float,
    w: Weights,
) -> tuple[float, float, float, float, float, float]:
    """``(eta, continuity, q, quality, fairness, rural)``: the normalised terms and the
    quality score used (``q``, the prior when there is none). One formula for
    ``terms_for`` and ``score_of``, so both always agree."""
    horizon = w.eta_horizon_minutes * (w.rural_eta_factor if rural else 1.0)
    eta = _clamp(1.0 - eta_minutes / horizon, 0.0, 1.0)
    cont = min(visits_to_elder, w.continuity_cap) / w.continuity_cap
    q = w.quality_prior if quality is None else quality
    qual = _clamp((q - w.quality_min) / (w.quality_max - w.quality_min), 0.0, 1.0)
    fair = _clamp(
        (team_median - booked_week_minutes) / max(team_median, w.fairness_floor_minutes),
        -1.0,
        1.0,
    )
    return eta, cont, q, qual, fair, (1.0 if rural else 0.0)


def score_of(
    eta_minutes: float,
    visits_to_elder: int,
    quality: float | None,
    booked_week_minutes: int,
    *,
    rural: bool,
    team_median: float,
    weights: Weights = DEFAULT_WEIGHTS,
) -> float:
    """The score ``rank`` gives, without building the terms: the adapter orders
    thousands of candidates with it and builds the terms only for the few it returns."""
    w = weights
    eta, cont, _q, qual, fair, rur = _normalised(
        eta_minutes, visits_to_elder, quality, booked_week_minutes,
        rural=rural, team_median=team_median, w=w,
    )  # fmt: skip
    return round(
        math.fsum(
            (
                round(w.eta * eta, 6),
                round(w.continuity * cont, 6),
                round(w.quality * qual, 6),
                round(w.fairness * fair, 6),
                round(w.rural * rur, 6),
            )
        ),
        6,
    )


def terms_for(
    p: ProviderFacts, *, rural: bool, team_median: float, weights: Weights = DEFAULT_WEIGHTS
) -> tuple[Term, ...]:
    """The five terms of ``p``'s score (see the module docstring)."""
    w = weights
    eta, cont, q, qual, fair, rur = _normalised(
        p.eta_minutes, p.visits_to_elder, p.quality, p.booked_week_minutes,
        rural=rural, team_median=team_median, w=w,
    )  # fmt: skip
    raw = (
        ("eta", p.eta_minutes, eta, w.eta),
        ("continuity", float(p.visits_to_elder), cont, w.continuity),
        ("quality", q, qual, w.quality),
        ("fairness", float(p.booked_week_minutes), fair, w.fairness),
        ("rural", rur, rur, w.rural),
    )
    return tuple(
        Term(code, TERM_LABELS[code], round(value, 4), round(norm, 6), wt, round(wt * norm, 6))
        for code, value, norm, wt in raw
    )


def rank(
    candidates: Sequence[ProviderFacts],
    *,
    rural: bool,
    team_median: float | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[Ranked]:
    """Candidates best first. ``team_median`` defaults to the median of the candidates'
    booked minutes this week."""
    med = median(c.booked_week_minutes for c in candidates) if team_median is None else team_median
    out = [ranked_of(c, rural=rural, team_median=med, weights=weights) for c in candidates]
    out.sort(key=lambda r: (-r.score, r.eta_minutes, r.provider_id))
    return out


def ranked_of(
    c: ProviderFacts, *, rural: bool, team_median: float, weights: Weights = DEFAULT_WEIGHTS
) -> Ranked:
    """One candidate's score with its terms (its total equals ``score_of``'s)."""
    terms = terms_for(c, rural=rural, team_median=team_median, weights=weights)
    return Ranked(c.provider_id, round(math.fsum(t.points for t in terms), 6), c.eta_minutes, terms)


def nearest(candidates: Sequence[ProviderFacts]) -> list[ProviderFacts]:
    """Urgent mode: the shortest ETA first (ties: smaller id)."""
    return sorted(candidates, key=lambda c: (c.eta_minutes, c.provider_id))
