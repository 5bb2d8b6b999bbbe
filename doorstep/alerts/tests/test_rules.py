"""The alert rules on tiny hand-checked cases (pure functions, no database)."""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from doorstep.alerts import rules

SH = ZoneInfo("Asia/Shanghai")


def test_blood_pressure_at_the_critical_bound_is_critical() -> None:
    """Systolic 180 is critical (the bound is in the band); diastolic 95 alone is normal."""
    found = rules.measures("blood_pressure", {"systolic": 180, "diastolic": 95, "pulse": 80})
    assert found == {"systolic": D(180), "diastolic": D(95)}
    finding = rules.evaluate_thresholds("blood_pressure", found)
    assert finding is not None
    assert (finding.severity, finding.fold_key) == ("critical", "threshold:blood_pressure")
    assert [r.as_dict() for r in finding.reasons] == [
        {"measure": "systolic", "value": "180", "op": ">=", "bound": "180"}
    ]


def test_diastolic_110_is_critical_and_179_over_109_a_warning() -> None:
    critical = rules.evaluate_thresholds(
        "blood_pressure", {"systolic": D(150), "diastolic": D(110)}
    )
    assert critical is not None
    assert critical.severity == "critical"
    assert [r.measure for r in critical.reasons] == ["diastolic"]
    warning = rules.evaluate_thresholds("blood_pressure", {"systolic": D(179), "diastolic": D(109)})
    assert warning is not None
    assert warning.severity == "warning"
    # both measures are in the warning band: both are reasons
    assert sorted(r.measure for r in warning.reasons) == ["diastolic", "systolic"]


def test_glucose_3_9_is_critical_4_0_a_warning_and_normal_is_nothing() -> None:
    assert rules.evaluate_thresholds("glucose", {"glucose": D("3.9")}).severity == "critical"  # type: ignore[union-attr]
    assert rules.evaluate_thresholds("glucose", {"glucose": D("4.0")}).severity == "warning"  # type: ignore[union-attr]
    assert rules.evaluate_thresholds("glucose", {"glucose": D("6.1")}) is None
    # a single-value reading may carry its value as "value"
    assert rules.measures("glucose", {"value": "5.2"}) == {"glucose": D("5.2")}
    assert rules.measures("glucose", {"value": "high"}) == {}


def test_an_elder_override_replaces_only_the_bounds_it_sets() -> None:
    """After a stroke: systolic critical from 170. 172 is critical for her, not for others;
    her warning-high bound is still the default 160."""
    mine = {"systolic": rules.Band(critical_high=D(170))}
    reading = {"systolic": D(172)}
    assert rules.evaluate_thresholds("blood_pressure", reading, mine).severity == "critical"  # type: ignore[union-attr]
    assert rules.evaluate_thresholds("blood_pressure", reading).severity == "warning"  # type: ignore[union-attr]
    merged = rules.DEFAULT_BANDS["systolic"].merged(mine["systolic"])
    assert (merged.warning_high, merged.critical_high) == (D(160), D(170))
    assert not rules.DEFAULT_BANDS["systolic"].merged(rules.Band(critical_high=D(150))).is_ordered()


HISTORY = [D(x) for x in (120, 122, 118, 121, 119, 120, 123, 117, 120, 121)]


def test_baseline_median_and_floored_mad() -> None:
    """Median 120; deviations 0,2,2,1,1,0,3,3,0,1 -> MAD 1, floored to 4 mmHg."""
    base = rules.baseline(HISTORY, "systolic")
    assert base == rules.Baseline(median=D(120), mad=D(4), n=10)
    assert rules.robust_z(D(150), base) == D("5.06")  # 0.6745 * 30 / 4 = 5.05875


def test_baseline_anomaly_flags_unusual_for_her_but_not_small_changes() -> None:
    history = {"systolic": HISTORY, "diastolic": [D(80)] * 10}
    finding = rules.baseline_anomaly(
        "blood_pressure", {"systolic": D(150), "diastolic": D(82)}, history
    )
    assert finding is not None
    assert (finding.kind, finding.severity, finding.fold_key) == (
        "baseline",
        "warning",
        "baseline:blood_pressure",
    )
    assert [r.measure for r in finding.reasons] == ["systolic"]
    # 140: z = 0.6745 * 20 / 4 = 3.37 < 3.5
    assert rules.baseline_anomaly("blood_pressure", {"systolic": D(140)}, history) is None
    # fewer than 10 earlier readings: no baseline yet
    assert rules.baseline_anomaly("blood_pressure", {"systolic": D(150)},
                                  {"systolic": HISTORY[:9]}) is None  # fmt: skip


def test_no_motion_counts_daytime_hours_only() -> None:
    """Last motion 22:00 yesterday; daytime from 07:00; 4 hours: 10:59 is quiet for
    3 h 59 min (nothing), 11:30 for 4 h 30 min (a warning). At 06:00 it is night."""
    last = dt.datetime(2026, 11, 22, 22, 0, tzinfo=SH)
    assert rules.no_motion(dt.datetime(2026, 11, 23, 10, 59, tzinfo=SH), last, hours=4) is None
    finding = rules.no_motion(dt.datetime(2026, 11, 23, 11, 30, tzinfo=SH), last, hours=4)
    assert finding is not None
    assert (finding.kind, finding.fold_key, finding.details["quiet_minutes"]) == (
        "no_motion",
        "no_motion",
        270,
    )
    assert rules.no_motion(dt.datetime(2026, 11, 23, 6, 0, tzinfo=SH), last - dt.timedelta(days=2),
                           hours=4) is None  # fmt: skip
    assert rules.no_motion(dt.datetime(2026, 11, 23, 12, 0, tzinfo=SH), None, hours=4) is None


def test_door_not_opened_since_this_time_yesterday() -> None:
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SH)
    assert rules.door_unopened(now, now - dt.timedelta(hours=23, minutes=59)) is None
    finding = rules.door_unopened(now, now - dt.timedelta(hours=26))
    assert finding is not None
    assert finding.details["shut_hours"] == 26


def test_alarms_are_critical_sos_never_folded_smoke_folded_per_device() -> None:
    sos = rules.alarm("sos", 7)
    assert sos is not None
    assert (sos.severity, sos.fold_key) == ("critical", "")
    smoke = rules.alarm("smoke", 7)
    assert smoke is not None
    assert smoke.fold_key == "smoke:7"
    assert rules.alarm("motion", 7) is None
    assert rules.device_status("offline", 3).fold_key == "offline:3"  # type: ignore[union-attr]
    assert rules.device_status("battery_low", 3).severity == "info"  # type: ignore[union-attr]
    assert rules.device_status("online", 3) is None


def _old_baseline(history: list[D], floor: D) -> rules.Baseline:
    """The computation before ADR 0034's addendum: ``statistics.median`` over Decimals."""
    median = D(statistics.median(history))
    mad = D(statistics.median([abs(x - median) for x in history]))
    return rules.Baseline(median=median, mad=max(mad, floor), n=len(history))


def _stored(*values: str | int) -> list[D]:
    """Values as the database hands them back (two places: ``70.00``, ``36.50``)."""
    return [D(v).quantize(D("0.01")) for v in values]


TRICKY = [
    _stored(70),  # one value
    _stored(70, 71),  # even: the mean of the middle two (70.50)
    _stored(70, 70, 71, 71),  # ties in the middle
    _stored(120, 122, 118, 121, 119, 120, 123, 117, 120, 121),  # even, MAD below the floor
    _stored(*([80] * 10)),  # flat
    _stored("36.5", "36.6", "36.5", "36.8", "37.1", "36.4", "36.9"),  # one place, odd
    _stored("36.5", "36.6", "36.7", "36.9"),  # one place, even: 36.65 (three places)
    _stored("5.1", "5.2", "6.3", "7.75", "4.05", "5.15"),  # two places, median x.xx5
    _stored(60, 95, 61, 94, 62, 93, 80, 79, 81, 70, 71, 72),  # wide, even
    _stored(*range(60, 90)),  # 30 values, MAD 7.5
    _stored(*range(60, 91)),  # 31 values
]


def test_the_integer_baseline_gives_the_same_digits_as_statistics_median() -> None:
    """Median and MAD from ints in hundredths (what the service loads) equal the Decimal
    computation's to the digit (``70.50``, ``36.65``), for odd and even counts, ties, one
    or two places, above and below the floor; Decimals given are taken the same way, and
    ones with more places go through the reference itself."""
    for history in TRICKY:
        for floor in (D("0.01"), D("3"), D("0.2")):
            old = _old_baseline(history, floor)
            new = rules.baseline(rules.hundredths(history) or [], "x", mad_floor={"x": floor})
            assert new is not None
            assert (str(new.median), str(new.mad), new.n) == (
                str(old.median),
                str(old.mad),
                old.n,
            ), history
            assert rules.baseline(history, "x", mad_floor={"x": floor}) == old
    assert str(rules.baseline(_stored(70, 71), "systolic").median) == "70.50"  # type: ignore[union-attr]
    fine = [D("5.125"), D("5.2"), D("5.3")]
    assert rules.hundredths(fine) is None
    assert rules.baseline(fine, "glucose") == _old_baseline(fine, rules.MAD_FLOOR["glucose"])


def test_the_float_shortcut_gives_the_same_verdicts_as_the_exact_z() -> None:
    """Readings around ``k`` (3.5) robust z-scores either side of the median: the verdict
    and the details are those of ``robust_z`` on the reference baseline."""
    history = _stored(*range(60, 90))  # median 74.50, MAD 7.50: z = 0.6745 * d / 7.5
    ints = rules.hundredths(history)
    assert ints is not None
    old = _old_baseline(history, rules.MAD_FLOOR["heart_rate"])
    seen = set()
    for hundredth in range(10_900, 11_400, 3):  # 109.00 .. 113.97 and mirrored below
        for value in (D(hundredth).scaleb(-2), 2 * old.median - D(hundredth).scaleb(-2)):
            z = rules.robust_z(value, old)
            expected = abs(z) >= D("3.5")
            seen.add(expected)
            finding = rules.baseline_anomaly("heart_rate", {"heart_rate": value},
                                             {"heart_rate": ints})  # fmt: skip
            assert (finding is not None) == expected, value
            if finding is not None:
                assert finding.details == {
                    "heart_rate": str(z),
                    "heart_rate_median": str(old.median),
                }
                assert finding == rules.baseline_anomaly(
                    "heart_rate", {"heart_rate": value}, {"heart_rate": history}
                )
    assert seen == {True, False}
