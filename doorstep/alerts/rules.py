"""The alert rules as plain functions over plain values (ADR 0031). No Django here.

* ``measures(kind, values)``: the numbers a reading carries (blood pressure -> systolic and
  diastolic, glucose -> glucose in mmol/L, ...).
* ``evaluate_thresholds``: per-measure bands (critical low <= warning low < normal < warning
  high <= critical high), the platform defaults overridden per elder field by field. A value
  *at* a boundary is in the band (systolic 180 is critical, glucose 3.9 is critical).
* ``baseline_anomaly``: the personal baseline is the median of the elder's recent readings,
  the spread their median absolute deviation (MAD, floored per measure so a flat history
  does not make every wobble an anomaly); a reading whose robust z-score
  ``0.6745 * (x - median) / MAD`` is at least ``k`` away is unusual for this elder.
* ``no_motion`` and ``door_unopened``: inactivity, evaluated by the periodic task.
* ``alarm``: fall, SOS, voice alarm, smoke and gas are critical at once.

Each returns a ``Finding`` (or ``None``): what the alert service raises or folds into an open
alert with the same ``fold_key``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple, cast

INFO, WARNING, CRITICAL = "info", "warning", "critical"
_RANK = {INFO: 0, WARNING: 1, CRITICAL: 2}


@dataclass(frozen=True)
class Band:
    """Thresholds of one measure; ``None`` = no bound on that side."""

    critical_low: Decimal | None = None
    warning_low: Decimal | None = None
    warning_high: Decimal | None = None
    critical_high: Decimal | None = None

    def merged(self, override: Band | None) -> Band:
        """This band with every bound the override sets replacing the default."""
        if override is None:
            return self
        return replace(
            self,
            **{
                name: getattr(override, name)
                for name in ("critical_low", "warning_low", "warning_high", "critical_high")
                if getattr(override, name) is not None
            },
        )

    def is_ordered(self) -> bool:
        bounds = [
            b
            for b in (self.critical_low, self.warning_low, self.warning_high, self.critical_high)
            if b is not None
        ]
        return all(a <= b for a, b in itertools.pairwise(bounds))


def _d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def band(
    critical_low: str | None = None,
    warning_low: str | None = None,
    warning_high: str | None = None,
    critical_high: str | None = None,
) -> Band:
    return Band(_d(critical_low), _d(warning_low), _d(warning_high), _d(critical_high))


#: Platform defaults (an elder's overrides replace single bounds). Units: mm[Hg], mmol/L,
#: /min, %, Cel. Systolic >= 180 or diastolic >= 110 is a hypertensive crisis; glucose
#: <= 3.9 mmol/L is hypoglycaemia.
DEFAULT_BANDS: dict[str, Band] = {
    "systolic": band(critical_low="80", warning_low="90", warning_high="160", critical_high="180"),
    "diastolic": band(warning_low="50", warning_high="100", critical_high="110"),
    "glucose": band(critical_low="3.9", warning_low="4.4", warning_high="13.9", critical_high="16.7"),
    "heart_rate": band(critical_low="40", warning_low="50", warning_high="110", critical_high="130"),
    "spo2": band(critical_low="88", warning_low="92"),
    "temperature": band(critical_low="35.0", warning_low="35.5", warning_high="38.0",
                        critical_high="39.5"),
}  # fmt: skip

#: The smallest spread assumed for the baseline (a flat history would make any change an
#: anomaly), in the measure's unit.
MAD_FLOOR: dict[str, Decimal] = {
    "systolic": Decimal("4"),
    "diastolic": Decimal("3"),
    "glucose": Decimal("0.3"),
    "heart_rate": Decimal("3"),
    "spo2": Decimal("1"),
    "temperature": Decimal("0.2"),
}
#: The values a bound of an elder's threshold may take, per measure (physiologically
#: possible readings; a bound outside them is a typing error), in the measure's unit.
PLAUSIBLE: dict[str, tuple[Decimal, Decimal]] = {
    "systolic": (Decimal("50"), Decimal("260")),
    "diastolic": (Decimal("30"), Decimal("160")),
    "glucose": (Decimal("1.5"), Decimal("33.3")),
    "heart_rate": (Decimal("25"), Decimal("220")),
    "spo2": (Decimal("60"), Decimal("100")),
    "temperature": (Decimal("32.0"), Decimal("43.0")),
}
#: The unit of each measure (UCUM), as shown next to a bound.
UNITS: dict[str, str] = {
    "systolic": "mm[Hg]",
    "diastolic": "mm[Hg]",
    "glucose": "mmol/L",
    "heart_rate": "/min",
    "spo2": "%",
    "temperature": "Cel",
}
BOUNDS = ("critical_low", "warning_low", "warning_high", "critical_high")
#: The reading types that carry measures, and the measure names of their values.
READING_MEASURES: dict[str, tuple[str, ...]] = {
    "blood_pressure": ("systolic", "diastolic"),
    "glucose": ("glucose",),
    "heart_rate": ("heart_rate",),
    "spo2": ("spo2",),
    "temperature": ("temperature",),
}
#: Alarm event types (critical at once).
ALARMS = frozenset({"sos", "fall", "voice_alarm", "smoke", "gas"})


@dataclass(frozen=True)
class Reason:
    """Why a rule fired: the measure, its value, the comparison and the bound."""

    measure: str
    value: Decimal
    op: str
    bound: Decimal

    def as_dict(self) -> dict[str, str]:
        return {
            "measure": self.measure,
            "value": str(self.value),
            "op": self.op,
            "bound": str(self.bound),
        }


@dataclass(frozen=True)
class Finding:
    """A rule's verdict: raise (or fold into) an alert of ``kind`` with ``severity``."""

    kind: str
    severity: str
    fold_key: str
    reasons: tuple[Reason, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def measures(kind: str, values: Mapping[str, Any]) -> dict[str, Decimal]:
    """The measures of one reading; keys not present or not numbers are left out.

    A single-value reading may carry its value as ``value`` or under its own name
    (``{"glucose": 5.2}``).
    """
    names = READING_MEASURES.get(kind, ())
    out: dict[str, Decimal] = {}
    for name in names:
        raw = values.get(name)
        if raw is None and len(names) == 1:
            raw = values.get("value")
        number = _number(raw)
        if number is not None:
            out[name] = number
    return out


def classify(value: Decimal, bounds: Band) -> tuple[str, Reason | None]:
    """The severity of one value against one band, with the bound it crossed."""
    checks = (
        (CRITICAL, bounds.critical_high, ">="),
        (CRITICAL, bounds.critical_low, "<="),
        (WARNING, bounds.warning_high, ">="),
        (WARNING, bounds.warning_low, "<="),
    )
    for severity, bound, op in checks:
        if bound is None:
            continue
        if (op == ">=" and value >= bound) or (op == "<=" and value <= bound):
            return severity, Reason("", value, op, bound)
    return INFO, None


def evaluate_thresholds(
    kind: str,
    values: Mapping[str, Decimal],
    overrides: Mapping[str, Band] | None = None,
    defaults: Mapping[str, Band] = DEFAULT_BANDS,
) -> Finding | None:
    """The worst band any measure of the reading falls in (warning or critical), or None."""
    overrides = overrides or {}
    worst = INFO
    reasons: list[Reason] = []
    for measure in sorted(values):
        default = defaults.get(measure)
        if default is None:
            continue
        severity, reason = classify(values[measure], default.merged(overrides.get(measure)))
        if reason is None:
            continue
        reason = replace(reason, measure=measure)
        if _RANK[severity] > _RANK[worst]:
            worst, reasons = severity, [reason]
        elif severity == worst:
            reasons.append(reason)
    if worst == INFO:
        return None
    return Finding(
        kind="threshold", severity=worst, fold_key=f"threshold:{kind}", reasons=tuple(reasons)
    )


@dataclass(frozen=True)
class Baseline:
    median: Decimal
    mad: Decimal
    n: int


def _dec(hundredths: int) -> Decimal:
    """An amount in hundredths as the database hands it back: two places (``1200.00``)."""
    return Decimal(hundredths).scaleb(-2)


def hundredths(history: Sequence[Decimal]) -> list[int] | None:
    """``history`` in hundredths of the unit (how observations are stored: two decimal
    places); None if a value has more places."""
    out: list[int] = []
    for x in history:
        scaled = x.scaleb(2)
        if scaled != scaled.to_integral_value():
            return None
        out.append(int(scaled))
    return out


def _baseline_exact(history: Sequence[Decimal], floor: Decimal) -> Baseline:
    """The reference: ``statistics.median`` over the Decimals, twice."""
    median = Decimal(statistics.median(history))
    mad = Decimal(statistics.median([abs(x - median) for x in history]))
    return Baseline(median=median, mad=max(mad, floor), n=len(history))


class _Order(NamedTuple):
    """A history in hundredths, sorted, with twice its median (``m2``, an int: the mean of
    the two middle values is then exact) and its deviations doubled, sorted."""

    values: list[int]
    m2: int
    devs: list[int]


def _order(history: Sequence[int]) -> _Order:
    s = sorted(history)
    mid = len(s) // 2
    m2 = s[mid - 1] + s[mid] if len(s) % 2 == 0 else 2 * s[mid]
    return _Order(s, m2, sorted([abs(2 * x - m2) for x in s]))


def _approx_mad(order: _Order) -> float:
    """The (unfloored) MAD as a float, in the unit."""
    devs, mid = order.devs, len(order.devs) // 2
    return (devs[mid - 1] + devs[mid]) / 400 if len(devs) % 2 == 0 else devs[mid] / 200


def _baseline_hundredths(order: _Order, floor: Decimal) -> Baseline:
    """The reference's numbers from ints (ADR 0034): only the one or two middle values
    become Decimals, by the very operations of the reference (so ``70.50``, not ``70.5``:
    the same digits, not just the same value)."""
    s, m2, devs = order
    n = len(s)
    mid = n // 2
    median = _dec(s[mid]) if n % 2 else (_dec(s[mid - 1]) + _dec(s[mid])) / 2
    # A value at (doubled) distance d from the median is (m2 + d) / 2, an int (m2 + d is
    # 2x or 2(m2 - x)); its deviation as a Decimal is the reference's.
    if n % 2:
        mad = abs(_dec((m2 + devs[mid]) // 2) - median)
    else:
        low = abs(_dec((m2 + devs[mid - 1]) // 2) - median)
        mad = (low + abs(_dec((m2 + devs[mid]) // 2) - median)) / 2
    return Baseline(median=median, mad=max(mad, floor), n=n)


def _as_hundredths(history: Sequence[Decimal] | Sequence[int]) -> Sequence[int] | None:
    """Ints as they are (all or none: a history is one or the other), Decimals scaled."""
    if isinstance(history[0], int):
        return cast("Sequence[int]", history)
    return hundredths(cast("Sequence[Decimal]", history))


def baseline(
    history: Sequence[Decimal] | Sequence[int],
    measure: str,
    *,
    mad_floor: Mapping[str, Decimal] = MAD_FLOOR,
) -> Baseline | None:
    """Median and (floored) median absolute deviation of ``history``; None when empty.

    ``history``: ints in hundredths of the unit (what the alert service loads), or Decimals
    (taken at two places, as stored; with more places the reference computation is used).
    """
    if not history:
        return None
    floor = mad_floor.get(measure, _DEFAULT_FLOOR)
    scaled = _as_hundredths(history)
    if scaled is None:
        return _baseline_exact(cast("Sequence[Decimal]", history), floor)
    return _baseline_hundredths(_order(scaled), floor)


def robust_z(value: Decimal, base: Baseline) -> Decimal:
    """``0.6745 * (value - median) / MAD``: about a z-score for normal data."""
    return (Decimal("0.6745") * (value - base.median) / base.mad).quantize(Decimal("0.01"))


_DEFAULT_FLOOR = Decimal("0.1")
_FLOAT_FLOOR = {measure: float(floor) for measure, floor in MAD_FLOOR.items()}
#: How far below ``k`` a float estimate of the robust z-score must be for the exact one to
#: be skipped (float error is ~1e-15 relative; the exact one is rounded to 0.01).
_Z_MARGIN = 0.02


def baseline_anomaly(
    kind: str,
    values: Mapping[str, Decimal],
    history: Mapping[str, Sequence[Decimal] | Sequence[int]],
    *,
    k: Decimal = Decimal("3.5"),
    min_history: int = 10,
) -> Finding | None:
    """A warning when a measure is at least ``k`` robust z-scores from the elder's own
    median over at least ``min_history`` earlier readings; None otherwise. ``history`` as
    for ``baseline``. Most readings are ordinary: a float estimate of z well inside ``k``
    settles them without a Decimal (same verdicts as ``robust_z`` on ``baseline``)."""
    reasons: list[Reason] = []
    z_scores: dict[str, str] = {}
    below = float(k) - _Z_MARGIN
    for measure in sorted(values):
        past = history.get(measure, ())
        if len(past) < min_history:
            continue
        value = values[measure]
        scaled = _as_hundredths(past)
        if scaled is None:
            base = _baseline_exact(
                cast("Sequence[Decimal]", past), MAD_FLOOR.get(measure, _DEFAULT_FLOOR)
            )
        else:
            order = _order(scaled)
            mad = max(_approx_mad(order), _FLOAT_FLOOR.get(measure, 0.1))
            if abs(0.6745 * (float(value) - order.m2 / 200) / mad) < below:
                continue
            base = _baseline_hundredths(order, MAD_FLOOR.get(measure, _DEFAULT_FLOOR))
        z = robust_z(value, base)
        if abs(z) >= k:
            reasons.append(Reason(measure, value, "z", z))
            z_scores[measure] = str(z)
            z_scores[f"{measure}_median"] = str(base.median)
    if not reasons:
        return None
    return Finding(
        kind="baseline",
        severity=WARNING,
        fold_key=f"baseline:{kind}",
        reasons=tuple(reasons),
        details=z_scores,
    )


@dataclass(frozen=True)
class Daytime:
    """Local hours in which inactivity counts (people sleep at night)."""

    start: dt.time = dt.time(7, 0)
    end: dt.time = dt.time(21, 0)

    def contains(self, local: dt.datetime) -> bool:
        return self.start <= local.time() < self.end


def no_motion(
    now_local: dt.datetime,
    last_motion_local: dt.datetime | None,
    *,
    hours: float,
    daytime: Daytime = Daytime(),
) -> Finding | None:
    """No movement for ``hours`` of *daytime*: the clock starts at the later of the last
    motion and this morning's start of daytime (the night does not count). Only evaluated
    in the daytime; an elder whose sensor never reported has no finding."""
    if last_motion_local is None or not daytime.contains(now_local):
        return None
    morning = now_local.replace(
        hour=daytime.start.hour, minute=daytime.start.minute, second=0, microsecond=0
    )
    since = max(last_motion_local, morning)
    quiet = now_local - since
    if quiet < dt.timedelta(hours=hours):
        return None
    return Finding(
        kind="no_motion",
        severity=WARNING,
        fold_key="no_motion",
        details={"quiet_minutes": int(quiet.total_seconds() // 60), "hours": hours},
    )


def door_unopened(
    now_local: dt.datetime,
    last_door_local: dt.datetime | None,
    *,
    hours: float = 24,
    daytime: Daytime = Daytime(),
) -> Finding | None:
    """The door has not been opened for ``hours`` (default: since this time yesterday);
    evaluated in the daytime only, so nobody is woken for it at night."""
    if last_door_local is None or not daytime.contains(now_local):
        return None
    shut = now_local - last_door_local
    if shut < dt.timedelta(hours=hours):
        return None
    return Finding(
        kind="door_unopened",
        severity=WARNING,
        fold_key="door_unopened",
        details={"shut_hours": int(shut.total_seconds() // 3600), "hours": hours},
    )


def alarm(event_type: str, device_id: int) -> Finding | None:
    """Fall, SOS and voice alarm: critical, one incident each; smoke and gas: critical,
    folded per device (a detector repeats while the smoke lasts)."""
    if event_type not in ALARMS:
        return None
    folded = event_type in {"smoke", "gas"}
    return Finding(
        kind=event_type,
        severity=CRITICAL,
        fold_key=f"{event_type}:{device_id}" if folded else "",
    )


def device_status(status: str, device_id: int) -> Finding | None:
    """Offline: a warning; battery low: information for the family. Online: nothing (the
    service resolves the open offline alert)."""
    if status == "offline":
        return Finding(kind="device_offline", severity=WARNING, fold_key=f"offline:{device_id}")
    if status == "battery_low":
        return Finding(kind="battery_low", severity=INFO, fold_key=f"battery:{device_id}")
    return None


def worse(a: str, b: str) -> str:
    """The worse of two severities."""
    return a if _RANK[a] >= _RANK[b] else b


@dataclass(frozen=True)
class Problem:
    """Why an elder's threshold override is refused: ``code`` is ``unknown_measure``,
    ``empty``, ``out_of_range`` or ``order``; ``field`` the bound concerned."""

    code: str
    field: str = ""


def check_override(measure: str, override: Band) -> Problem | None:
    """Whether ``override`` may replace the default bounds of ``measure``.

    Every bound it sets must lie in ``PLAUSIBLE[measure]`` (inclusive), and the bounds in
    force afterwards (the override merged into the default) must keep the order critical
    low <= warning low < warning high <= critical high: a low bound strictly below every
    high bound, so the normal range is never empty.
    """
    default = DEFAULT_BANDS.get(measure)
    if default is None:
        return Problem("unknown_measure", "measure")
    values = {name: getattr(override, name) for name in BOUNDS}
    if all(v is None for v in values.values()):
        return Problem("empty", BOUNDS[0])
    low, high = PLAUSIBLE[measure]
    for name in BOUNDS:
        value = values[name]
        if value is not None and not (low <= value <= high):
            return Problem("out_of_range", name)
    merged = default.merged(override)
    present = [(n, getattr(merged, n)) for n in BOUNDS if getattr(merged, n) is not None]
    for (name_a, a), (name_b, b) in itertools.combinations(present, 2):
        same_side = name_a.endswith("_low") == name_b.endswith("_low")
        if (same_side and a > b) or (not same_side and a >= b):
            culprit = name_b if values[name_b] is not None else name_a
            return Problem("order", culprit)
    return None
