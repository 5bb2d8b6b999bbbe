"""The alert rules on tiny hand-checked cases (pure functions, no database)."""

from __future__ import annotations

import datetime as dt
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
