"""Six months of consistent visit history for the demo city (issue 3, item 13; ADR 0010).

Runs after the city, catalogue, providers and elders exist and writes, through the same
``FastWriter`` and audited batches as the rest of the seed, what the visit loop would
have written: orders with a locked price (the pure ``pricing.quote`` on the inputs
``catalog.services.lock_price`` would gather), visits assigned to providers of the
offering institution who are eligible for the item (``workforce.eligibility.check`` with
``catalog.selectors.requirement_for``), one ``VisitEvent`` per transition taken, EVV
check-in/out near the home inside the window, a service record that satisfies the item's
documentation template, co-signs, payments, ratings (a rated visit is ``reviewed``),
complaints, first-visit assessments, cancellations (free before the provider sets off, a
fee from ``en_route``), no-shows, aborts, and upcoming visits (in the open pool, assigned
for the next days). ``ProviderQuality`` is written from the same ratings.

Each provider's days are planned one visit after the other, leaving the travel time of
``orders.services.dispatch.travel_minutes`` between homes, so no two windows overlap.

Deterministic: one ``random.Random`` derived from the seed, rows read back in insert
order, every time an offset from the anchor day. Items whose template requires a photo
(wound dressing, pressure injury, diabetic foot) are not booked here: the seed writes no
image files.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models

from doorstep.catalog import pricing
from doorstep.catalog import selectors as catalog_selectors
from doorstep.catalog.models import Offering, PriceCap, PricingPolicy, ServiceItem
from doorstep.core import geo
from doorstep.orders.enums import (
    AssessmentDecision,
    CancelSide,
    Channel,
    CheckKind,
    CoSignMethod,
    PaymentMethod,
    PaymentMode,
    RiskFlag,
    VisitStatus,
)
from doorstep.orders.models import (
    Assessment,
    CheckEvent,
    CoSign,
    Order,
    Payment,
    ServiceRecord,
    Visit,
    VisitEvent,
)
from doorstep.orders.services._common import SPEED_KMH
from doorstep.organizations.models import Institution
from doorstep.people.models import Elder, ElderInstitutionLink, FamilyLink
from doorstep.quality import scoring
from doorstep.quality.deadlines import complaint_deadline
from doorstep.quality.enums import ComplaintCategory, ComplaintStatus
from doorstep.quality.models import Complaint, ProviderQuality, Rating
from doorstep.regions.models import Region
from doorstep.workforce import eligibility
from doorstep.workforce.enums import TransportMode, VerificationStatus
from doorstep.workforce.models import Certificate, Provider

from .writer import make

if TYPE_CHECKING:
    from .seed import DemoCity

S = VisitStatus
HISTORY_MONTHS = 6
#: Visit requests per day at scale 1 (about 94 % end completed: > 20,000 in six months).
REQUESTS_PER_DAY = 132
#: The history grows with ``--scale`` up to this factor (then stays at ~4 x 20,000
#: completed visits): writing it costs ~1 minute per unit of scale on PostgreSQL, and the
#: Lanzhou-scale seed (``--scale 45``) must stay under 10 minutes (docs/benchmarks.md).
HISTORY_SCALE_CAP = 4.0
UPCOMING_DAYS = 3
CHUNK_VISITS = 4000
DAY_START = dt.time(8, 0)
DAY_END = dt.time(19, 0)
EVV_OFFSET_M = 150.0  # check-ins land within this many metres of the home (< 200 m)
CANCEL_FEE_BP = 3000
CANCEL_FEE_CAP_FEN = 5000

# Outcome shares of a past visit request (the rest is completed).
OUTCOMES = [
    ("cancel_unassigned", 0.012),
    ("cancel_assigned", 0.006),
    ("cancel_en_route", 0.004),
    ("no_show", 0.008),
    ("abort", 0.003),
]
ASSESSMENT_REJECT = 0.04
RISK_FLAG_CHOICES = [
    RiskFlag.AGGRESSIVE_PET,
    RiskFlag.INFECTION_RISK,
    RiskFlag.STAIRS_WITHOUT_LIFT,
    RiskFlag.OXYGEN_IN_USE,
    RiskFlag.COGNITIVE_IMPAIRMENT,
]
CANCEL_REASONS = ["家人临时请假在家照顾", "老人住院了", "时间冲突，改天再约", "已在医院完成"]
INSTITUTION_CANCEL_REASONS = ["护理员临时生病，机构取消", "天气原因，机构取消"]
ABORT_REASONS = ["家中犬只攻击，无法安全服务", "老人情绪激动，拒绝服务并有攻击行为"]
NO_SHOW_REASON = "多次敲门和电话无人应答"
REJECT_NOTES = "评估认为需住院治疗，不适合居家护理"
COMMENTS = ["", "", "", "很耐心，谢谢", "准时到达，操作熟练", "态度很好", "来得有点晚"]
COMPLAINT_TEXT: dict[str, str] = {
    ComplaintCategory.PUNCTUALITY: "护士迟到了四十分钟，也没有提前打电话",
    ComplaintCategory.ATTITUDE: "服务人员说话不耐烦",
    ComplaintCategory.SKILL: "操作不熟练，扎了两次",
    ComplaintCategory.SAFETY: "服务后老人手臂红肿",
    ComplaintCategory.BILLING: "收费与下单时显示的不一致",
    ComplaintCategory.PRIVACY: "服务人员在楼道里大声谈论老人病情",
    ComplaintCategory.OTHER: "希望能固定同一位护理员",
}
OUTCOMES_TEXT = ["已与服务人员谈话并安排再培训", "核实后退还差价", "已向家属道歉并改派人员"]
REJECT_OUTCOME = "经核实服务记录与定位，投诉内容不成立"
# Plausible values by template key (clipped to the template's min/max).
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "bp_systolic": (105, 165),
    "bp_diastolic": (60, 98),
    "pulse": (58, 98),
    "temperature": (36.0, 37.4),
    "spo2": (91, 99),
    "resp_rate": (14, 22),
    "glucose": (4.6, 11.5),
    "weight": (42, 82),
    "tubes": (1, 4),
    "catheter_size": (12, 18),
    "tube_depth": (45, 60),
    "arm_circumference": (22, 32),
    "external_length": (0, 5),
    "mmse": (14, 30),
    "pain_score": (0, 6),
    "tcb": (3, 12),
    "hazards": (0, 6),
    "drugs_reviewed": (2, 12),
    "phq9": (0, 14),
}
TEXT_VALUES = {"site": "左上臂", "hospital": "兰州大学第一医院", "notes": ""}


@dataclass
class _Provider:
    pk: int
    user_id: int
    institution_id: int
    home: tuple[float, float]
    speed_kmh: float
    available_from: dt.date  # the day after verification
    items: set[int] = field(default_factory=set)


@dataclass
class _Elder:
    pk: int
    region_id: int
    home: tuple[float, float]
    address: str
    care_level: int
    flags: list[str]
    institution_id: int
    user_id: int | None
    family: list[int]  # users who may place orders (app accounts)


@dataclass
class _Chunk:
    rows: dict[type[models.Model], list[Any]] = field(default_factory=lambda: defaultdict(list))
    visits: int = 0

    def add(self, obj: models.Model) -> Any:
        self.rows[type(obj)].append(obj)
        return obj


#: Insert order (foreign keys first).
WRITE_ORDER: list[type[models.Model]] = [
    Assessment,
    Order,
    Visit,
    VisitEvent,
    CheckEvent,
    ServiceRecord,
    CoSign,
    Payment,
    Rating,
    Complaint,
]


#: The visit event whose time the ledger dates a delivery or a release by.
ENDED_STATUSES = frozenset({S.COMPLETED, S.CANCELLED, S.REJECTED, S.NO_SHOW, S.ABORTED})


def _round_up(t: dt.datetime, minutes: int = 5) -> dt.datetime:
    extra = (-(t.minute % minutes)) % minutes
    t = t.replace(second=0, microsecond=0) + dt.timedelta(minutes=extra)
    return t


class History:
    """Writes ``months`` of history (and a few upcoming days) into the seeded city."""

    def __init__(self, city: DemoCity, *, months: int = HISTORY_MONTHS) -> None:
        self.city = city
        self.months = months
        self.rng = random.Random(city.seed * 7919 + 13)  # noqa: S311 - synthetic data
        self.tz = city.anchor.tzinfo
        self.today = city.today
        self.midnight = dt.datetime.combine(self.today, dt.time(0, 0), tzinfo=self.tz)
        self.per_day = max(1, round(REQUESTS_PER_DAY * min(city.scale, HISTORY_SCALE_CAP)))
        self.tallies: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        self.assessments: dict[tuple[int, int, int], Assessment] = {}
        self.schedule: dict[int, tuple[dt.date, dt.datetime, tuple[float, float]]] = {}
        self.chunk = _Chunk()
        self.ledger: Any = None  # billing.history.HistoryLedger, made at the first flush

    # ------------------------------------------------------------------ loading
    def _load(self) -> None:
        users = self.city.users
        self.items = {
            i.pk: i
            for i in ServiceItem.objects.filter(is_active=True).select_related("category")
            if not any(
                f.get("type") == "photo" and f.get("required") for f in i.documentation_template
            )
        }
        self.requirements = {
            pk: catalog_selectors.requirement_for(i) for pk, i in self.items.items()
        }
        self.institutions = {i.pk: i for i in Institution.objects.filter(status="active")}
        self.paths = dict(Region.objects.values_list("pk", "path"))
        self.region_of_path = {v: k for k, v in self.paths.items()}
        # Offerings by (institution, item): [(region path, offering id, price)].
        self.offerings: dict[tuple[int, int], list[tuple[str, int, int]]] = defaultdict(list)
        for pk, inst, item, region, price in (
            Offering.objects.filter(is_active=True)
            .values_list("pk", "institution_id", "item_id", "region_id", "price_fen")
            .order_by("pk")
        ):
            self.offerings[(inst, item)].append((self.paths[region], pk, price))
        self.caps: dict[int, list[tuple[str, dt.date, dt.date | None, int, int]]] = defaultdict(
            list
        )
        for pk, item, region, cap, frm, to in PriceCap.objects.values_list(
            "pk", "item_id", "region_id", "cap_fen", "effective_from", "effective_to"
        ).order_by("pk"):
            self.caps[item].append((self.paths[region], frm, to, cap, pk))
        self.has_policies = PricingPolicy.objects.exists()
        self.policy_cache: dict[tuple[int, dt.date], pricing.Policy] = {}
        self._load_providers()
        self._load_elders()
        fallback = self.city.operator.pk
        self.staff: dict[int, int] = {}
        for k, institution in enumerate(self.city.institutions, start=1):
            user = users.get("demo_dispatcher" if k == 1 else f"inst{k:02d}_admin")
            self.staff[institution.pk] = user.pk if user is not None else fallback
        self.quality_staff = {
            inst.pk: users.get("demo_quality" if k == 1 else f"inst{k:02d}_admin")
            for k, inst in enumerate(self.city.institutions, start=1)
        }
        self.reviewers = self.city.reviewers
        self.operator = self.city.operator
        self.demo_provider_ids = set(
            Provider.objects.filter(
                user__username__in=["demo_nurse", "demo_caregiver", "demo_doctor"]
            ).values_list("pk", flat=True)
        )

    def _load_providers(self) -> None:
        certs: dict[int, list[eligibility.CertificateFacts]] = defaultdict(list)
        for pid, kind, status, expires in Certificate.objects.values_list(
            "provider_id", "kind", "status", "expires_on"
        ).order_by("pk"):
            certs[pid].append(eligibility.CertificateFacts(kind, status, expires))
        first_day = self.today - dt.timedelta(days=self._days())
        last_day = self.today + dt.timedelta(days=UPCOMING_DAYS)
        self.providers: dict[int, _Provider] = {}
        self.eligible: dict[tuple[int, int], list[_Provider]] = defaultdict(list)
        rows = (
            Provider.objects.filter(
                verification_status=VerificationStatus.VERIFIED,
                is_active=True,
                institution__status="active",
            )
            .order_by("pk")
            .values_list(
                "pk", "user_id", "kind", "institution_id", "licence_number", "title",
                "practice_start_date", "verified_at", "home_lat", "home_lng", "transport_mode",
            )
        )  # fmt: skip
        for pk, user_id, kind, inst, licence, title, start, verified_at, lat, lng, mode in rows:
            if verified_at is None or lat is None or lng is None:
                continue
            facts = eligibility.ProviderFacts(
                kind=kind,
                verification_status=VerificationStatus.VERIFIED,
                licence_number=licence,
                title=title or "",
                practice_start_date=start,
                certificates=tuple(certs[pk]),
                is_active=True,
            )
            available = max(first_day, verified_at.astimezone(self.tz).date() + dt.timedelta(1))
            p = _Provider(
                pk=pk,
                user_id=user_id,
                institution_id=inst,
                home=(lat, lng),
                speed_kmh=SPEED_KMH.get(mode, SPEED_KMH[TransportMode.E_BIKE]),
                available_from=available,
            )
            for item_pk, req in self.requirements.items():
                # Eligible on the first and the last day it may serve (rules are monotone).
                if (
                    eligibility.check(facts, req, available).allowed
                    and eligibility.check(facts, req, last_day).allowed
                ):
                    p.items.add(item_pk)
                    self.eligible[(inst, item_pk)].append(p)
            self.providers[pk] = p

    def _load_elders(self) -> None:
        links = dict(
            ElderInstitutionLink.objects.filter(status="active")
            .order_by("pk")
            .values_list("elder_id", "institution_id")
        )
        family: dict[int, list[int]] = defaultdict(list)
        for elder_id, user_id in (
            FamilyLink.objects.filter(status="active", can_place_orders=True)
            .order_by("pk")
            .values_list("elder_id", "user_id")
        ):
            family[elder_id].append(user_id)
        self.elders: list[_Elder] = []
        weights: list[float] = []
        rows = Elder.objects.order_by("pk").values_list(
            "pk", "region_id", "lat", "lng", "address", "care_level", "user_id",
            "household__lives_alone", "household__floor", "household__has_lift",
        )  # fmt: skip
        for pk, region, lat, lng, address, care, user_id, alone, floor, lift in rows:
            inst = links.get(pk)
            if inst is None or inst not in self.institutions or lat is None or lng is None:
                continue
            flags = []
            if alone:
                flags.append("lives_alone")
            if (floor or 0) > 3 and not lift:
                flags.append("no_lift_high_floor")
            e = _Elder(pk, region, (lat, lng), address, care, flags, inst, user_id, family[pk])
            self.elders.append(e)
            # Families with the app book more; the demo elder books a lot.
            weights.append(40.0 if user_id else (6.0 if e.family else 1.0) * (1 + care / 3))
        self.elder_cum = _cum(weights)
        # Items each institution can staff, weighted (daily care and companionship first).
        self.inst_items: dict[int, tuple[list[int], list[float]]] = {}
        for inst in self.institutions:
            pks = [pk for pk in self.items if self.eligible.get((inst, pk))]
            pks = [pk for pk in pks if self.offerings.get((inst, pk))]
            w = [1.0 if self.items[pk].is_clinical else 3.0 for pk in pks]
            self.inst_items[inst] = (pks, _cum(w))

    def _days(self) -> int:
        return round(self.months * 365 / 12)

    # ------------------------------------------------------------------ pricing
    def _offering(self, inst: int, item: int, region_id: int) -> tuple[int, int] | None:
        path = self.paths[region_id]
        best: tuple[str, int, int] | None = None
        for row in self.offerings.get((inst, item), ()):
            if path.startswith(row[0]) and (best is None or len(row[0]) > len(best[0])):
                best = row
        return (best[1], best[2]) if best else None

    def _cap(self, item: int, region_id: int, on: dt.date) -> int | None:
        path = self.paths[region_id]
        rows = [
            r
            for r in self.caps.get(item, ())
            if path.startswith(r[0]) and r[1] <= on and (r[2] is None or r[2] > on)
        ]
        if not rows:
            return None
        return max(rows, key=lambda r: (len(r[0]), r[1], r[4]))[3]

    def _policy(self, region_id: int, on: dt.date) -> pricing.Policy:
        if not self.has_policies:
            return pricing.DEFAULT_POLICY
        key = (region_id, on)
        if key not in self.policy_cache:
            region = Region.objects.get(pk=region_id)
            self.policy_cache[key] = catalog_selectors.policy_for(region, on)
        return self.policy_cache[key]

    def _price(
        self, elder: _Elder, item: ServiceItem, offering: tuple[int, int], start: dt.datetime
    ) -> tuple[list[dict[str, Any]], int, dict[str, Any]]:
        """What ``catalog.services.lock_price`` would lock for this order."""
        inst = self.institutions[elder.institution_id]
        req = self.requirements[item.pk]
        on = start.date()
        inp = pricing.QuoteInput(
            base_price_fen=offering[1],
            start=start,
            policy=self._policy(elder.region_id, on),
            care_level=elder.care_level,
            min_title_rank=eligibility.TITLE_RANK.get(req.min_title, 0),
            specialist=any(str(c).startswith("specialist_") for c in req.certificate_kinds),
            origin=catalog_selectors.institution_origin(inst),
            home=elder.home,
            consumables=catalog_selectors.consumables_of(item),
            cap_fen=self._cap(item.pk, elder.region_id, on),
        )
        q = pricing.quote(inp)
        lines = [
            {"code": ln.code, "amount_fen": ln.amount_fen, "label": ln.label, "params": ln.params}
            for ln in q.lines
        ]
        inputs = {
            "base_price_fen": inp.base_price_fen,
            "start": inp.start.isoformat(),
            "care_level": inp.care_level,
            "min_title_rank": inp.min_title_rank,
            "specialist": inp.specialist,
            "distance_m": q.distance_m,
            "cap_fen": inp.cap_fen,
            "visit_count": inp.visit_count,
            "discount_bp": inp.discount_bp,
            "policy_version": inp.policy.version,
            "consumables": [
                {
                    "code": c.code,
                    "unit_price_fen": c.unit_price_fen,
                    "quantity": c.quantity,
                    "name_zh": c.name_zh,
                    "name_en": c.name_en,
                }
                for c in inp.consumables
            ],
        }
        locked = {
            "item_id": item.pk,
            "package_id": None,
            "institution_id": inst.pk,
            "offering_id": offering[0],
            "visit_count": q.visit_count,
            "visit_fen": q.visit_fen,
            "total_fen": q.total_fen,
            "cap_fen": inp.cap_fen,
            "lines": lines,
            "inputs": inputs,
        }
        return lines, q.total_fen, locked

    # ------------------------------------------------------------------ planning
    def _assign(
        self, cands: list[_Provider], day: dt.date, wish: dt.datetime, minutes: int, home: Any
    ) -> tuple[_Provider, dt.datetime, int] | None:
        """The first candidate whose day has room after travel; updates their day plan."""
        rng = self.rng
        order = cands if len(cands) <= 6 else rng.sample(cands, 6)
        day_end = dt.datetime.combine(day, DAY_END, tzinfo=self.tz)
        for p in order:
            if p.available_from > day:
                continue
            plan = self.schedule.get(p.pk)
            if plan is not None and plan[0] == day:
                free, here = plan[1], plan[2]
            else:
                free, here = dt.datetime.combine(day, DAY_START, tzinfo=self.tz), p.home
            travel = math.ceil(
                geo.haversine_km(here[0], here[1], home[0], home[1]) / p.speed_kmh * 60
            )
            start = _round_up(max(wish, free + dt.timedelta(minutes=travel + 10)))
            end = start + dt.timedelta(minutes=minutes)
            if end > day_end:
                continue
            self.schedule[p.pk] = (day, end, home)
            return p, start, max(travel, 5)
        return None

    # ------------------------------------------------------------------ rows
    def _event(
        self,
        visit: Visit,
        frm: str,
        to: str,
        at: dt.datetime,
        actor: int | None,
        *,
        reason: str = "",
        details: dict[str, Any] | None = None,
        point: tuple[float, float] | None = None,
    ) -> None:
        self.chunk.add(
            make(
                VisitEvent,
                visit=visit,
                from_status=frm,
                to_status=to,
                actor_id=actor,
                at=at,
                lat=point[0] if point else None,
                lng=point[1] if point else None,
                reason=reason,
                details=details or {},
            )
        )

    def _near(self, home: tuple[float, float]) -> tuple[float, float, float]:
        rng = self.rng
        dist = rng.uniform(3.0, EVV_OFFSET_M)
        bearing = rng.uniform(0, 2 * math.pi)
        lat = home[0] + dist * math.cos(bearing) / 111_320
        lng = home[1] + dist * math.sin(bearing) / (111_320 * math.cos(math.radians(home[0])))
        return lat, lng, geo.haversine_km(home[0], home[1], lat, lng) * 1000

    def _check(
        self, visit: Visit, kind: str, provider: _Provider, at: dt.datetime, home: Any
    ) -> Any:
        lat, lng, dist = self._near(home)
        self.chunk.add(
            make(
                CheckEvent,
                visit=visit,
                kind=kind,
                provider_id=provider.pk,
                at=at,
                lat=lat,
                lng=lng,
                accuracy_m=round(self.rng.uniform(4, 30), 1),
                distance_m=round(dist, 1),
                flagged=False,
                flag_reason="",
            )
        )
        return (lat, lng)

    def _values(self, item: ServiceItem) -> dict[str, Any]:
        rng = self.rng
        out: dict[str, Any] = {}
        for f in item.documentation_template:
            key, kind = f["key"], f.get("type", "text")
            if kind == "photo" or (not f.get("required") and rng.random() < 0.4):
                continue
            if kind in ("number", "integer"):
                lo, hi = PLAUSIBLE.get(key, (f.get("min") or 0, f.get("max") or 10))
                if f.get("min") is not None:
                    lo = max(lo, f["min"])
                if f.get("max") is not None:
                    hi = min(hi, f["max"])
                value: Any = (
                    rng.randint(math.ceil(lo), int(hi))
                    if kind == "integer"
                    else (round(rng.uniform(lo, hi), 1))
                )
            elif kind == "bool":
                value = rng.random() < 0.92
            elif kind == "choice":
                choices = f.get("choices") or [""]
                value = choices[0] if rng.random() < 0.8 else rng.choice(choices)
            else:
                value = TEXT_VALUES.get(key, "")
                if not value:
                    continue
            out[key] = {"value": value, "unit": f.get("unit", ""), "loinc": f.get("loinc", "")}
        return out

    # ------------------------------------------------------------------ one request
    def _request(self, day: dt.date, upcoming: bool) -> None:
        rng = self.rng
        elder = self.elders[rng.choices(range(len(self.elders)), cum_weights=self.elder_cum)[0]]
        pks, cum = self.inst_items[elder.institution_id]
        if not pks:
            return
        item = self.items[rng.choices(pks, cum_weights=cum)[0]]
        offering = self._offering(elder.institution_id, item.pk, elder.region_id)
        if offering is None:
            return
        inst = self.institutions[elder.institution_id]
        first_hour = 13 if upcoming and day == self.today else DAY_START.hour
        wish = dt.datetime.combine(
            day, dt.time(rng.randint(first_hour, 16), 5 * rng.randint(0, 11)), tzinfo=self.tz
        )
        roll = rng.random()
        outcome = "completed"
        acc = 0.0
        for name, share in OUTCOMES:
            acc += share
            if roll < acc:
                outcome = name
                break
        if upcoming:
            outcome = rng.choice(["pool", "pool", "waiting", "assigned", "assigned", "assigned"])
        # Assessment (first visit of a category with this institution).
        assessment: Assessment | None = None
        new_assessment = False
        if item.requires_assessment:
            key = (elder.pk, inst.pk, item.category_id)
            found = self.assessments.get(key)
            if found is not None and found.valid_until is not None and found.valid_until >= day:
                assessment = found
            else:
                new_assessment = True
        needs_provider = outcome not in ("cancel_unassigned", "pool", "waiting")
        rejected = new_assessment and not upcoming and rng.random() < ASSESSMENT_REJECT
        if rejected:
            needs_provider = False
        provider: _Provider | None = None
        travel = 0
        start = wish
        if needs_provider:
            cands = self.eligible[(inst.pk, item.pk)]
            if upcoming and inst.pk == self.city.institutions[0].pk:
                demo = [p for p in cands if p.pk in self.demo_provider_ids]
                cands = demo + cands if demo and rng.random() < 0.5 else cands
            got = self._assign(cands, day, wish, item.duration_minutes, elder.home)
            if got is None:
                return
            provider, start, travel = got
        end = start + dt.timedelta(minutes=item.duration_minutes)
        lead = dt.timedelta(minutes=rng.randint(20 * 60, 5 * 24 * 60))
        created = start - lead
        if upcoming:
            created = min(created, self.midnight - dt.timedelta(minutes=rng.randint(10, 600)))
        lines, total, locked = self._price(elder, item, offering, start)
        family = rng.choice(elder.family) if elder.family else None
        placer = elder.user_id or family
        chunk = self.chunk
        order = chunk.add(
            make(
                Order,
                elder_id=elder.pk,
                institution_id=inst.pk,
                item_id=item.pk,
                package=None,
                offering_id=offering[0],
                channel=Channel.APP if placer else Channel.PHONE,
                placed_by_id=placer or self.operator.pk,
                price_lines=lines,
                total_fen=total,
                pricing_inputs=locked,
                payment_mode=PaymentMode.PREPAY
                if inst.prepayment_required
                else PaymentMode.AT_DOOR,
                need_text="",
                created_at=created,
            )
        )
        reviewer = self.reviewers.get(inst.pk)
        if new_assessment:
            decided = created + dt.timedelta(minutes=rng.randint(60, 600))
            flags = sorted(
                {str(f) for f in RISK_FLAG_CHOICES if rng.random() < 0.08}
                | ({"lives_alone"} if "lives_alone" in elder.flags else set())
            )
            if upcoming and outcome == "waiting":
                assessment = chunk.add(
                    make(
                        Assessment,
                        elder_id=elder.pk,
                        institution_id=inst.pk,
                        item_id=item.pk,
                        category_id=item.category_id,
                        requested_at=created,
                        decision=AssessmentDecision.PENDING,
                        risk_flags=[],
                    )
                )
            else:
                assessment = chunk.add(
                    make(
                        Assessment,
                        elder_id=elder.pk,
                        institution_id=inst.pk,
                        item_id=item.pk,
                        category_id=item.category_id,
                        requested_at=created,
                        decision=AssessmentDecision.REJECTED
                        if rejected
                        else AssessmentDecision.ACCEPTED,
                        reviewer_id=reviewer.pk if reviewer else None,
                        decided_at=decided,
                        notes=REJECT_NOTES if rejected else "",
                        risk_flags=[] if rejected else flags,
                        valid_until=None
                        if rejected
                        else decided.date() + dt.timedelta(days=item.assessment_validity_days),
                    )
                )
                if not rejected:
                    self.assessments[(elder.pk, inst.pk, item.category_id)] = assessment
        visit_flags = sorted(set(elder.flags) | set(assessment.risk_flags if assessment else []))
        visit = chunk.add(
            make(
                Visit,
                order=order,
                seq=1,
                status=S.REQUESTED,
                window_start=start,
                window_end=end,
                duration_minutes=item.duration_minutes,
                price_fen=total,
                provider=None,
                address=elder.address,
                lat=elder.home[0],
                lng=elder.home[1],
                region_id=elder.region_id,
                risk_flags=visit_flags,
                assessment=assessment,
            )
        )
        chunk.visits += 1
        actor = placer or self.operator.pk
        self._event(visit, "", S.REQUESTED, created, actor)
        t = created + dt.timedelta(minutes=rng.randint(1, 10))
        if new_assessment:
            self._event(visit, S.REQUESTED, S.AWAITING_ASSESSMENT, created, actor)
            if assessment is not None and assessment.decision == AssessmentDecision.PENDING:
                visit.status = S.AWAITING_ASSESSMENT
                return
            t = (assessment.decided_at if assessment else None) or t
            rev = reviewer.pk if reviewer else None
            if rejected:
                self._event(visit, S.AWAITING_ASSESSMENT, S.REJECTED, t, rev, reason=REJECT_NOTES)
                visit.status = S.REJECTED
                return
            self._event(visit, S.AWAITING_ASSESSMENT, S.ACCEPTED, t, rev)
        else:
            details = {"assessment_reused": None} if assessment else {}
            self._event(visit, S.REQUESTED, S.ACCEPTED, t, actor, details=details)
        t += dt.timedelta(minutes=rng.randint(1, 5))
        if order.payment_mode == PaymentMode.PREPAY:
            self._event(visit, S.ACCEPTED, S.AWAITING_PAYMENT, t, actor)
            t += dt.timedelta(minutes=rng.randint(5, 120))
            payer = family or self.staff[inst.pk]
            chunk.add(
                make(
                    Payment,
                    order=order,
                    amount_fen=total,
                    method=rng.choice(PaymentMethod.values),
                    receipt_no="",
                    confirmed_by_id=payer,
                    confirmed_at=t,
                )
            )
            visit.paid_at = t
            self._event(visit, S.AWAITING_PAYMENT, S.AWAITING_DISPATCH, t, payer)
        else:
            self._event(visit, S.ACCEPTED, S.AWAITING_DISPATCH, t, actor)
        visit.status = S.AWAITING_DISPATCH
        in_pool = outcome == "pool" or rng.random() < 0.3
        if in_pool:
            visit.pool_published_at = t + dt.timedelta(minutes=rng.randint(1, 30))
        if outcome in ("pool", "waiting"):
            if outcome == "waiting":
                visit.pool_published_at = None
            return
        if outcome == "cancel_unassigned":
            at = t + (start - t) * rng.uniform(0.1, 0.8)
            self._cancel(visit, S.AWAITING_DISPATCH, at, actor, CancelSide.PATIENT, 0)
            return
        assert provider is not None
        assigned_at = t + (start - dt.timedelta(minutes=travel + 30) - t) * rng.uniform(0.05, 0.7)
        by_pool = visit.pool_published_at is not None
        assigner = provider.user_id if by_pool else self.staff[inst.pk]
        visit.provider_id = provider.pk
        visit.assigned_at = assigned_at
        self._event(
            visit, S.AWAITING_DISPATCH, S.ASSIGNED, assigned_at, assigner,
            details={"provider": provider.pk, "via": "pool" if by_pool else "dispatcher"},
        )  # fmt: skip
        visit.status = S.ASSIGNED
        if outcome == "assigned":
            return
        if outcome == "cancel_assigned":
            at = assigned_at + (start - assigned_at) * rng.uniform(0.1, 0.6)
            self._cancel(visit, S.ASSIGNED, at, self.staff[inst.pk], CancelSide.INSTITUTION, 0)
            return
        set_off = start - dt.timedelta(minutes=travel + rng.randint(0, 5))
        self._event(visit, S.ASSIGNED, S.EN_ROUTE, set_off, provider.user_id, point=provider.home)
        if outcome == "cancel_en_route":
            at = set_off + dt.timedelta(minutes=max(1, travel // 2))
            fee = min(total * CANCEL_FEE_BP // 10000, CANCEL_FEE_CAP_FEN)
            self._cancel(visit, S.EN_ROUTE, at, actor, CancelSide.PATIENT, fee)
            return
        arrive = start + dt.timedelta(minutes=rng.randint(0, 4))
        point = self._check(visit, CheckKind.CHECK_IN, provider, arrive, elder.home)
        self._event(visit, S.EN_ROUTE, S.ARRIVED, arrive, provider.user_id, point=point)
        if outcome == "no_show":
            at = arrive + dt.timedelta(minutes=rng.randint(10, 15))
            self._event(visit, S.ARRIVED, S.NO_SHOW, at, provider.user_id, reason=NO_SHOW_REASON)
            visit.status = S.NO_SHOW
            return
        if outcome == "abort":
            reason = rng.choice(ABORT_REASONS)
            at = arrive + dt.timedelta(minutes=rng.randint(1, 5))
            visit.abort_reason = reason
            self._event(visit, S.ARRIVED, S.ABORTED, at, provider.user_id, reason=reason)
            visit.status = S.ABORTED
            return
        begin = arrive + dt.timedelta(minutes=1)
        self._event(visit, S.ARRIVED, S.IN_SERVICE, begin, provider.user_id)
        leave = end - dt.timedelta(minutes=rng.randint(0, 3))
        chunk.add(
            make(
                ServiceRecord,
                visit=visit,
                values=self._values(item),
                consumables_used=[
                    {"code": c["code"], "quantity": int(c.get("quantity", 1))}
                    for c in item.consumables or ()
                ],
                notes="",
                submitted_by_id=provider.user_id,
                submitted_at=leave - dt.timedelta(minutes=1),
            )
        )
        point = self._check(visit, CheckKind.CHECK_OUT, provider, leave, elder.home)
        self._event(visit, S.IN_SERVICE, S.COMPLETED, leave, provider.user_id, point=point)
        visit.status = S.COMPLETED
        limit = self.midnight - dt.timedelta(minutes=1)
        if order.payment_mode == PaymentMode.AT_DOOR:
            paid = leave + dt.timedelta(minutes=2)
            chunk.add(
                make(
                    Payment,
                    order=order,
                    amount_fen=total,
                    method=rng.choice([PaymentMethod.CASH, PaymentMethod.POS]),
                    receipt_no="",
                    confirmed_by_id=provider.user_id,
                    confirmed_at=paid,
                )
            )
            visit.paid_at = paid
        signer = elder.user_id or family
        if signer and rng.random() < 0.92:
            on_device = rng.random() < 0.6
            at = leave + dt.timedelta(minutes=rng.randint(1, 5 if on_device else 180))
            chunk.add(
                make(
                    CoSign,
                    visit=visit,
                    user_id=signer,
                    at=min(at, limit),
                    method=CoSignMethod.ON_DEVICE if on_device else CoSignMethod.APP,
                )
            )
        if signer and rng.random() < 0.85:
            self._rate(
                visit,
                order,
                elder,
                provider,
                signer,
                min(leave + dt.timedelta(minutes=rng.randint(30, 1800)), limit),
            )
        if rng.random() < 0.015:
            self._complaint(visit, order, elder, provider, signer, leave, limit)

    def _cancel(
        self, visit: Visit, frm: str, at: dt.datetime, actor: int | None, side: str, fee: int
    ) -> None:
        rng = self.rng
        reason = rng.choice(
            CANCEL_REASONS if side == CancelSide.PATIENT else INSTITUTION_CANCEL_REASONS
        )
        visit.cancelled_by_side = side
        visit.cancellation_reason = reason
        visit.cancellation_fee_fen = fee
        self._event(
            visit,
            frm,
            S.CANCELLED,
            at,
            actor,
            reason=reason,
            details={"side": side, "fee_fen": fee},
        )
        visit.status = S.CANCELLED

    def _rate(
        self,
        visit: Visit,
        order: Order,
        elder: _Elder,
        provider: _Provider,
        by: int,
        at: dt.datetime,
    ) -> None:
        rng = self.rng
        low = rng.random() < 0.04
        scores = [
            rng.choice([1, 2, 3]) if low else rng.choices([3, 4, 5], weights=[1, 4, 10])[0]
            for _ in range(3)
        ]
        self.chunk.add(
            make(
                Rating,
                visit=visit,
                provider_id=provider.pk,
                institution_id=order.institution_id,
                elder_id=elder.pk,
                rated_by_id=by,
                punctuality=scores[0],
                skill=scores[1],
                attitude=scores[2],
                comment=rng.choice(COMMENTS),
                created_at=at,
            )
        )
        tally = self.tallies[provider.pk]
        tally[0] += 1
        tally[1] += scores[0]
        tally[2] += scores[1]
        tally[3] += scores[2]
        tally[4] += int(min(scores) <= scoring.LOW_SCORE)
        self._event(visit, S.COMPLETED, S.REVIEWED, at, by)
        visit.status = S.REVIEWED

    def _complaint(
        self,
        visit: Visit,
        order: Order,
        elder: _Elder,
        provider: _Provider,
        signer: int | None,
        leave: dt.datetime,
        limit: dt.datetime,
    ) -> None:
        rng = self.rng
        category = rng.choice(list(ComplaintCategory.values))
        filed = min(leave + dt.timedelta(hours=rng.randint(1, 30)), limit)
        deadline = complaint_deadline(category, filed)
        recent = filed > limit - dt.timedelta(days=5)
        status = rng.choices(
            [ComplaintStatus.RESOLVED, ComplaintStatus.REJECTED, ComplaintStatus.ESCALATED,
             ComplaintStatus.IN_PROGRESS, ComplaintStatus.OPEN],
            weights=[55, 12, 8, 15 if recent else 3, 10 if recent else 2],
        )[0]  # fmt: skip
        handler = self.quality_staff.get(order.institution_id)
        taken = filed + dt.timedelta(hours=rng.randint(1, 12))
        done = taken + (deadline - taken) * rng.uniform(0.1, 0.9)
        values: dict[str, Any] = {}
        if status != ComplaintStatus.OPEN and handler is not None:
            values.update(handled_by_id=handler.pk, taken_at=min(taken, limit))
        if status == ComplaintStatus.ESCALATED:
            values["escalated_at"] = min(deadline, limit)
        if status in (ComplaintStatus.RESOLVED, ComplaintStatus.REJECTED):
            values["resolved_at"] = min(done, limit)
            values["outcome"] = (
                rng.choice(OUTCOMES_TEXT) if status == ComplaintStatus.RESOLVED else REJECT_OUTCOME
            )
        self.chunk.add(
            make(
                Complaint,
                order=order,
                visit=visit,
                institution_id=order.institution_id,
                elder_id=elder.pk,
                provider_id=provider.pk,
                raised_by_id=signer or self.operator.pk,
                on_behalf=signer is None,
                category=category,
                description=COMPLAINT_TEXT[category],
                deadline=deadline,
                status=status,
                created_at=filed,
                updated_at=values.get("resolved_at") or filed,
                **values,
            )
        )

    # ------------------------------------------------------------------ writing
    def _flush(self) -> None:
        chunk = self.chunk
        if not chunk.visits:
            return
        self.chunk = _Chunk()
        city = self.city

        def steps() -> list[tuple[type[models.Model], list[Any]]]:
            written = [city._bulk(m, chunk.rows[m]) for m in WRITE_ORDER if chunk.rows.get(m)]
            return written + self._post_to_ledger(chunk)

        city.batcher.commit("history", steps)

    def _post_to_ledger(self, chunk: _Chunk) -> list[tuple[type[models.Model], list[Any]]]:
        """The chunk's money through the billing services, batched (ADR 0029): a charge per
        payment and the entries the visit loop would have posted, dated when they happened."""
        from doorstep.billing.history import HistoryLedger
        from doorstep.billing.models import Charge, JournalEntry

        if self.ledger is None:
            self.ledger = HistoryLedger()
        ended = {e.visit_id: e.at for e in chunk.rows[VisitEvent] if e.to_status in ENDED_STATUSES}

        def write_charges(values: list[dict[str, Any]]) -> list[Any]:
            return self.city._bulk(Charge, [make(Charge, **v) for v in values])[1]

        charges, entries = self.ledger.post(
            orders=chunk.rows[Order],
            visits=chunk.rows[Visit],
            payments=chunk.rows[Payment],
            ended_at=ended,
            write_charges=write_charges,
        )
        return [(Charge, list(charges)), (JournalEntry, entries)]

    def _write_quality(self) -> None:
        rows = []
        for pk in sorted(self.tallies):
            n, p, s, a, low = self.tallies[pk]
            rows.append(
                make(
                    ProviderQuality,
                    provider_id=pk,
                    rating_count=n,
                    punctuality_sum=p,
                    skill_sum=s,
                    attitude_sum=a,
                    low_rating_count=low,
                    score=scoring.score(scoring.Tally(n, p, s, a)),
                )
            )
        if rows:
            self.city.batcher.commit("quality", lambda: [self.city._bulk(ProviderQuality, rows)])

    def build(self) -> None:
        self._load()
        if not self.elders:
            return
        days = self._days()
        plan: list[tuple[dt.date, bool]] = [
            (self.today - dt.timedelta(days=k), False) for k in range(days, 0, -1)
        ]
        plan += [(self.today + dt.timedelta(days=k), True) for k in range(0, UPCOMING_DAYS + 1)]
        for day, upcoming in plan:
            weekend = day.weekday() >= 5
            count = self.per_day if not weekend else round(self.per_day * 0.7)
            if upcoming:
                count = max(4, count // 3)
            for _ in range(count):
                self._request(day, upcoming)
            if self.chunk.visits >= CHUNK_VISITS:
                self._flush()
        self._flush()
        self._write_quality()


def _cum(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def build_history(city: DemoCity, *, months: int = HISTORY_MONTHS) -> None:
    """The seed's history step (after elders): see the module docstring."""
    if months > 0:
        History(city, months=months).build()
