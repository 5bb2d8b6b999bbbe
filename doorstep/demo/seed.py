"""Build the deterministic demo city (ADR 0010).

Everything is drawn from one ``random.Random(seed)`` in a fixed order, and every date is
an offset from one anchor day, so the same seed and scale give the same data (only
ciphertexts, row ids and ``created_at`` stamps differ; see ``digest.py``).

Speed: rows are built in memory per chunk of 5,000 and written by ``writer.FastWriter``
(``COPY`` on PostgreSQL); each chunk commits in its own transaction together with one
audit row (``seed_batch``) naming the tables and row counts, so the audit log records
the seed per batch, not per row. One
password hash is computed for the shared demo password and reused by every account.
Identifiers are encrypted and hashed with ``core.crypto`` exactly as the services do.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from doorstep.accounts.enums import Role
from doorstep.accounts.models import Membership, User
from doorstep.core import audit, clock, crypto
from doorstep.organizations.enums import InstitutionStatus, InstitutionType
from doorstep.organizations.models import Contract, Institution, ServiceArea
from doorstep.people.enums import (
    ConsentPurpose,
    ElderStatus,
    FamilyLinkStatus,
    InstitutionLinkStatus,
    InsuranceScheme,
    Relationship,
    Sex,
)
from doorstep.people.models import (
    Consent,
    Elder,
    ElderInstitutionLink,
    EmergencyContact,
    FamilyLink,
    Household,
    InsuranceEnrollment,
)
from doorstep.regions.models import Region
from doorstep.workforce.enums import (
    REQUIRED_CERTIFICATE,
    CertificateKind,
    CertificateStatus,
    NurseTitle,
    ProviderKind,
    TransportMode,
    VerificationStatus,
)
from doorstep.workforce.models import Certificate, Provider, VerificationEvent
from doorstep.workforce.services import REASON_CERTIFICATE_EXPIRED

from . import names
from .accounts import DEMO_PASSWORD
from .city import RegionSpec, build_city, point_in_quad
from .writer import FastWriter, make

BASE_ELDERS = 3000
BASE_PROVIDERS = 300
#: ``--scale`` that covers Chengguan District, Lanzhou (133,700 elders; ADR 0010).
LANZHOU_SCALE = 45
DEFAULT_SEED = 20261123
CHUNK = 5000
POLICY_VERSION = "2026-01"
BIRTH_FIRST = dt.date(1930, 1, 1)
BIRTH_LAST = dt.date(1966, 12, 31)

V = VerificationStatus


@dataclass
class SeedResult:
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    batches: int = 0


def communities_per_street(scale: float) -> int:
    """Six per street at scale 1; grows with the square root of the scale."""
    return 6 * max(1, round(math.sqrt(scale)))


def _cum(weights: Sequence[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


class _Phones:
    """Unique mainland mobile numbers drawn from the seed's generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def take(self) -> str:
        while True:
            number = names.mobile(self.rng)
            if number not in self.used:
                self.used.add(number)
                return number


# (name_zh, name_en, type, registered street code, service-area region codes)
INSTITUTIONS: list[tuple[str, str, str, str, list[str]]] = [
    ("城关区酒泉路社区卫生服务中心", "Jiuquanlu Community Health Centre",
     InstitutionType.COMMUNITY_HEALTH_CENTRE, "620102001", ["620102001", "620102002", "620102003"]),
    ("兰州示范第一人民医院", "Lanzhou Demonstration No.1 People's Hospital",
     InstitutionType.TERTIARY_HOSPITAL, "620102002", ["620100"]),
    ("城关区第二人民医院", "Chengguan No.2 People's Hospital",
     InstitutionType.SECONDARY_HOSPITAL, "620102005", ["620102"]),
    ("城关区五泉社区卫生服务中心", "Wuquan Community Health Centre",
     InstitutionType.COMMUNITY_HEALTH_CENTRE, "620102005", ["620102004", "620102005", "620102006"]),
    ("红古区海石湾镇卫生院", "Haishiwan Township Health Centre",
     InstitutionType.TOWNSHIP_HEALTH_CENTRE, "620111101", ["620111101", "620111102"]),
    ("红古区平安镇卫生院", "Ping'an Township Health Centre",
     InstitutionType.TOWNSHIP_HEALTH_CENTRE, "620111103", ["620111103", "620111201"]),
    ("安康居家护理服务有限公司", "Ankang Home Nursing Services Co.",
     InstitutionType.HOME_CARE_AGENCY, "620102003", ["620102"]),
    ("红古颐和居家照护中心", "Honggu Yihe Home Care Centre",
     InstitutionType.HOME_CARE_AGENCY, "620111101", ["620111"]),
    ("福寿养老服务有限公司", "Fushou Elderly Care Services Co.",
     InstitutionType.ELDERLY_CARE_ORGANISATION, "620102004", ["620102"]),
    ("夕阳红虚拟养老院", "Xiyanghong Virtual Nursing Home",
     InstitutionType.ELDERLY_CARE_ORGANISATION, "620102006", ["620100"]),
]  # fmt: skip

# Providers per 300 at scale 1, by kind.
PROVIDER_MIX = [
    (ProviderKind.NURSE, 0.45),
    (ProviderKind.CAREGIVER, 0.30),
    (ProviderKind.VOLUNTEER, 0.15),
    (ProviderKind.COMMUNITY_DOCTOR, 0.10),
]
# Verification status mix (the rest of the path is derived from the status).
STATUS_MIX = [
    (V.VERIFIED, 0.80),
    (V.REVERIFICATION_REQUIRED, 0.05),
    (V.UNDER_REVIEW, 0.05),
    (V.SUBMITTED, 0.04),
    (V.REJECTED, 0.03),
    (V.DRAFT, 0.03),
]
# Nurse titles with (share, min years, max years) of practice.
TITLE_MIX = [
    (NurseTitle.NURSE, 0.20, 1, 6),
    (NurseTitle.SENIOR_NURSE, 0.40, 3, 12),
    (NurseTitle.SUPERVISING_NURSE, 0.28, 8, 20),
    (NurseTitle.ASSOCIATE_CHIEF_NURSE, 0.09, 15, 28),
    (NurseTitle.CHIEF_NURSE, 0.03, 20, 35),
]
RADIUS_KM = {
    TransportMode.WALK: 2.0,
    TransportMode.BICYCLE: 4.0,
    TransportMode.E_BIKE: 6.0,
    TransportMode.PUBLIC_TRANSPORT: 8.0,
    TransportMode.CAR: 12.0,
}
NURSE_SPECIALTIES = ["wound_care", "picc", "stoma", "geriatric", "hospice", "diabetes", "rehab"]
DWELLING_NOTES = [
    "",
    "",
    "",
    "门禁卡在对门邻居处",
    "楼道较暗，请带手电",
    "家中养狗，请先电话联系",
    "老人耳背，请多敲门",
    "院门从侧面进",
]
REJECTION_REASONS = ["执业证书照片不清晰，请重新上传", "执业注册信息与国家护士注册系统不符"]


def _demo_incentives(k: int, kind: str) -> dict[str, Any]:
    """Incentive terms of the ``k``-th institution's current contract (ADR 0024): night
    visits (22:00-06:00) earn 15 % of the price more, rural visits a fixed 15 yuan (25 at
    township health centres, which the township funds half of), difficult items (high-risk
    ones, and PICC, tracheostomy and stoma care at the hospitals) 8 % more. Derived from
    ``k``, not drawn, so the rest of the seed's random stream is unchanged."""
    township = kind == InstitutionType.TOWNSHIP_HEALTH_CENTRE
    hospital = kind in (InstitutionType.TERTIARY_HOSPITAL, InstitutionType.SECONDARY_HOSPITAL)
    return {
        "night_start": dt.time(22, 0),
        "night_end": dt.time(6, 0),
        "night_incentive_bp": 1500,
        "rural_incentive_fen": 2500 if township else 1500,
        "difficult_incentive_bp": 800,
        "difficult_items": (
            ["picc_maintenance", "stoma_care", "tracheostomy_care"] if hospital else []
        ),
        "incentive_platform_bp": 5000 if township else (10000 if k % 2 else 7000),
    }


class _Batcher:
    """Writes rows table by table; one transaction and one audit row per chunk."""

    def __init__(self, result: SeedResult, seed: int, scale: float) -> None:
        self.result = result
        self.seed = seed
        self.scale = scale

    def commit(
        self, stage: str, steps: Callable[[], list[tuple[type[models.Model], list[Any]]]]
    ) -> None:
        """Run ``steps`` (which bulk-creates and returns what it wrote) in one transaction."""
        with transaction.atomic():
            written = steps()
            counts = {m._meta.label: len(rows) for m, rows in written if rows}
            self.result.batches += 1
            audit.record(
                actor=None,
                action="seed_batch",
                object_type="demo_seed",
                object_id=f"{stage}#{self.result.batches}",
                changed_fields=sorted(counts),
                details={"seed": self.seed, "scale": self.scale, "rows": counts},
            )
        self.result.counts.update(counts)


class DemoCity:
    """One run of the seed. ``build()`` writes everything and returns the counts."""

    def __init__(
        self, *, scale: float = 1.0, seed: int = DEFAULT_SEED, history_months: int = 6
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale
        self.seed = seed
        self.history_months = history_months
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
        self.phones = _Phones(self.rng)
        self.result = SeedResult()
        self.batcher = _Batcher(self.result, seed, scale)
        self.today = clock.today()
        tz = timezone.get_current_timezone()
        # Every timestamp is an offset from 09:00 local on the anchor day (determinism).
        self.anchor = dt.datetime.combine(self.today, dt.time(9, 0), tzinfo=tz)
        self.password_hash = make_password(DEMO_PASSWORD)
        self.id_numbers: set[str] = set()
        self.licence_seq = 0
        self.last_expiry_days = 0
        self.users: dict[str, User] = {}
        self.writer = FastWriter()

    # ------------------------------------------------------------------ helpers
    def _bulk(
        self, model: type[models.Model], rows: list[Any]
    ) -> tuple[type[models.Model], list[Any]]:
        self.writer.insert(model, rows)
        return model, rows

    def _days_ago(self, low: int, high: int) -> dt.datetime:
        return self.anchor - dt.timedelta(days=self.rng.randint(low, high))

    def _user(self, username: str, display_name: str, *, staff: bool = False) -> User:
        return make(
            User,
            username=username,
            password=self.password_hash,
            display_name=display_name,
            phone=self.phones.take(),
            preferred_language="zh-hans",
            is_staff=staff,
        )

    def _id_number(self, birth: dt.date, male: bool) -> str:
        while True:
            number = names.id_number(self.rng, birth=birth, male=male)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    # ------------------------------------------------------------------ regions
    def build_regions(self) -> None:
        root = build_city(self.rng, communities_per_street=communities_per_street(self.scale))
        specs = root.walk()
        by_level: dict[int, list[RegionSpec]] = {}
        for spec in specs:
            by_level.setdefault(spec.level, []).append(spec)
        self.regions: dict[str, Region] = {}

        def steps() -> list[tuple[type[models.Model], list[Any]]]:
            written: list[Any] = []
            for level in sorted(by_level):
                rows = []
                for spec in by_level[level]:
                    parent = self.regions[spec.parent_code] if spec.parent_code else None
                    lat, lng = spec.centroid
                    south, west, north, east = spec.bbox
                    rows.append(
                        Region(
                            code=spec.code,
                            level=spec.level,
                            parent=parent,
                            path=(parent.path if parent else "/") + spec.code + "/",
                            name_zh=spec.name_zh,
                            name_en=spec.name_en,
                            is_urban=spec.is_urban,
                            centroid_lat=lat,
                            centroid_lng=lng,
                            boundary=spec.boundary,
                            bbox_south=south,
                            bbox_west=west,
                            bbox_north=north,
                            bbox_east=east,
                        )
                    )
                self._bulk(Region, rows)
                self.regions.update({r.code: r for r in rows})
                written += rows
            return [(Region, written)]

        self.batcher.commit("regions", steps)
        self.communities = [s for s in specs if s.level == 5]
        self.community_raw = [
            self.rng.uniform(0.6, 1.4) * (1.6 if c.is_urban else 0.8) for c in self.communities
        ]
        self.community_weight = _cum(self.community_raw)
        self._home_pools: dict[int, tuple[list[int], list[float]]] = {}

    # ------------------------------------------------------------------ institutions
    def build_institutions(self) -> None:
        self.institutions: list[Institution] = []
        areas: list[ServiceArea] = []
        contracts: list[Contract] = []
        for k, (zh, en, kind, region_code, served) in enumerate(INSTITUTIONS, start=1):
            region = self.regions[region_code]
            spec = next(c for c in self.communities if c.parent_code == region_code)
            lat, lng = point_in_quad(self.rng, spec.ring)
            status = InstitutionStatus.ONBOARDING if k == len(INSTITUTIONS) else "active"
            inst = Institution(
                name_zh=zh,
                name_en=en,
                type=kind,
                licence_number=self._institution_licence(kind, region_code),
                status=status,
                region=region,
                address=f"{region.name_zh}{self.rng.randint(1, 300)}号",
                lat=lat,
                lng=lng,
                phone=f"0931-{self.rng.randint(8000000, 8999999)}",
                security_contact_name=names.person_name(self.rng, male=True, elder=False),
                security_contact_phone=self.phones.take(),
                prepayment_required=kind not in (InstitutionType.TOWNSHIP_HEALTH_CENTRE,),
            )
            self.institutions.append(inst)
            for code in served:
                areas.append(ServiceArea(institution=inst, region=self.regions[code]))
            # Contract versions: an older split, then the current one (no overlap).
            start = self.today.replace(month=1, day=1) - dt.timedelta(days=365 * 2)
            switch = self.today.replace(month=1, day=1)
            for frm, to in ((start, switch), (switch, None)):
                platform_bp = self.rng.choice([800, 1000, 1200, 1500])
                provider_bp = self.rng.choice([5500, 6000, 6500, 7000])
                contracts.append(
                    Contract(
                        institution=inst,
                        effective_from=frm,
                        effective_to=to,
                        platform_bp=platform_bp,
                        institution_bp=10000 - platform_bp - provider_bp,
                        provider_bp=provider_bp,
                        notes="demo",
                        # The current version adds incentives (ADR 0024).
                        **(_demo_incentives(k, kind) if to is None else {}),
                    )
                )

        def steps() -> list[tuple[type[models.Model], list[Any]]]:
            self._bulk(Institution, self.institutions)
            return [
                (Institution, self.institutions),
                self._bulk(ServiceArea, areas),
                self._bulk(Contract, contracts),
            ]

        self.batcher.commit("institutions", steps)
        # Which institutions serve each community (by service-area prefix).
        paths = [[self.regions[code].path for code in served] for *_, served in INSTITUTIONS]
        self.serving: dict[str, list[Institution]] = {}
        for c in self.communities:
            path = self.regions[c.code].path
            self.serving[c.code] = [
                inst
                for inst, prefixes in zip(self.institutions, paths, strict=True)
                if inst.status == "active" and any(path.startswith(p) for p in prefixes)
            ]

    def _institution_licence(self, kind: str, region_code: str) -> str:
        """Practice licence registration number (medical) or unified social credit code."""
        if kind in _MEDICAL:
            return f"{self.rng.randrange(10**8):08d}{region_code[:6]}21A1001"
        tail = self.rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY")
        return f"52{region_code[:6]}MJ{self.rng.randrange(10**7):07d}{tail}"

    # ------------------------------------------------------------------ staff accounts
    def build_staff(self) -> None:
        inst1 = self.institutions[0]
        city = self.regions["620100"]
        district = self.regions["620102"]
        demo = [
            ("demo_inst_admin", Role.INSTITUTION_ADMIN, inst1, None, False),
            ("demo_reviewer", Role.INSTITUTION_REVIEWER, inst1, None, False),
            ("demo_quality", Role.INSTITUTION_QUALITY, inst1, None, False),
            ("demo_dispatcher", Role.DISPATCHER, inst1, None, False),
            ("demo_finance", Role.FINANCE_OFFICER, inst1, None, False),
            ("demo_operator", Role.OPERATOR, None, city, False),
            ("demo_regulator", Role.REGULATOR, None, district, False),
            ("demo_payer", Role.PAYER_OFFICER, None, city, False),
            ("demo_platform_admin", Role.PLATFORM_ADMIN, None, None, True),
        ]
        for k, _inst in enumerate(self.institutions[1:], start=2):
            demo.append((f"inst{k:02d}_admin", Role.INSTITUTION_ADMIN, _inst, None, False))
            demo.append((f"inst{k:02d}_reviewer", Role.INSTITUTION_REVIEWER, _inst, None, False))
        users: list[User] = []
        grants: list[tuple[User, str, Institution | None, Region | None]] = []
        for username, role, inst, region, staff in demo:
            user = self._user(
                username, names.person_name(self.rng, male=self.rng.random() < 0.5, elder=False)
            )
            user.is_staff = staff
            users.append(user)
            grants.append((user, role, inst, region))
            self.users[username] = user

        def steps() -> list[tuple[type[models.Model], list[Any]]]:
            self._bulk(User, users)
            rows = [
                make(Membership, user_id=u.pk, role=r, institution=i, region=g)
                for u, r, i, g in grants
            ]
            return [(User, users), self._bulk(Membership, rows)]

        self.batcher.commit("staff", steps)
        self.operator = self.users["demo_operator"]
        self.reviewers = {
            inst.pk: self.users["demo_reviewer" if k == 1 else f"inst{k:02d}_reviewer"]
            for k, inst in enumerate(self.institutions, start=1)
        }

    # ------------------------------------------------------------------ providers
    def _pick(self, mix: Sequence[tuple[Any, float]]) -> Any:
        return self.rng.choices([m[0] for m in mix], weights=[m[1] for m in mix])[0]

    def _provider_institution(self, kind: str) -> Institution | None:
        active = [i for i in self.institutions if i.status == "active"]
        medical = [i for i in active if i.type in _MEDICAL]
        care = [i for i in active if i.type not in _MEDICAL]
        centres = [i for i in active if i.type in _CENTRES]
        if kind == ProviderKind.NURSE:
            return self.rng.choice(medical)
        if kind == ProviderKind.COMMUNITY_DOCTOR:
            return self.rng.choice(centres)
        if kind == ProviderKind.CAREGIVER:
            return self.rng.choice(care + centres[:1])
        return self.rng.choice(care) if self.rng.random() < 0.6 else None

    def _home_community(self, inst: Institution | None) -> Any:
        """Where a provider lives: institutions hire locally, so an institution's provider
        lives in one of the communities it serves (ADR 0038); an independent one, or one of
        an institution that serves none, anywhere in the city. Weighted by population."""
        key = id(inst)
        if key not in self._home_pools:
            pool = list(range(len(self.communities)))
            if inst is not None:
                local = [i for i, c in enumerate(self.communities) if inst in self.serving[c.code]]
                pool = local or pool
            self._home_pools[key] = (pool, _cum([self.community_raw[i] for i in pool]))
        pool, weights = self._home_pools[key]
        return self.communities[self.rng.choices(pool, cum_weights=weights)[0]]

    def build_providers(self) -> None:
        total = max(len(PROVIDER_MIX), round(BASE_PROVIDERS * self.scale))
        inst1 = self.institutions[0]
        # The first provider of each kind is the demo account, verified at institution 1.
        plan: list[tuple[str, str | None]] = [
            (ProviderKind.NURSE, "demo_nurse"),
            (ProviderKind.CAREGIVER, "demo_caregiver"),
            (ProviderKind.VOLUNTEER, "demo_volunteer"),
            (ProviderKind.COMMUNITY_DOCTOR, "demo_doctor"),
        ]
        kinds = [m[0] for m in PROVIDER_MIX]
        cum = _cum([m[1] for m in PROVIDER_MIX])
        plan += [(self.rng.choices(kinds, cum_weights=cum)[0], None) for _ in range(total - 4)]
        counters: Counter[str] = Counter()
        for start in range(0, len(plan), CHUNK):
            part = plan[start : start + CHUNK]
            users, providers, certs, events, memberships = [], [], [], [], []
            for kind, demo_name in part:
                counters[kind] += 1
                male = self.rng.random() < (0.12 if kind == ProviderKind.NURSE else 0.45)
                name = names.person_name(self.rng, male=male, elder=False)
                username = demo_name or f"{_PREFIX[kind]}{counters[kind]:05d}"
                user = self._user(username, name)
                users.append(user)
                if demo_name:
                    self.users[demo_name] = user
                inst = inst1 if demo_name else self._provider_institution(kind)
                status = V.VERIFIED if demo_name else self._pick(STATUS_MIX)
                if status == V.REVERIFICATION_REQUIRED and REQUIRED_CERTIFICATE[kind] is None:
                    status = V.VERIFIED  # nothing can lapse for a volunteer
                provider = self._provider(user, kind, inst, status, demo=bool(demo_name))
                providers.append(provider)
                certs += self._certificates(provider, status)
                events += self._events(provider, user, status)
                memberships.append(make(Membership, user=user, role=kind, institution=inst))

            def steps(
                users: list[User] = users,
                providers: list[Provider] = providers,
                certs: list[Certificate] = certs,
                events: list[VerificationEvent] = events,
                memberships: list[Membership] = memberships,
            ) -> list[tuple[type[models.Model], list[Any]]]:
                self._bulk(User, users)
                self._bulk(Provider, providers)
                return [
                    (User, users),
                    (Provider, providers),
                    self._bulk(Membership, memberships),
                    self._bulk(Certificate, certs),
                    self._bulk(VerificationEvent, events),
                ]

            self.batcher.commit("providers", steps)

    def _provider(
        self, user: User, kind: str, inst: Institution | None, status: str, *, demo: bool
    ) -> Provider:
        rng = self.rng
        home = self._home_community(inst)
        lat, lng = point_in_quad(rng, home.ring)
        transport = rng.choice(list(RADIUS_KM))
        title, start = "", None
        licence: str | None = None
        specialties: list[str] = []
        if kind == ProviderKind.NURSE:
            if demo:
                title, years = NurseTitle.SUPERVISING_NURSE, 12
            else:
                pick = rng.choices(TITLE_MIX, weights=[t[1] for t in TITLE_MIX])[0]
                title, years = pick[0], rng.randint(pick[2], pick[3])
            start = self.today.replace(month=7, day=1) - dt.timedelta(days=365 * years + 120)
            specialties = rng.sample(NURSE_SPECIALTIES, rng.randint(0, 2))
        elif kind == ProviderKind.COMMUNITY_DOCTOR:
            start = self.today.replace(month=7, day=1) - dt.timedelta(days=365 * rng.randint(5, 30))
            specialties = ["general_practice"]
        elif kind == ProviderKind.CAREGIVER:
            start = self.today - dt.timedelta(days=365 * rng.randint(1, 15))
        if kind in (ProviderKind.NURSE, ProviderKind.COMMUNITY_DOCTOR) and (
            status != V.DRAFT or rng.random() < 0.5
        ):
            self.licence_seq += 1
            year = (start or self.today).year
            licence = (
                f"{year}62{self.licence_seq:07d}"
                if kind == ProviderKind.NURSE
                else f"1106201{year}{self.licence_seq:07d}"
            )
        verified = status in (V.VERIFIED, V.REVERIFICATION_REQUIRED)
        verified_at = self._days_ago(60, 900) if verified else None
        return make(
            Provider,
            user=user,
            kind=kind,
            institution=inst,
            licence_number=licence,
            title=title,
            practice_start_date=start,
            specialties=specialties,
            languages=["zh"] + (["en"] if rng.random() < 0.08 else []),
            home_lat=lat,
            home_lng=lng,
            home_region=self.regions[home.code],
            service_radius_km=RADIUS_KM[transport],
            transport_mode=transport,
            verification_status=status,
            verified_at=verified_at,
            verified_by=self._verifier(inst) if verified else None,
            rejection_reason=rng.choice(REJECTION_REASONS) if status == V.REJECTED else "",
        )

    def _certificates(self, provider: Provider, status: str) -> list[Certificate]:
        rng, out = self.rng, []
        expired_required = status == V.REVERIFICATION_REQUIRED
        # Days since the required certificate expired (the sweep moved the provider then).
        self.last_expiry_days = rng.randint(2, 90)
        lapsed = self.today - dt.timedelta(days=self.last_expiry_days)
        if provider.licence_number:
            issued = self.today - dt.timedelta(days=rng.randint(200, 1700))
            expires = issued + dt.timedelta(days=5 * 365)
            if expired_required:
                expires = lapsed
                issued = expires - dt.timedelta(days=5 * 365)
            out.append(
                make(
                    Certificate,
                    provider=provider,
                    kind=CertificateKind.PRACTISING_LICENCE,
                    number=provider.licence_number,
                    issuer="甘肃省卫生健康委员会",
                    issued_on=issued,
                    expires_on=expires,
                    status=CertificateStatus.EXPIRED if expired_required else "valid",
                )
            )
        if provider.kind == ProviderKind.CAREGIVER and status != V.DRAFT:
            issued = self.today - dt.timedelta(days=rng.randint(100, 2500))
            vocational_expiry = lapsed if expired_required else None
            out.append(
                make(
                    Certificate,
                    provider=provider,
                    kind=CertificateKind.CAREGIVER_VOCATIONAL,
                    number=f"GZ62{rng.randrange(10**10):010d}",
                    issuer="兰州市人力资源和社会保障局",
                    issued_on=issued,
                    expires_on=vocational_expiry,
                    status=CertificateStatus.EXPIRED if expired_required else "valid",
                )
            )
        if provider.kind == ProviderKind.NURSE and rng.random() < 0.3:
            kind = rng.choice(
                [
                    CertificateKind.SPECIALIST_PICC,
                    CertificateKind.SPECIALIST_WOUND_OSTOMY,
                    CertificateKind.SPECIALIST_GERIATRIC,
                    CertificateKind.SPECIALIST_HOSPICE,
                ]
            )
            expires = self.today + dt.timedelta(days=rng.randint(-200, 1000))
            out.append(
                make(
                    Certificate,
                    provider=provider,
                    kind=kind,
                    number=f"ZK{rng.randrange(10**8):08d}",
                    issuer="甘肃省护理学会",
                    issued_on=expires - dt.timedelta(days=3 * 365),
                    expires_on=expires,
                    status="valid" if expires >= self.today else CertificateStatus.EXPIRED,
                )
            )
        if rng.random() < 0.25:
            out.append(
                make(
                    Certificate,
                    provider=provider,
                    kind=CertificateKind.FIRST_AID,
                    number=f"JJ{rng.randrange(10**8):08d}",
                    issuer="中国红十字会兰州市分会",
                    issued_on=self.today - dt.timedelta(days=rng.randint(30, 700)),
                    expires_on=None,
                    status="valid",
                )
            )
        return out

    def _verifier(self, inst: Institution | None) -> User:
        """The practice institution's reviewer; the platform admin for volunteers without
        an institution."""
        return self.reviewers[inst.pk] if inst else self.users["demo_platform_admin"]

    def _events(self, provider: Provider, user: User, status: str) -> list[VerificationEvent]:
        path = _PATHS[status]
        reviewer = self._verifier(provider.institution)
        end = provider.verified_at or self._days_ago(3, 60)
        manual = [step for step in path if step[0] != V.VERIFIED]
        out = []
        for k, (frm, to) in enumerate(manual):
            out.append(
                make(
                    VerificationEvent,
                    provider=provider,
                    from_status=frm,
                    to_status=to,
                    actor=user if to == V.SUBMITTED else reviewer,
                    at=end - dt.timedelta(days=len(manual) - 1 - k),
                    reason=provider.rejection_reason if to == V.REJECTED else "",
                )
            )
        if status == V.REVERIFICATION_REQUIRED:  # the expiry sweep, the day after expiry
            out.append(
                make(
                    VerificationEvent,
                    provider=provider,
                    from_status=V.VERIFIED,
                    to_status=V.REVERIFICATION_REQUIRED,
                    actor=None,
                    at=self.anchor - dt.timedelta(days=self.last_expiry_days - 1),
                    reason=REASON_CERTIFICATE_EXPIRED,
                )
            )
        return out

    # ------------------------------------------------------------------ elders
    def build_elders(self) -> None:
        target = max(4, round(BASE_ELDERS * self.scale))
        made = 0
        seq = {"fam": 0, "elder_user": 0}
        while made < target:
            chunk = min(CHUNK, target - made)
            self._elder_chunk(made, chunk, seq)
            made += chunk

    def _household_plan(self, count: int) -> list[int]:
        """Elders per household: 27 % alone, 35 % couples, the rest live with family."""
        sizes: list[int] = []
        while sum(sizes) < count:
            r = self.rng.random()
            sizes.append(2 if 0.27 <= r < 0.62 else 1)
        if sum(sizes) > count:
            sizes[-1] = 1
        return sizes

    def _elder_chunk(self, offset: int, count: int, seq: dict[str, int]) -> None:
        rng = self.rng
        households: list[Household] = []
        elders: list[Elder] = []
        contacts: list[EmergencyContact] = []
        fam_users: list[User] = []
        memberships: list[Membership] = []
        links: list[FamilyLink] = []
        consents: list[Consent] = []
        insurance: list[InsuranceEnrollment] = []
        inst_links: list[ElderInstitutionLink] = []
        first_chunk = offset == 0
        op = self.operator
        for h_index, size in enumerate(self._household_plan(count)):
            if first_chunk and h_index == 0:  # the demo elder lives in institution 1's area
                community = next(
                    c for c in self.communities if self.institutions[0] in self.serving[c.code]
                )
            else:
                community = self.communities[
                    rng.choices(range(len(self.communities)), cum_weights=self.community_weight)[0]
                ]
            region = self.regions[community.code]
            lives_alone = size == 1 and rng.random() < 0.27 / 0.65
            if community.is_urban:
                floor = rng.randint(1, 18)
                lift = floor > 7 or rng.random() < 0.3
                address = (
                    f"{community.name_zh}{rng.randint(1, 40)}号楼{rng.randint(1, 6)}单元"
                    f"{floor}{rng.randint(1, 4):02d}室"
                )
            else:
                floor, lift = 1, False
                address = f"{community.name_zh}{rng.randint(1, 12)}组{rng.randint(1, 180)}号"
            household = make(
                Household,
                lives_alone=lives_alone,
                floor=floor,
                has_lift=lift,
                dwelling_notes=rng.choice(DWELLING_NOTES),
            )
            households.append(household)
            lat, lng = point_in_quad(rng, community.ring)
            serving = self.serving[community.code]
            inst = serving[0] if (first_chunk and h_index == 0) else rng.choice(serving)
            household_surname = None
            for member in range(size):
                male = (member == 0) if size == 2 else rng.random() < 0.45
                birth = names.birth_date(rng, BIRTH_FIRST, BIRTH_LAST)
                number = self._id_number(birth, male)
                name = names.person_name(rng, male=male, elder=True)
                if member == 0:
                    household_surname = name[0]
                phone = self.phones.take() if rng.random() < 0.7 else ""
                care_level = rng.choices(range(6), weights=[50, 20, 12, 9, 6, 3])[0]
                user = None
                demo_elder = first_chunk and h_index == 0 and member == 0
                if demo_elder:
                    user = self._user("demo_elder", name)
                    user.phone = phone = phone or self.phones.take()
                    fam_users.append(user)
                    memberships.append(make(Membership, user=user, role=Role.ELDER))
                    self.users["demo_elder"] = user
                elder = make(
                    Elder,
                    user=user,
                    full_name=name,
                    id_number_encrypted=crypto.encrypt(number),
                    id_number_hash=crypto.search_hash(number),
                    sex=Sex.MALE if male else Sex.FEMALE,
                    birth_date=birth,
                    phone_encrypted=crypto.encrypt(phone) if phone else "",
                    phone_hash=crypto.search_hash(phone) if phone else "",
                    region=region,
                    address=address,
                    lat=lat,
                    lng=lng,
                    household=household,
                    care_level=care_level,
                    languages=["zh"],
                    dialects=["lanyin"] if rng.random() < 0.6 else [],
                    status=ElderStatus.ACTIVE,
                    created_by=op,
                )
                elders.append(elder)
                since = (self.anchor - dt.timedelta(days=rng.randint(30, 2000))).date()
                granted = dt.datetime.combine(since, dt.time(10, 0), tzinfo=self.anchor.tzinfo)
                inst_links.append(
                    make(
                        ElderInstitutionLink,
                        elder=elder,
                        institution=inst,
                        since=since,
                        status=InstitutionLinkStatus.ACTIVE,
                        created_by=op,
                    )
                )
                consents.append(
                    self._consent(elder, ConsentPurpose.HEALTH_DATA_PROCESSING, granted)
                )
                consents.append(
                    self._consent(
                        elder, ConsentPurpose.DATA_SHARING_WITH_INSTITUTION, granted, inst=inst
                    )
                )
                if rng.random() < 0.3:
                    consents.append(self._consent(elder, ConsentPurpose.DEVICE_MONITORING, granted))
                insurance += self._insurance(elder, number, care_level, since)
                # Family: one or two relatives, some with an app account linked with consent.
                for priority in range(1, 2 + (rng.random() < 0.5)):
                    relation = rng.choices(
                        [Relationship.CHILD, Relationship.CHILD_IN_LAW, Relationship.GRANDCHILD,
                         Relationship.SIBLING, Relationship.NEIGHBOUR],
                        weights=[70, 10, 10, 6, 4],
                    )[0]  # fmt: skip
                    rel_male = rng.random() < 0.5
                    rel_name = names.person_name(rng, male=rel_male, elder=False)
                    if relation == Relationship.CHILD and rel_male and household_surname:
                        rel_name = household_surname + rel_name[1:]
                    rel_phone = self.phones.take()
                    contacts.append(
                        make(
                            EmergencyContact,
                            elder=elder,
                            name=rel_name,
                            relationship=relation,
                            phone_encrypted=crypto.encrypt(rel_phone),
                            priority=priority,
                        )
                    )
                    wants_app = demo_elder and priority == 1
                    if not wants_app and (
                        relation == Relationship.NEIGHBOUR or rng.random() >= 0.3
                    ):
                        continue
                    seq["fam"] += 1
                    username = "demo_family" if wants_app else f"fam{seq['fam']:06d}"
                    fam = make(
                        User,
                        username=username,
                        password=self.password_hash,
                        display_name=rel_name,
                        phone=rel_phone,
                        preferred_language="zh-hans",
                    )
                    if wants_app:
                        self.users["demo_family"] = fam
                    fam_users.append(fam)
                    memberships.append(make(Membership, user=fam, role=Role.FAMILY))
                    confirmed = granted + dt.timedelta(days=1)
                    links.append(
                        make(
                            FamilyLink,
                            elder=elder,
                            user=fam,
                            relationship=relation,
                            can_view_record=True,
                            can_place_orders=wants_app or rng.random() < 0.7,
                            can_pay=wants_app or rng.random() < 0.5,
                            can_receive_alerts=True,
                            status=FamilyLinkStatus.ACTIVE,
                            requested_by=fam,
                            confirmed_by=op,
                            confirmed_at=confirmed,
                            activated_at=confirmed,
                        )
                    )
                    consents.append(
                        self._consent(
                            elder, ConsentPurpose.FAMILY_PROXY_ACCESS, confirmed, grantee=fam
                        )
                    )

        def steps() -> list[tuple[type[models.Model], list[Any]]]:
            self._bulk(User, fam_users)
            self._bulk(Household, households)
            self._bulk(Elder, elders)
            return [
                (User, fam_users),
                (Household, households),
                (Elder, elders),
                self._bulk(Membership, memberships),
                self._bulk(EmergencyContact, contacts),
                self._bulk(FamilyLink, links),
                self._bulk(Consent, consents),
                self._bulk(InsuranceEnrollment, insurance),
                self._bulk(ElderInstitutionLink, inst_links),
            ]

        self.batcher.commit("elders", steps)

    def _consent(
        self,
        elder: Elder,
        purpose: str,
        at: dt.datetime,
        *,
        grantee: User | None = None,
        inst: Institution | None = None,
    ) -> Consent:
        return make(
            Consent,
            elder=elder,
            purpose=purpose,
            grantee=grantee,
            institution=inst,
            policy_version=POLICY_VERSION,
            granted_by=self.operator,
            granted_at=at,
        )

    def _insurance(
        self, elder: Elder, id_number: str, care_level: int, since: dt.date
    ) -> list[InsuranceEnrollment]:
        rng = self.rng
        start = since - dt.timedelta(days=rng.randint(0, 3000))
        basic = (
            InsuranceScheme.EMPLOYEE_BASIC
            if rng.random() < 0.45
            else InsuranceScheme.RESIDENT_BASIC
        )
        # The national medical insurance number is the resident ID number.
        out = [
            make(InsuranceEnrollment,
                elder=elder, scheme=basic, number_encrypted=crypto.encrypt(id_number),
                valid_from=start,
            )
        ]  # fmt: skip
        if care_level >= 3:
            out.append(
                make(
                    InsuranceEnrollment,
                    elder=elder,
                    scheme=InsuranceScheme.LONG_TERM_CARE,
                    number_encrypted=crypto.encrypt(f"LTC6201{rng.randrange(10**8):08d}"),
                    ltc_disability_level=care_level,
                    valid_from=since,
                )
            )
        if rng.random() < 0.1:
            out.append(
                make(
                    InsuranceEnrollment,
                    elder=elder,
                    scheme=InsuranceScheme.GOVERNMENT_SUBSIDY,
                    valid_from=since,
                )
            )
        return out

    # ------------------------------------------------------------------ catalogue
    def build_catalog(self) -> None:
        """Items, province and city price caps, every institution's offerings (ADR 0012)."""
        from doorstep.catalog.seed import seed_demo_catalog

        seed_demo_catalog(
            institutions=self.institutions,
            province=self.regions["620000"],
            city=self.regions["620100"],
            on=self.today,
        )

    # ------------------------------------------------------------------ payers
    def build_payers(self) -> None:
        """Payer rules of the province and the city (ADR 0023; ``billing.seed``)."""
        from doorstep.billing.models import PayerRule
        from doorstep.billing.seed import demo_payer_rules

        rules = demo_payer_rules(
            province=self.regions["620000"],
            city=self.regions["620100"],
            on=self.today,
            now=self.anchor,
        )

        def steps() -> list[tuple[type[models.Model], list[Any]]]:
            return [self._bulk(PayerRule, rules)]

        self.batcher.commit("payers", steps)

    # ------------------------------------------------------------------ history
    def build_history(self) -> None:
        """Orders, visits, EVV, records, ratings, complaints (``history.py``)."""
        from .history import build_history

        build_history(self, months=self.history_months)

    # ------------------------------------------------------------------ health
    def build_health(self) -> None:
        """Conditions, medications, lines, readings, assessments (``health.py``)."""
        from .health import build_health

        build_health(self, months=max(self.history_months, 1))

    def build_care_plans(self) -> None:
        """Care plans booked through the services and the proactive rules (``health.py``)."""
        from .health import build_care_plans

        build_care_plans(self)

    # ------------------------------------------------------------------ run
    def build(self) -> SeedResult:
        started = time.perf_counter()
        try:
            self.build_regions()
            self.build_institutions()
            self.build_catalog()
            self.build_payers()
            self.build_staff()
            self.build_providers()
            self.build_elders()
            self.build_history()
            self.build_health()
            # The care plans book through the orders services (ordinary inserts): move the
            # sequences past the ids written in bulk first. No visit history, no bookings.
            self.writer.finish()
            if self.history_months > 0:
                self.build_care_plans()
        finally:
            self.writer.finish()
        self.result.seconds = time.perf_counter() - started
        return self.result


_MEDICAL = frozenset(
    {
        InstitutionType.TERTIARY_HOSPITAL,
        InstitutionType.SECONDARY_HOSPITAL,
        InstitutionType.COMMUNITY_HEALTH_CENTRE,
        InstitutionType.TOWNSHIP_HEALTH_CENTRE,
    }
)
_CENTRES = frozenset(
    {InstitutionType.COMMUNITY_HEALTH_CENTRE, InstitutionType.TOWNSHIP_HEALTH_CENTRE}
)
_PREFIX: dict[str, str] = {
    ProviderKind.NURSE: "nurse",
    ProviderKind.CAREGIVER: "carer",
    ProviderKind.VOLUNTEER: "vol",
    ProviderKind.COMMUNITY_DOCTOR: "doctor",
}
_PATHS: dict[str, list[tuple[str, str]]] = {
    V.DRAFT: [],
    V.SUBMITTED: [(V.DRAFT, V.SUBMITTED)],
    V.UNDER_REVIEW: [(V.DRAFT, V.SUBMITTED), (V.SUBMITTED, V.UNDER_REVIEW)],
    V.VERIFIED: [
        (V.DRAFT, V.SUBMITTED),
        (V.SUBMITTED, V.UNDER_REVIEW),
        (V.UNDER_REVIEW, V.VERIFIED),
    ],
    V.REJECTED: [
        (V.DRAFT, V.SUBMITTED),
        (V.SUBMITTED, V.UNDER_REVIEW),
        (V.UNDER_REVIEW, V.REJECTED),
    ],
    V.REVERIFICATION_REQUIRED: [
        (V.DRAFT, V.SUBMITTED),
        (V.SUBMITTED, V.UNDER_REVIEW),
        (V.UNDER_REVIEW, V.VERIFIED),
        (V.VERIFIED, V.REVERIFICATION_REQUIRED),
    ],
}


def seed_demo(
    *, scale: float = 1.0, seed: int = DEFAULT_SEED, history_months: int = 6
) -> SeedResult:
    """Write the demo city into an empty database and return the row counts
    (``history_months=0``: no orders or visits)."""
    from doorstep.core import memo

    result = DemoCity(scale=scale, seed=seed, history_months=history_months).build()
    memo.bump_all()  # the seed writes in bulk (no save signals): running servers re-read
    return result


def has_data() -> bool:
    """True when institutions exist (``--if-empty`` then leaves the database alone)."""
    return Institution.objects.exists()
