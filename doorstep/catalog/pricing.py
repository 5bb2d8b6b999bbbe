"""The price of a visit: a pure function over dataclasses, with a line-by-line breakdown.

No Django here (ADR 0012). The Django adapter that gathers the inputs (the institution's
offered price, the elder's care level, the regional policy and cap, the distance) is
``selectors.quote_input``; ``services.lock_price`` freezes the result on an order.

One visit::

    service fee   = base x complexity(care level) x credential(title, specialist)
    distance fee  = max(0, road metres - free radius) x fee per km / 1000
                    road metres = haversine(origin, home) x detour factor
    night         = service fee x night surcharge      (start hour inside the night window)
    holiday       = service fee x holiday surcharge    (start date in the holiday list)
    consumables   = sum of quantity x unit price
    visit total   = min(cap, sum of the above)          (the "cap" line shows the reduction)

A package of ``n`` visits adds a line for the other ``n - 1`` visits and a discount line
(``discount_bp`` of the ``n`` visits). The lines always add up to ``total_fen``.

Amounts are integer fen. Every division rounds **half up** (``_div_half_up``): 0.5 fen
and above goes up, below goes down; coefficients are basis points (10000 = x1.0).
Labels are English message ids (``gettext_noop``) with ``%(name)s`` parameters, rendered
in the caller's language by ``Line.text``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

BP = 10_000  # basis points in 1


def gettext_noop(message: str) -> str:
    return message


def _div_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, for non-negative integers."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("non-negative numerator and positive denominator expected")
    return (2 * numerator + denominator) // (2 * denominator)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (mean Earth radius 6371.0088 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Policy:
    """Pricing parameters of a region (``models.PricingPolicy``) or the defaults."""

    complexity_bp: Mapping[int, int]  # care level 0-5 -> coefficient
    title_bp: Mapping[int, int]  # minimum title rank 0-5 -> coefficient
    specialist_bp: int  # when a specialist certificate is required
    free_radius_m: int
    distance_fee_fen_per_km: int
    detour_factor_pct: int  # road / straight line, percent
    night_start_hour: int  # local hour the night window opens (inclusive)
    night_end_hour: int  # local hour it closes (exclusive); may be < start (wraps midnight)
    night_surcharge_bp: int
    holidays: frozenset[dt.date]
    holiday_surcharge_bp: int
    version: str = "default"

    def complexity(self, care_level: int) -> int:
        return self.complexity_bp.get(care_level, BP)

    def credential(self, min_title_rank: int, specialist: bool) -> int:
        title = self.title_bp.get(min_title_rank, BP)
        return _div_half_up(title * (self.specialist_bp if specialist else BP), BP)

    def is_night(self, start: dt.datetime) -> bool:
        h, a, b = start.hour, self.night_start_hour, self.night_end_hour
        if a == b:
            return False
        return a <= h < b if a < b else (h >= a or h < b)


#: Chinese public holidays (法定节假日) of 2026 on which offices close.
HOLIDAYS_2026: frozenset[dt.date] = frozenset(
    [dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 1, 3)]
    + [dt.date(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)]  # Spring Festival
    + [dt.date(2026, 4, 4), dt.date(2026, 4, 5), dt.date(2026, 4, 6)]  # Qingming
    + [dt.date(2026, 5, 1) + dt.timedelta(days=i) for i in range(5)]  # Labour Day
    + [dt.date(2026, 6, 19), dt.date(2026, 6, 20), dt.date(2026, 6, 21)]  # Dragon Boat
    + [dt.date(2026, 9, 25), dt.date(2026, 9, 26), dt.date(2026, 9, 27)]  # Mid-Autumn
    + [dt.date(2026, 10, 1) + dt.timedelta(days=i) for i in range(7)]  # National Day
)

#: The defaults when no ``PricingPolicy`` row covers a region (ADR 0012).
DEFAULT_POLICY = Policy(
    complexity_bp={0: 10000, 1: 10000, 2: 11000, 3: 12000, 4: 13000, 5: 15000},
    title_bp={0: 10000, 1: 10000, 2: 10000, 3: 11000, 4: 12500, 5: 15000},
    specialist_bp=12000,
    free_radius_m=3000,
    distance_fee_fen_per_km=200,
    detour_factor_pct=130,
    night_start_hour=20,
    night_end_hour=7,
    night_surcharge_bp=3000,
    holidays=HOLIDAYS_2026,
    holiday_surcharge_bp=5000,
)


@dataclass(frozen=True)
class Consumable:
    code: str
    unit_price_fen: int
    quantity: int = 1
    name_zh: str = ""
    name_en: str = ""


@dataclass(frozen=True)
class QuoteInput:
    base_price_fen: int
    start: dt.datetime  # local time of the visit (Asia/Shanghai)
    policy: Policy = DEFAULT_POLICY
    care_level: int = 0
    min_title_rank: int = 0
    specialist: bool = False
    origin: tuple[float, float] | None = None  # institution or provider base (lat, lng)
    home: tuple[float, float] | None = None  # the elder's home (lat, lng)
    consumables: tuple[Consumable, ...] = ()
    cap_fen: int | None = None  # the regional guidance price of one visit
    visit_count: int = 1
    discount_bp: int = 0


@dataclass(frozen=True)
class Line:
    code: str
    amount_fen: int
    label: str  # English message id with %(name)s placeholders
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = gettext_noop, lang: str = "en") -> str:
        """The label in the caller's language; a ``name_zh`` parameter replaces ``name``
        for Chinese."""
        params = dict(self.params)
        if lang.startswith("zh") and "name_zh" in params:
            params["name"] = params["name_zh"]
        return translate(self.label) % params if params else translate(self.label)


@dataclass(frozen=True)
class Quote:
    lines: tuple[Line, ...]
    visit_fen: int  # one visit, after the cap
    visit_count: int
    total_fen: int
    distance_m: int | None  # road metres used for the distance fee
    capped: bool

    def line(self, code: str) -> Line | None:
        return next((ln for ln in self.lines if ln.code == code), None)


def _bp_text(bp: int) -> str:
    """10000 -> '1.0', 11000 -> '1.1', 12500 -> '1.25'."""
    whole, frac = divmod(bp, BP)
    return f"{whole}.{str(frac).rjust(4, '0').rstrip('0') or '0'}"


def road_distance_m(inp: QuoteInput) -> int | None:
    """Straight-line metres x detour factor, rounded half up; None when a point is unknown."""
    if inp.origin is None or inp.home is None:
        return None
    straight = haversine_m(inp.origin[0], inp.origin[1], inp.home[0], inp.home[1])
    return _div_half_up(round(straight) * inp.policy.detour_factor_pct, 100)


def quote(inp: QuoteInput) -> Quote:
    """The price of ``inp.visit_count`` visits with every step as a line (see module doc)."""
    if inp.base_price_fen < 0 or inp.visit_count < 1 or not 0 <= inp.discount_bp <= BP:
        raise ValueError("invalid quote input")
    p = inp.policy
    lines: list[Line] = [
        Line("base", inp.base_price_fen, gettext_noop("Base fee")),
    ]
    c_bp = p.complexity(inp.care_level)
    after_complexity = _div_half_up(inp.base_price_fen * c_bp, BP)
    lines.append(
        Line(
            "complexity",
            after_complexity - inp.base_price_fen,
            gettext_noop("Care level %(level)s: x%(coefficient)s"),
            {"level": inp.care_level, "coefficient": _bp_text(c_bp)},
        )
    )
    k_bp = p.credential(inp.min_title_rank, inp.specialist)
    service = _div_half_up(after_complexity * k_bp, BP)
    lines.append(
        Line(
            "credential",
            service - after_complexity,
            gettext_noop("Required qualification: x%(coefficient)s"),
            {"coefficient": _bp_text(k_bp)},
        )
    )
    distance = road_distance_m(inp)
    if distance is not None:
        beyond = max(0, distance - p.free_radius_m)
        lines.append(
            Line(
                "distance",
                _div_half_up(beyond * p.distance_fee_fen_per_km, 1000),
                gettext_noop("Travel %(km)s km (first %(free_km)s km free)"),
                {"km": f"{distance / 1000:.1f}", "free_km": f"{p.free_radius_m / 1000:g}"},
            )
        )
    if p.is_night(inp.start):
        lines.append(
            Line(
                "night",
                _div_half_up(service * p.night_surcharge_bp, BP),
                gettext_noop("Night surcharge %(percent)s%%"),
                {"percent": f"{p.night_surcharge_bp / 100:g}"},
            )
        )
    if inp.start.date() in p.holidays:
        lines.append(
            Line(
                "holiday",
                _div_half_up(service * p.holiday_surcharge_bp, BP),
                gettext_noop("Public holiday surcharge %(percent)s%%"),
                {"percent": f"{p.holiday_surcharge_bp / 100:g}"},
            )
        )
    for c in inp.consumables:
        if c.quantity <= 0:
            continue
        lines.append(
            Line(
                f"consumable:{c.code}",
                c.unit_price_fen * c.quantity,
                gettext_noop("%(name)s x %(quantity)s"),
                {
                    "name": c.name_en or c.code,
                    "name_zh": c.name_zh or c.name_en or c.code,
                    "quantity": c.quantity,
                },
            )
        )
    visit = sum(ln.amount_fen for ln in lines)
    capped = inp.cap_fen is not None and visit > inp.cap_fen
    if capped and inp.cap_fen is not None:
        lines.append(
            Line(
                "cap",
                inp.cap_fen - visit,
                gettext_noop("Regional guidance price cap %(cap)s yuan"),
                {"cap": f"{inp.cap_fen / 100:.2f}"},
            )
        )
        visit = inp.cap_fen
    total = visit
    if inp.visit_count > 1:
        others = visit * (inp.visit_count - 1)
        lines.append(
            Line(
                "package_visits",
                others,
                gettext_noop("%(count)s more visits"),
                {"count": inp.visit_count - 1},
            )
        )
        total += others
    if inp.discount_bp:
        discount = _div_half_up(total * inp.discount_bp, BP)
        lines.append(
            Line(
                "package_discount",
                -discount,
                gettext_noop("Package discount %(percent)s%%"),
                {"percent": f"{inp.discount_bp / 100:g}"},
            )
        )
        total -= discount
    return Quote(
        lines=tuple(lines),
        visit_fen=visit,
        visit_count=inp.visit_count,
        total_fen=total,
        distance_m=distance,
        capped=capped,
    )
