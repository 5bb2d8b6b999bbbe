"""The Bayesian average and the complaint deadlines, checked by hand."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from doorstep.quality import deadlines, scoring
from doorstep.quality.scoring import Tally

SH = ZoneInfo("Asia/Shanghai")


def test_no_ratings_is_the_prior() -> None:
    assert scoring.score(Tally()) == 4.0
    assert scoring.bayesian_average(0, 0, prior_mean=3.5, prior_weight=0) == 3.5


def test_one_perfect_rating_moves_the_score_a_little() -> None:
    """(10 * 4.0 + 5) / (10 + 1) = 45 / 11 = 4.0909..."""
    assert scoring.score(Tally().add(5, 5, 5)) == 4.091


def test_mixed_ratings_by_hand() -> None:
    """Ratings (5,4,3) -> 4.0 and (1,2,3) -> 2.0: sum 6, n 2.
    (10 * 4.0 + 6) / 12 = 46 / 12 = 3.8333..."""
    tally = Tally().add(5, 4, 3).add(1, 2, 3)
    assert (tally.count, tally.points) == (2, 18)
    assert scoring.score(tally) == 3.833


def test_many_ratings_approach_their_mean() -> None:
    """90 ratings of (5,5,4) -> 14/3 each: (40 + 90 * 14/3) / 100 = (40 + 420) / 100 = 4.6."""
    tally = Tally(count=90, punctuality=450, skill=450, attitude=360)
    assert scoring.score(tally) == 4.6


def test_dimension_score_and_custom_prior() -> None:
    """Punctuality 1 + 2 over 2 ratings, prior 3.0 weight 2: (6 + 3) / 4 = 2.25."""
    assert scoring.dimension_score(3, 2, prior_mean=3.0, prior_weight=2) == 2.25


def test_more_good_ratings_beat_one_perfect_rating() -> None:
    one_perfect = scoring.score(Tally().add(5, 5, 5))
    many_good = scoring.score(Tally(count=100, punctuality=480, skill=480, attitude=480))
    assert many_good > one_perfect


@pytest.mark.parametrize(
    ("scores", "low"),
    [((3, 3, 3), False), ((5, 2, 5), True), ((1, 5, 5), True), ((3, 4, 5), False)],
)
def test_low_rating(scores: tuple[int, int, int], low: bool) -> None:
    assert scoring.is_low(*scores) is low


@pytest.mark.parametrize(
    ("value", "ok"), [(1, True), (5, True), (0, False), (6, False), (True, False), ("5", False)]
)
def test_valid_score(value: object, ok: bool) -> None:
    assert scoring.valid_score(value) is ok


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        scoring.bayesian_average(5, -1)


def test_safety_deadline_is_24_hours() -> None:
    filed = dt.datetime(2026, 6, 19, 22, 30, tzinfo=SH)  # a Friday night
    assert deadlines.complaint_deadline("safety", filed) == dt.datetime(
        2026, 6, 20, 22, 30, tzinfo=SH
    )


@pytest.mark.parametrize(
    ("filed", "due"),
    [
        # Monday 10:00 -> Thursday 10:00
        (dt.datetime(2026, 6, 15, 10, 0), dt.datetime(2026, 6, 18, 10, 0)),
        # Friday 16:00 -> Mon, Tue, Wed -> Wednesday 16:00
        (dt.datetime(2026, 6, 19, 16, 0), dt.datetime(2026, 6, 24, 16, 0)),
        # Saturday 09:00 -> Mon, Tue, Wed -> Wednesday 09:00
        (dt.datetime(2026, 6, 20, 9, 0), dt.datetime(2026, 6, 24, 9, 0)),
    ],
)
def test_other_deadlines_are_three_working_days(filed: dt.datetime, due: dt.datetime) -> None:
    got = deadlines.complaint_deadline("punctuality", filed.replace(tzinfo=SH))
    assert got == due.replace(tzinfo=SH)


def test_deadline_from_utc_counts_local_days() -> None:
    """Friday 2026-06-19 17:00 UTC is Saturday 01:00 in Ningbo: due Wednesday 01:00."""
    filed = dt.datetime(2026, 6, 19, 17, 0, tzinfo=dt.UTC)
    assert deadlines.complaint_deadline("billing", filed) == dt.datetime(
        2026, 6, 24, 1, 0, tzinfo=SH
    )
