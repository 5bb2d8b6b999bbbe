"""A digest of the demo data by natural keys, to prove the seed is deterministic.

Row ids, ``created_at`` stamps and ciphertexts (Fernet uses a random IV) differ between
two runs of the same seed, so rows are described by what they mean: codes, names,
decrypted identifiers, dates, and the natural keys of the rows they point to.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from doorstep.accounts.models import Membership, User
from doorstep.core import crypto
from doorstep.organizations.models import Contract, Institution, ServiceArea
from doorstep.people.models import (
    Consent,
    Elder,
    ElderInstitutionLink,
    EmergencyContact,
    FamilyLink,
    InsuranceEnrollment,
)
from doorstep.regions.models import Region
from doorstep.workforce.models import Certificate, Provider, VerificationEvent


def _values(qs: QuerySet[Any], *fields: str) -> Iterator[tuple[Any, ...]]:
    return iter(qs.values_list(*fields))


def _rows() -> Iterable[tuple[str, Any]]:
    users = dict(_values(User.objects.all(), "pk", "username"))
    insts = dict(_values(Institution.objects.all(), "pk", "licence_number"))
    regions = dict(_values(Region.objects.all(), "pk", "code"))
    elders = dict(_values(Elder.objects.all(), "pk", "id_number_hash"))
    for r in _values(
        Region.objects.order_by("code"),
        "code", "level", "path", "name_zh", "name_en", "is_urban", "centroid_lat",
        "centroid_lng", "boundary", "bbox_south", "bbox_west", "bbox_north", "bbox_east",
    ):  # fmt: skip
        yield "region", r
    for i in _values(
        Institution.objects.order_by("licence_number"),
        "licence_number", "name_zh", "name_en", "type", "status", "region_id", "address",
        "lat", "lng", "phone", "security_contact_name", "security_contact_phone",
    ):  # fmt: skip
        yield "institution", (*i[:5], regions[i[5]], *i[6:])
    for inst, region in _values(ServiceArea.objects.all(), "institution_id", "region_id"):
        yield "area", (insts[inst], regions[region])
    for c in _values(
        Contract.objects.all(),
                "institution_id", "effective_from", "effective_to", "platform_bp", "institution_bp",
        "provider_bp",
    ):  # fmt: skip
        yield "contract", (insts[c[0]], *c[1:])
    for u in _values(User.objects.all(), "username", "display_name", "phone", "is_staff"):
        yield "user", u
    for m in _values(Membership.objects.all(), "user_id", "role", "institution_id", "region_id"):
        yield "membership", (users[m[0]], m[1], insts.get(m[2]), regions.get(m[3]))
    for p in _values(
        Provider.objects.all(),
                "user_id", "kind", "institution_id", "licence_number", "title", "practice_start_date",
        "specialties", "languages", "home_lat", "home_lng", "home_region_id",
        "service_radius_km", "transport_mode", "verification_status", "verified_at",
        "verified_by_id", "rejection_reason",
    ):  # fmt: skip
        yield "provider", (users[p[0]], p[1], insts.get(p[2]), *p[3:10], regions.get(p[10]),
                           *p[11:15], users.get(p[15]), p[16])  # fmt: skip
    for c in _values(
        Certificate.objects.all(),
                "provider__user__username", "kind", "number", "issuer", "issued_on", "expires_on",
        "status",
    ):  # fmt: skip
        yield "certificate", c
    for e in _values(
        VerificationEvent.objects.all(),
        "provider__user__username",
        "from_status",
        "to_status",
        "actor_id",
        "at",
        "reason",
    ):
        yield "event", (e[0], e[1], e[2], users.get(e[3]), *e[4:])
    for e in _values(
        Elder.objects.all(),
                "id_number_hash", "id_number_encrypted", "full_name", "sex", "birth_date",
        "phone_hash", "region_id", "address", "lat", "lng", "care_level", "languages",
        "dialects", "status", "user_id", "household__lives_alone", "household__floor",
        "household__has_lift", "household__dwelling_notes",
    ):  # fmt: skip
        yield "elder", (e[0], crypto.decrypt(e[1]), *e[2:6], regions[e[6]], *e[7:14],
                        users.get(e[14]), *e[15:])  # fmt: skip
    for k in _values(
        EmergencyContact.objects.all(),
        "elder_id",
        "name",
        "relationship",
        "phone_encrypted",
        "priority",
    ):
        yield "contact", (elders[k[0]], k[1], k[2], crypto.decrypt(k[3]), k[4])
    for f in _values(
        FamilyLink.objects.all(),
                "elder_id", "user_id", "relationship", "can_view_record", "can_place_orders", "can_pay",
        "can_receive_alerts", "status", "confirmed_by_id", "confirmed_at", "activated_at",
    ):  # fmt: skip
        yield "link", (elders[f[0]], users[f[1]], *f[2:8], users.get(f[8]), *f[9:])
    for c in _values(
        Consent.objects.all(),
                "elder_id", "purpose", "grantee_id", "institution_id", "policy_version",
        "granted_by_id", "granted_at", "withdrawn_at",
    ):  # fmt: skip
        yield "consent", (elders[c[0]], c[1], users.get(c[2]), insts.get(c[3]), c[4],
                          users[c[5]], *c[6:])  # fmt: skip
    for n in _values(
        InsuranceEnrollment.objects.all(),
                "elder_id", "scheme", "number_encrypted", "ltc_disability_level", "valid_from",
        "valid_to", "is_active",
    ):  # fmt: skip
        yield "insurance", (elders[n[0]], n[1], crypto.decrypt(n[2]) if n[2] else "", *n[3:])
    for x in _values(
        ElderInstitutionLink.objects.all(), "elder_id", "institution_id", "since", "status"
    ):
        yield "inst_link", (elders[x[0]], insts[x[1]], *x[2:])
    yield from _history_rows(users, insts, elders)


def _history_rows(
    users: dict[int, str], insts: dict[int, str], elders: dict[int, str]
) -> Iterable[tuple[str, Any]]:
    """Orders, visits and what hangs off them (``history.py``), keyed by the elder and
    the order's time; ids inside the locked price are left out."""
    from doorstep.catalog.models import ServiceItem
    from doorstep.orders.models import CheckEvent, CoSign, Order, ServiceRecord, Visit, VisitEvent
    from doorstep.quality.models import Complaint, ProviderQuality, Rating

    items = dict(_values(ServiceItem.objects.all(), "pk", "code"))
    providers = dict(_values(Provider.objects.all(), "pk", "user__username"))
    orders: dict[int, tuple[str, str]] = {}
    for o in _values(
        Order.objects.all(),
        "pk", "elder_id", "created_at", "institution_id", "item_id", "channel", "placed_by_id",
        "price_lines", "total_fen", "pricing_inputs", "payment_mode",
    ):  # fmt: skip
        key = (elders[o[1]], o[2].isoformat())
        orders[o[0]] = key
        inputs = {k: v for k, v in o[9].items() if not k.endswith("_id")}
        yield "order", (key, insts[o[3]], items[o[4]], o[5], users[o[6]], o[7], o[8], inputs, o[10])
    visits: dict[int, tuple[Any, ...]] = {}
    for v in _values(
        Visit.objects.all(),
        "pk", "order_id", "seq", "status", "window_start", "window_end", "price_fen",
        "provider_id", "assigned_at", "risk_flags", "pool_published_at", "paid_at",
        "cancelled_by_side", "cancellation_fee_fen", "abort_reason",
    ):  # fmt: skip
        vkey = (*orders[v[1]], v[2])
        visits[v[0]] = vkey
        yield "visit", (vkey, *v[3:7], providers.get(v[7]), *v[8:])
    for e in _values(
        VisitEvent.objects.all(), "visit_id", "from_status", "to_status", "actor_id", "at", "reason"
    ):
        yield "visit_event", (visits[e[0]], e[1], e[2], users.get(e[3]), *e[4:])
    for c in _values(
        CheckEvent.objects.all(), "visit_id", "kind", "at", "lat", "lng", "distance_m"
    ):
        yield "check", (visits[c[0]], *c[1:])
    for r in _values(ServiceRecord.objects.all(), "visit_id", "values", "submitted_at"):
        yield "record", (visits[r[0]], *r[1:])
    for c in _values(CoSign.objects.all(), "visit_id", "user_id", "at", "method"):
        yield "cosign", (visits[c[0]], users[c[1]], *c[2:])
    for r in _values(
        Rating.objects.all(), "visit_id", "punctuality", "skill", "attitude", "rated_by_id",
        "created_at",
    ):  # fmt: skip
        yield "rating", (visits[r[0]], *r[1:4], users[r[4]], r[5])
    for c in _values(
        Complaint.objects.all(), "order_id", "category", "status", "deadline", "outcome",
        "resolved_at",
    ):  # fmt: skip
        yield "complaint", (orders[c[0]], *c[1:])
    for q in _values(
        ProviderQuality.objects.all(), "provider_id", "rating_count", "punctuality_sum",
        "skill_sum", "attitude_sum", "low_rating_count", "score",
    ):  # fmt: skip
        yield "quality", (providers[q[0]], *q[1:])


def demo_digest() -> str:
    """SHA-256 over every seeded row's meaning, sorted (independent of insert order)."""
    lines = sorted(
        json.dumps([kind, row], default=str, ensure_ascii=False, sort_keys=True)
        for kind, row in _rows()
    )
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()
