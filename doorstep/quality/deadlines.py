"""When a complaint's outcome is due (pure functions, ADR 0014).

A safety complaint is due 24 hours after it is filed; any other within 3 working days,
counted in local time (Asia/Shanghai) as whole days skipping Saturdays and Sundays, at the
same time of day. Public holidays and the adjusted working weekends (调休) are not modelled
yet: a complaint filed before a holiday is due early, never late.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SAFETY_HOURS = 24
WORKING_DAYS = 3
LOCAL = ZoneInfo("Asia/Shanghai")
SATURDAY = 5


def add_working_days(at: dt.datetime, days: int) -> dt.datetime:
    """``at`` plus ``days`` Monday-to-Friday days, same local time of day (aware in, out).

    Filed on a weekend, counting starts with the next Monday as day 1."""
    if at.tzinfo is None:
        raise ValueError("aware datetime required")
    local = at.astimezone(LOCAL)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < SATURDAY:
            remaining -= 1
    return dt.datetime.combine(day, local.timetz()).replace(tzinfo=LOCAL)


def complaint_deadline(category: str, filed_at: dt.datetime) -> dt.datetime:
    if category == "safety":
        return filed_at + dt.timedelta(hours=SAFETY_HOURS)
    return add_working_days(filed_at, WORKING_DAYS)
