"""The provider quality score: a Bayesian average (pure functions, ADR 0014).

A provider with few ratings is pulled towards a prior mean ``m`` with the weight of ``C``
imaginary ratings, so one 5-star visit does not outrank a hundred 4.8-star visits:

    score = (C * m + sum(ratings)) / (C + n)

Each rating counts as the mean of its three dimensions (punctuality, skill, attitude).
The inputs are integer sums so the stored aggregate never drifts.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Prior mean: what we assume of a provider nobody has rated yet.
PRIOR_MEAN = 4.0
#: Prior weight: how many imaginary ratings at the prior mean every provider starts with.
PRIOR_WEIGHT = 10
DIMENSIONS = 3
#: A rating with any dimension at or below this opens a quality review.
LOW_SCORE = 2
MIN_SCORE = 1
MAX_SCORE = 5


def bayesian_average(
    total: float, count: int, *, prior_mean: float = PRIOR_MEAN, prior_weight: float = PRIOR_WEIGHT
) -> float:
    """``(C*m + total) / (C + n)``; with no ratings and no weight, the prior mean."""
    if count < 0 or prior_weight < 0:
        raise ValueError("count and prior_weight must not be negative")
    if count + prior_weight == 0:
        return prior_mean
    return (prior_weight * prior_mean + total) / (prior_weight + count)


@dataclass(frozen=True)
class Tally:
    """Integer sums of a provider's ratings."""

    count: int = 0
    punctuality: int = 0
    skill: int = 0
    attitude: int = 0

    def add(self, punctuality: int, skill: int, attitude: int) -> Tally:
        return Tally(
            self.count + 1,
            self.punctuality + punctuality,
            self.skill + skill,
            self.attitude + attitude,
        )

    @property
    def points(self) -> int:
        return self.punctuality + self.skill + self.attitude


def score(
    tally: Tally, *, prior_mean: float = PRIOR_MEAN, prior_weight: float = PRIOR_WEIGHT
) -> float:
    """The overall score, rounded to 3 decimals: each rating weighs as its dimension mean."""
    value = bayesian_average(
        tally.points / DIMENSIONS, tally.count, prior_mean=prior_mean, prior_weight=prior_weight
    )
    return round(value, 3)


def dimension_score(
    total: int, count: int, *, prior_mean: float = PRIOR_MEAN, prior_weight: float = PRIOR_WEIGHT
) -> float:
    return round(
        bayesian_average(total, count, prior_mean=prior_mean, prior_weight=prior_weight), 3
    )


def is_low(punctuality: int, skill: int, attitude: int) -> bool:
    """A rating that opens a quality review: any dimension at or below ``LOW_SCORE``."""
    return min(punctuality, skill, attitude) <= LOW_SCORE


def valid_score(value: object) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and MIN_SCORE <= value <= MAX_SCORE
    )
