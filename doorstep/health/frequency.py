"""When an intervention happens: pure date arithmetic over a frequency (ADR 0027).

Three kinds: ``daily``; ``weekly`` on given ISO weekdays (1 Monday .. 7 Sunday, so "three
times a week" is ``weekly`` with three weekdays); ``every_n_days`` counted from the
intervention's start date (so the series does not drift when generation runs late).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

DAILY, WEEKLY, EVERY_N_DAYS = "daily", "weekly", "every_n_days"
KINDS = (DAILY, WEEKLY, EVERY_N_DAYS)
MAX_INTERVAL = 90


class InvalidFrequency(ValueError):
    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(field)


@dataclass(frozen=True)
class Frequency:
    kind: str
    weekdays: tuple[int, ...] = ()
    interval_days: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "frequency": self.kind,
            "weekdays": list(self.weekdays),
            "interval_days": self.interval_days,
        }


def check(
    kind: str, weekdays: list[int] | tuple[int, ...] = (), interval: int | None = None
) -> Frequency:
    """A valid ``Frequency`` or ``InvalidFrequency`` naming the field at fault."""
    if kind not in KINDS:
        raise InvalidFrequency("frequency")
    days = tuple(weekdays or ())
    if kind == WEEKLY:
        if (
            not days
            or any(type(d) is not int or not 1 <= d <= 7 for d in days)
            or len(set(days)) != len(days)
        ):
            raise InvalidFrequency("weekdays")
        days = tuple(sorted(days))
    elif days:
        raise InvalidFrequency("weekdays")
    if kind == EVERY_N_DAYS:
        if type(interval) is not int or not 2 <= interval <= MAX_INTERVAL:
            raise InvalidFrequency("interval_days")
    elif interval is not None:
        raise InvalidFrequency("interval_days")
    return Frequency(kind, days, interval)


def dates(freq: Frequency, *, anchor: dt.date, start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """The days of ``freq`` from ``start`` to ``end`` inclusive; ``anchor`` is the first
    day of the series (every-N-days counts from it)."""
    day = max(start, anchor)
    while day <= end:
        if freq.kind == DAILY:
            yield day
        elif freq.kind == WEEKLY:
            if day.isoweekday() in freq.weekdays:
                yield day
        elif (day - anchor).days % (freq.interval_days or 1) == 0:
            yield day
        day += dt.timedelta(days=1)


def describe(freq: Frequency) -> tuple[str, str]:
    """English and Chinese wording, e.g. ('Mon, Wed, Fri', '每周一、三、五')."""
    en_days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    zh_days = ["一", "二", "三", "四", "五", "六", "日"]
    if freq.kind == DAILY:
        return "Every day", "每天"
    if freq.kind == WEEKLY:
        return (
            ", ".join(en_days[d - 1] for d in freq.weekdays),
            "每周" + "、".join(zh_days[d - 1] for d in freq.weekdays),
        )
    return f"Every {freq.interval_days} days", f"每 {freq.interval_days} 天"
