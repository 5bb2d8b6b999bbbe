"""Invariants every database must satisfy, whoever wrote the rows (ADR 0010).

A registry of check functions. Each yields plain-English findings (command output,
never personal data: rows are named by id). Later work registers more checks (visits,
ledger) with ``@invariant("name")`` from its own module and lists that module in
``CHECK_MODULES`` so the command imports it.

    from doorstep.demo.invariants import invariant

    @invariant("no_overlapping_visits")
    def _no_overlapping_visits() -> Iterator[str]:
        ...
"""

from __future__ import annotations

import importlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from doorstep.accounts.enums import INSTITUTION_ROLES
from doorstep.accounts.models import Membership
from doorstep.core import audit, crypto, geo
from doorstep.core.errors import ValidationFailed
from doorstep.organizations.models import Contract, ServiceArea
from doorstep.people.access import consent_active_q
from doorstep.people.enums import FamilyLinkStatus, InstitutionLinkStatus
from doorstep.people.models import Elder, ElderInstitutionLink, FamilyLink
from doorstep.people.validators import parse_id_number
from doorstep.regions.enums import Level
from doorstep.regions.models import Region
from doorstep.workforce.enums import (
    LICENSED_KINDS,
    REQUIRED_CERTIFICATE,
    CertificateStatus,
    VerificationStatus,
)
from doorstep.workforce.models import Certificate, Provider, VerificationEvent

Check = Callable[[], Iterable[str]]

#: name -> check, in registration order.
REGISTRY: dict[str, Check] = {}

#: Modules of later apps that register their own checks when imported.
CHECK_MODULES: list[str] = [
    "doorstep.orders.invariants",
    "doorstep.catalog.invariants",
    "doorstep.quality.invariants",
    "doorstep.billing.invariants",
    "doorstep.health.invariants",
]


@dataclass(frozen=True)
class Finding:
    check: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.message}"


def invariant(name: str) -> Callable[[Check], Check]:
    def register(func: Check) -> Check:
        if name in REGISTRY and REGISTRY[name] is not func:
            raise ValueError(f"invariant {name!r} registered twice")
        REGISTRY[name] = func
        return func

    return register


def run(names: Iterable[str] | None = None) -> list[Finding]:
    """Run the named checks (all when ``None``) and return every finding."""
    for module in CHECK_MODULES:
        importlib.import_module(module)
    selected = list(REGISTRY) if names is None else list(names)
    unknown = [n for n in selected if n not in REGISTRY]
    if unknown:
        raise KeyError(f"unknown invariant(s): {', '.join(unknown)}")
    return [Finding(name, message) for name in selected for message in REGISTRY[name]()]


# --------------------------------------------------------------------------- audit
@invariant("audit_chain")
def audit_chain() -> Iterator[str]:
    """Every audit partition's hash chain recomputes."""
    for p in audit.verify():
        yield f"audit chain {p.partition} broken at seq {p.seq}: {p.problem}"


# --------------------------------------------------------------------------- people
@invariant("elder_id_numbers")
def elder_id_numbers() -> Iterator[str]:
    """Each elder's encrypted ID number is valid, matches its keyed hash and is unique.

    The unique index on ``id_number_hash`` only catches duplicates whose hashes agree,
    so this decrypts every number (about 30 µs a row) and compares the numbers themselves.
    """
    seen: dict[str, int] = {}
    rows = Elder.objects.order_by("pk").values_list("pk", "id_number_encrypted", "id_number_hash")
    for pk, token, stored_hash in rows.iterator(chunk_size=5000):
        number = crypto.decrypt(token)
        try:
            parse_id_number(number)
        except ValidationFailed:
            yield f"elder {pk}: ID number fails GB 11643 validation"
        if crypto.search_hash(number) != stored_hash:
            yield f"elder {pk}: ID number hash does not match the encrypted number"
        if number in seen:
            yield f"elders {seen[number]} and {pk} have the same ID number"
        else:
            seen[number] = pk
    dupes = (
        Elder.objects.values("id_number_hash").annotate(n=Count("pk")).filter(n__gt=1).order_by()
    )
    for row in dupes:
        yield f"{row['n']} elders share one ID number hash"


@invariant("elder_in_community")
def elder_in_community() -> Iterator[str]:
    """Each elder lives in a community (level 5) and their home point lies in its polygon."""
    rings: dict[int, list[list[float]] | None] = {}
    levels: dict[int, int] = {}
    for pk, level, boundary in Region.objects.values_list("pk", "level", "boundary"):
        levels[pk] = level
        rings[pk] = _outer_ring(boundary)
    rows = Elder.objects.order_by("pk").values_list("pk", "region_id", "lat", "lng")
    for pk, region_id, lat, lng in rows.iterator(chunk_size=5000):
        if levels.get(region_id) != Level.COMMUNITY:
            yield f"elder {pk}: region {region_id} is not a community"
            continue
        ring = rings.get(region_id)
        if lat is None or lng is None or ring is None:
            continue
        if not geo.point_in_polygon(lat, lng, ring):
            yield f"elder {pk}: home ({lat}, {lng}) lies outside community {region_id}"


def _outer_ring(boundary: object) -> list[list[float]] | None:
    if not isinstance(boundary, dict):
        return None
    coords = boundary.get("coordinates")
    if boundary.get("type") == "Polygon" and coords:
        return coords[0]  # type: ignore[no-any-return]
    return None


@invariant("family_link_consent")
def family_link_consent() -> Iterator[str]:
    """An active family link is backed by an un-withdrawn family-proxy consent."""
    rows = (
        FamilyLink.objects.filter(status=FamilyLinkStatus.ACTIVE)
        .exclude(consent_active_q())
        .order_by("pk")
        .values_list("pk", "elder_id")
    )
    for pk, elder_id in rows:
        yield f"family link {pk} (elder {elder_id}) is active without an active consent"


@invariant("elder_institution_area")
def elder_institution_area() -> Iterator[str]:
    """An elder's active institution link lies inside one of its service areas."""
    areas: dict[int, list[str]] = defaultdict(list)
    for inst_id, path in ServiceArea.objects.values_list("institution_id", "region__path"):
        areas[inst_id].append(path)
    paths = dict(Region.objects.values_list("pk", "path"))
    rows = (
        ElderInstitutionLink.objects.filter(status=InstitutionLinkStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", "institution_id", "elder__region_id")
    )
    for pk, inst_id, region_id in rows.iterator(chunk_size=5000):
        path = paths.get(region_id, "")
        if not any(path.startswith(prefix) for prefix in areas.get(inst_id, ())):
            yield (
                f"institution link {pk}: institution {inst_id} does not serve region {region_id}"
            )


# --------------------------------------------------------------------------- workforce
@invariant("verified_provider_licence")
def verified_provider_licence() -> Iterator[str]:
    """A verified nurse or doctor has a licence number, and every verified provider holds
    a valid certificate of the kind their work requires (``REQUIRED_CERTIFICATE``)."""
    verified = Provider.objects.filter(verification_status=VerificationStatus.VERIFIED)
    unlicensed = verified.filter(kind__in=LICENSED_KINDS).filter(
        Q(licence_number__isnull=True) | Q(licence_number="")
    )
    for pk in unlicensed.order_by("pk").values_list("pk", flat=True):
        yield f"provider {pk} is verified without a licence number"
    for kind, cert_kind in REQUIRED_CERTIFICATE.items():
        if cert_kind is None:
            continue
        valid = Certificate.objects.filter(
            provider_id=OuterRef("pk"), kind=cert_kind, status=CertificateStatus.VALID
        )
        missing = (
            verified.filter(kind=kind)
            .exclude(pk__in=unlicensed.values("pk"))
            .exclude(Exists(valid))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        label = cert_kind.replace("_", " ")
        for pk in missing:
            yield f"provider {pk} is verified without a valid {label} certificate"


@invariant("verified_provider_event")
def verified_provider_event() -> Iterator[str]:
    """A verified provider has the verification event that verified them."""
    event = VerificationEvent.objects.filter(
        provider_id=OuterRef("pk"), to_status=VerificationStatus.VERIFIED
    )
    rows = (
        Provider.objects.filter(verification_status=VerificationStatus.VERIFIED)
        .exclude(Exists(event))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in rows:
        yield f"provider {pk} is verified but has no verification event"


# --------------------------------------------------------------------------- accounts
@invariant("membership_institution")
def membership_institution() -> Iterator[str]:
    """An active membership in an institution role names its institution."""
    rows = (
        Membership.objects.filter(
            is_active=True, role__in=INSTITUTION_ROLES, institution__isnull=True
        )
        .order_by("pk")
        .values_list("pk", "role")
    )
    for pk, role in rows:
        yield f"membership {pk} has institution role {role} but no institution"


# --------------------------------------------------------------------------- organizations
@invariant("contracts")
def contracts() -> Iterator[str]:
    """Each contract version's shares sum to 10,000 bp; an institution's versions do not
    overlap (``effective_to`` is exclusive, empty means open-ended)."""
    by_inst: dict[int, list[Contract]] = defaultdict(list)
    for c in Contract.objects.order_by("institution_id", "effective_from", "pk"):
        by_inst[c.institution_id].append(c)
        total = c.platform_bp + c.institution_bp + c.provider_bp
        if total != 10000:
            yield (
                f"contract {c.pk} of institution {c.institution_id}: shares sum to "
                f"{total} basis points, not 10000"
            )
        if c.effective_to is not None and c.effective_to <= c.effective_from:
            yield f"contract {c.pk} of institution {c.institution_id} ends before it starts"
    for inst_id, versions in by_inst.items():
        for earlier, later in itertools.pairwise(versions):
            if earlier.effective_to is None or earlier.effective_to > later.effective_from:
                yield (f"contracts {earlier.pk} and {later.pk} of institution {inst_id} overlap")
