"""The access matrix: every API route x every persona x an object owned by institution A.

``ROUTES`` must name every route of the API (``test_every_route_has_a_rule`` fails when a new
route is added without one). For each route the test sends the request as each persona, each
inside a rolled-back transaction, and checks:

* personas in ``ok`` get a 2xx answer;
* every other persona gets 401/403/404 (or, for list routes, a 200 that does not contain the
  object) and **nothing is written** (no audit row, the request changed nothing).

The scene: elder 王秀英 (``elder_a``) lives in district 1, is served by institution A, is the
``elder`` persona's own record and has the ``family`` persona linked with consent; nurse
``nurse_chen`` is a provider of institution A; institution A has a contract.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction

from doorstep.accounts.policy import Actor
from doorstep.core import clock
from doorstep.core.models import AuditEvent
from doorstep.notifications.services import notify
from doorstep.organizations import services as org_services
from doorstep.people import services as people_services
from doorstep.people.models import Consent, FamilyLink
from doorstep.regions import services as region_services

pytestmark = pytest.mark.django_db

EVERYONE = frozenset(
    {
        "elder",
        "family",
        "nurse",
        "caregiver",
        "inst_admin",
        "reviewer",
        "dispatcher",
        "operator",
        "regulator",
        "platform_admin",
        "payer_officer",
        "other_admin",
        "other_nurse",
        "other_regulator",
        "nobody",
    }
)
#: Who may read elder 王秀英's record (ADR 0002): platform admin; operator (city region);
#: institution A staff (tenant); the district-1 regulator (masked); the linked family
#: member with consent; the elder herself. Not: nurses without an assigned visit, the
#: other institution, the other district's regulator, payer officers, people without roles.
ELDER_READERS = frozenset(
    {
        "platform_admin",
        "operator",
        "inst_admin",
        "reviewer",
        "dispatcher",
        "regulator",
        "family",
        "elder",
    }
)
ELDER_STAFF_EDITORS = frozenset({"platform_admin", "operator", "inst_admin", "reviewer"})
PROVIDER_READERS = frozenset(
    {"platform_admin", "inst_admin", "reviewer", "dispatcher", "regulator", "nurse"}
)
#: Only the practice institution verifies its providers (NHC 2019 rule 1); not the platform.
INST_A_VERIFIERS = frozenset({"inst_admin", "reviewer"})
CONTRACT_READERS = frozenset({"platform_admin", "inst_admin", "regulator"})
#: claims (ADR 0023): the payer's officer of the region, the institution's finance side.
CLAIM_READERS = frozenset({"platform_admin", "inst_admin", "payer_officer"})
#: orders (ADR 0013): who sees the scene's order (assigned to caregiver_zhao) and the
#: quality scene's visit (nurse_chen's); who may book for 王秀英; who dispatches and reviews.
ORDER_STAFF = frozenset({"platform_admin", "operator", "inst_admin", "reviewer", "dispatcher"})
ORDER_VIEWERS = ORDER_STAFF | {"family", "elder", "caregiver"}
VISIT_VIEWERS = ORDER_STAFF | {"family", "elder", "nurse"}
ORDER_PLACERS = ORDER_STAFF | {"family", "elder"}
DISPATCHERS = frozenset({"platform_admin", "inst_admin", "dispatcher"})
ASSESSMENT_REVIEWERS = frozenset({"platform_admin", "inst_admin", "reviewer"})
#: quality (ADR 0014): complaints are seen by institution A's admin (and quality officer),
#: the platform, the region's regulator and operator, and the elder and her linked family.
COMPLAINT_READERS = frozenset(
    {"platform_admin", "inst_admin", "regulator", "operator", "family", "elder"}
)
#: A visit's rating: institution A's staff, the platform, the regulator, the elder and her
#: family, and the rated nurse.
QUALITY_RATING_READERS = frozenset(
    {"platform_admin", "inst_admin", "reviewer", "dispatcher", "regulator", "family", "elder"}
    | {"nurse"}
)

#: matching (ADR 0020): an elder's excluded providers, never shown to providers.
EXCLUSION_VIEWERS = frozenset(
    {"platform_admin", "operator", "inst_admin", "reviewer", "dispatcher", "family", "elder"}
)
EXCLUSION_EDITORS = EXCLUSION_VIEWERS - {"dispatcher"}
#: health records (ADR 0026): the elder, her consented family, and clinical staff of an
#: institution caring for her (nurse, reviewer); never regulators, admins or the platform.
HEALTH_CLINICIANS = frozenset({"nurse", "reviewer"})
HEALTH_READERS = HEALTH_CLINICIANS | {"elder", "family"}
#: devices (ADR 0030): a device follows its elder (not regulators, payers or providers:
#: its events are health data); staff who install devices, operators and family manage them.
DEVICE_VIEWERS = frozenset(
    {"platform_admin", "operator", "inst_admin", "reviewer", "dispatcher", "family", "elder"}
)
DEVICE_MANAGERS = DEVICE_VIEWERS - {"dispatcher", "elder"}
#: alerts (ADR 0031): an elder's alarm is seen by the platform, the region's operator and
#: the elder; handled by the platform and the operator.
ALERT_HANDLERS = frozenset({"platform_admin", "operator"})
ALERT_READERS = ALERT_HANDLERS | {"elder"}
#: alert settings: an institution's security contacts are managed by its admins and the platform.
ALERT_CONTACT_ADMINS = frozenset({"platform_admin", "inst_admin"})


@dataclass(frozen=True)
class Rule:
    """``ok``: personas that succeed. ``listing``: a list route that must answer 200 to
    everyone and contain the scene's object (``contains``: a key of the JSON item) only for
    ``ok``. ``body``: request body builder (scene -> dict)."""

    ok: frozenset[str]
    listing: str | None = None
    body: Any = None
    query: Any = None
    public: bool = False


def _body(**kw: Any) -> Any:
    return lambda scene: kw


ROUTES: dict[str, Rule] = {
    # accounts
    "POST /api/v1/auth/token": Rule(
        EVERYONE, public=True, body=_body(identifier="nurse_chen", password="correct-horse-42")
    ),
    "DELETE /api/v1/auth/token/{token_id}": Rule(frozenset({"nurse"})),
    "GET /api/v1/me": Rule(EVERYONE),
    "PATCH /api/v1/me/preferences": Rule(EVERYONE, body=_body(large_text=True)),
    # regions: a public directory; only platform admins change it
    "GET /api/v1/regions": Rule(EVERYONE),
    "POST /api/v1/regions": Rule(
        frozenset({"platform_admin"}),
        body=lambda s: {
            "code": "330203001099",
            "level": 5,
            "parent_id": s.world.street1.pk,
            "name_zh": "新社区",
            "name_en": "New Community",
        },
    ),
    "GET /api/v1/regions/locate": Rule(EVERYONE, query=_body(lat=29.86, lng=121.54)),
    "GET /api/v1/regions/{region_id}": Rule(EVERYONE),
    "PATCH /api/v1/regions/{region_id}": Rule(
        frozenset({"platform_admin"}), body=_body(name_en="Haishu District")
    ),
    "GET /api/v1/regions/{region_id}/geojson": Rule(EVERYONE),
    "GET /api/v1/regions/{region_id}/stats": Rule(frozenset({"platform_admin", "regulator"})),
    # institutions: public directory; contracts and status for the platform
    "GET /api/v1/institutions": Rule(EVERYONE),
    "POST /api/v1/institutions": Rule(
        frozenset({"platform_admin"}),
        body=lambda s: {
            "name_zh": "新机构",
            "name_en": "New Agency",
            "type": "home_care_agency",
            "licence_number": "NEW-001",
            "region_id": s.world.district1.pk,
        },
    ),
    "GET /api/v1/institutions/{institution_id}": Rule(EVERYONE),
    "PATCH /api/v1/institutions/{institution_id}": Rule(
        frozenset({"platform_admin", "inst_admin"}), body=_body(address="新地址 1 号")
    ),
    "POST /api/v1/institutions/{institution_id}/status": Rule(
        frozenset({"platform_admin"}), body=_body(status="suspended")
    ),
    "POST /api/v1/institutions/{institution_id}/service-areas": Rule(
        frozenset({"platform_admin"}), body=lambda s: {"region_id": s.world.district2.pk}
    ),
    "DELETE /api/v1/institutions/{institution_id}/service-areas/{region_id}": Rule(
        frozenset({"platform_admin"})
    ),
    "GET /api/v1/institutions/{institution_id}/contracts": Rule(CONTRACT_READERS),
    "POST /api/v1/institutions/{institution_id}/contracts": Rule(
        frozenset({"platform_admin"}),
        body=_body(
            effective_from="2025-01-01",
            effective_to="2026-01-01",
            platform_bp=1000,
            institution_bp=3000,
            provider_bp=6000,
        ),
    ),
    "GET /api/v1/institutions/{institution_id}/contracts/current": Rule(
        CONTRACT_READERS, query=_body(on="2026-06-01")
    ),
    "POST /api/v1/institutions/{institution_id}/contracts/{contract_id}/end": Rule(
        frozenset({"platform_admin"}), body=_body(effective_to="2029-01-01")
    ),
    # elders
    "GET /api/v1/elders": Rule(ELDER_READERS, listing="id"),
    "POST /api/v1/elders": Rule(
        frozenset({"platform_admin", "operator", "inst_admin", "reviewer", "elder"}),
        body=lambda s: {
            "full_name": "赵国华",
            "id_number": "330203194501010018",
            "phone": "13911112222",
            "region_id": s.world.community1.pk,
        },
    ),
    "GET /api/v1/elders/search": Rule(
        frozenset({"platform_admin", "operator", "inst_admin", "reviewer", "dispatcher"}),
        listing="id",
        query=_body(name="王秀英"),
    ),
    "POST /api/v1/elders/accept": Rule(  # an institution takes on a registered elder
        frozenset({"inst_admin", "reviewer"}),
        body=lambda s: {
            "institution_id": s.world.inst_a.pk,
            "id_number": "330212193806150021",
            "phone": "13787654321",
        },
    ),
    "GET /api/v1/elders/{elder_id}": Rule(ELDER_READERS),
    "PATCH /api/v1/elders/{elder_id}": Rule(
        ELDER_STAFF_EDITORS | {"elder", "family"}, body=_body(address="尹江路 12 弄 3 号 503 室")
    ),
    "PUT /api/v1/elders/{elder_id}/household": Rule(
        ELDER_STAFF_EDITORS | {"elder", "family"}, body=_body(lives_alone=True, floor=5)
    ),
    "GET /api/v1/elders/{elder_id}/contacts": Rule(ELDER_READERS),
    "POST /api/v1/elders/{elder_id}/contacts": Rule(
        ELDER_STAFF_EDITORS | {"elder", "family"},
        body=_body(name="李明", relationship="child", phone="13900001111"),
    ),
    "POST /api/v1/elders/{elder_id}/contacts/{contact_id}/deactivate": Rule(
        ELDER_STAFF_EDITORS | {"elder", "family"}
    ),
    "GET /api/v1/elders/{elder_id}/family-links": Rule(ELDER_READERS),
    "POST /api/v1/elders/{elder_id}/family-links": Rule(
        frozenset({"platform_admin", "operator", "inst_admin", "reviewer", "elder"}),
        body=lambda s: {"user_id": s.extra_family.pk, "relationship": "child"},
    ),
    "GET /api/v1/family-links": Rule(EVERYONE),
    "POST /api/v1/family-links": Rule(
        frozenset({"family"}),
        body=_body(id_number="330212193806150021", phone="13787654321", relationship="child"),
    ),
    "POST /api/v1/family-links/{link_id}/confirm": Rule(frozenset()),  # already confirmed
    "POST /api/v1/family-links/{link_id}/revoke": Rule(
        frozenset({"platform_admin", "operator", "inst_admin", "reviewer", "elder", "family"})
    ),
    "GET /api/v1/elders/{elder_id}/consents": Rule(ELDER_READERS),
    "POST /api/v1/elders/{elder_id}/consents": Rule(
        ELDER_STAFF_EDITORS | {"elder"},
        body=_body(purpose="health_data_processing", policy_version="2026-02"),
    ),
    "POST /api/v1/consents/{consent_id}/withdraw": Rule(ELDER_STAFF_EDITORS | {"elder"}),
    "GET /api/v1/elders/{elder_id}/insurance": Rule(ELDER_READERS),
    "POST /api/v1/elders/{elder_id}/insurance": Rule(
        ELDER_STAFF_EDITORS | {"elder", "family"},
        body=_body(scheme="long_term_care", ltc_disability_level=3, valid_from="2026-01-01"),
    ),
    "GET /api/v1/elders/{elder_id}/institutions": Rule(ELDER_READERS),
    "GET /api/v1/elders/{elder_id}/service-records": Rule(ELDER_READERS),
    "POST /api/v1/elders/{elder_id}/institutions": Rule(
        frozenset({"platform_admin", "operator"}),
        body=lambda s: {"institution_id": s.world.inst_b.pk},
    ),
    # providers
    "GET /api/v1/providers": Rule(PROVIDER_READERS, listing="id"),
    "POST /api/v1/providers": Rule(
        frozenset({"platform_admin", "inst_admin"}),
        body=lambda s: {
            "user_id": s.new_user.pk,
            "kind": "caregiver",
            "institution_id": s.world.inst_a.pk,
        },
    ),
    "GET /api/v1/providers/{provider_id}": Rule(PROVIDER_READERS),
    "PATCH /api/v1/providers/{provider_id}": Rule(
        frozenset({"platform_admin", "inst_admin", "nurse"}), body=_body(service_radius_km=8.0)
    ),
    "GET /api/v1/providers/{provider_id}/certificates": Rule(PROVIDER_READERS),
    "POST /api/v1/providers/{provider_id}/certificates": Rule(
        frozenset({"platform_admin", "inst_admin", "nurse"}),
        body=_body(kind="first_aid", number="FA-1", expires_on="2030-01-01"),
    ),
    "POST /api/v1/providers/{provider_id}/submit": Rule(
        frozenset({"platform_admin", "inst_admin", "nurse"})
    ),
    "POST /api/v1/providers/{provider_id}/review": Rule(frozenset()),  # draft: 409 for verifiers
    "POST /api/v1/providers/{provider_id}/verify": Rule(frozenset()),
    "POST /api/v1/providers/{provider_id}/reject": Rule(frozenset(), body=_body(reason="x")),
    "GET /api/v1/providers/{provider_id}/history": Rule(PROVIDER_READERS),
    "GET /api/v1/providers/{provider_id}/eligibility": Rule(
        PROVIDER_READERS, query=_body(preset="clinical_nursing")
    ),
    # quality (ADR 0014)
    "POST /api/v1/visits/{visit_id}/rating": Rule(
        frozenset({"elder", "family"}), body=_body(punctuality=5, skill=4, attitude=5)
    ),
    "GET /api/v1/visits/{visit_id}/rating": Rule(QUALITY_RATING_READERS),
    "GET /api/v1/providers/{provider_id}/quality": Rule(PROVIDER_READERS),
    "GET /api/v1/complaints": Rule(COMPLAINT_READERS, listing="id"),
    "POST /api/v1/complaints": Rule(
        frozenset({"operator", "family", "elder"}),
        body=lambda s: {"visit_id": s.ids["visit_id"], "category": "other", "description": "x"},
    ),
    "GET /api/v1/complaints/{complaint_id}": Rule(COMPLAINT_READERS),
    "POST /api/v1/complaints/{complaint_id}/take": Rule(frozenset({"inst_admin"})),
    "POST /api/v1/complaints/{complaint_id}/resolve": Rule(
        frozenset({"inst_admin"}), body=_body(outcome="已致歉")
    ),
    "GET /api/v1/quality-reviews": Rule(frozenset({"platform_admin", "inst_admin"}), listing="id"),
    "POST /api/v1/quality-reviews/{review_id}/close": Rule(
        frozenset({"inst_admin"}), body=_body(outcome="no_action")
    ),
    "GET /api/v1/institutions/{institution_id}/blacklist": Rule(
        frozenset({"platform_admin", "inst_admin", "reviewer", "dispatcher", "regulator"})
    ),
    "POST /api/v1/institutions/{institution_id}/blacklist": Rule(
        frozenset({"inst_admin"}),
        body=lambda s: {"elder_id": s.ids["elder_id"], "reason": "x", "review_date": "2030-01-01"},
    ),
    "POST /api/v1/blacklist/{entry_id}/lift": Rule(frozenset({"inst_admin"})),
    "GET /api/v1/providers/{provider_id}/sanctions": Rule(PROVIDER_READERS),
    "POST /api/v1/providers/{provider_id}/sanctions": Rule(
        frozenset({"inst_admin"}), body=_body(kind="warning", reason="x")
    ),
    "POST /api/v1/sanctions/{sanction_id}/lift": Rule(frozenset({"inst_admin"})),
    # orders (ADR 0013): {order_id} is a bathing-help order assigned to caregiver_zhao;
    # {visit_id} is the completed visit of nurse_chen from the quality scene.
    "GET /api/v1/orders": Rule(ORDER_VIEWERS, listing="id"),
    "POST /api/v1/orders": Rule(
        ORDER_PLACERS,
        body=lambda s: {
            "elder_id": s.ids["elder_id"],
            "institution_id": s.world.inst_a.pk,
            "item_id": s.ids["orders_item_id"],
            "window_start": (clock.now() + dt.timedelta(days=5)).isoformat(),
        },
    ),
    "GET /api/v1/orders/{order_id}": Rule(ORDER_VIEWERS),
    "POST /api/v1/orders/{order_id}/cancel": Rule(
        ORDER_PLACERS - {"reviewer"}, body=_body(reason="The elder is in hospital.")
    ),
    "POST /api/v1/orders/{order_id}/payments": Rule(frozenset(), body=_body(method="cash")),
    "GET /api/v1/assessments": Rule(ASSESSMENT_REVIEWERS, listing="id"),
    "POST /api/v1/assessments/{assessment_id}/decide": Rule(
        frozenset(), body=_body(decision="accepted")
    ),
    "GET /api/v1/visits": Rule(VISIT_VIEWERS, listing="id"),
    "GET /api/v1/visits/pool": Rule(frozenset(), listing="visit_id"),
    "GET /api/v1/visits/{visit_id}": Rule(VISIT_VIEWERS),
    "POST /api/v1/visits/{visit_id}/assign": Rule(
        frozenset(), body=lambda s: {"provider_id": s.ids["orders_caregiver_id"]}
    ),
    "POST /api/v1/visits/{visit_id}/unassign": Rule(frozenset(), body=_body(reason="x")),
    "POST /api/v1/visits/{visit_id}/publish": Rule(frozenset()),
    "POST /api/v1/visits/{visit_id}/accept": Rule(frozenset()),  # not in the pool: 404
    "POST /api/v1/visits/{visit_id}/start-travel": Rule(frozenset(), body=_body()),
    "POST /api/v1/visits/{visit_id}/check-in": Rule(frozenset(), body=_body(lat=29.86, lng=121.54)),
    "POST /api/v1/visits/{visit_id}/start": Rule(frozenset()),
    "POST /api/v1/visits/{visit_id}/record": Rule(frozenset(), body=_body(values={})),
    "POST /api/v1/visits/{visit_id}/photos": Rule(
        frozenset(),
        body=_body(key="wound_photo", content_type="image/jpeg", data_base64="/9j/4AAQSkZJRg=="),
    ),
    "POST /api/v1/visits/{visit_id}/check-out": Rule(
        frozenset(), body=_body(lat=29.86, lng=121.54)
    ),
    "POST /api/v1/visits/{visit_id}/co-sign": Rule(frozenset({"elder", "family"}), body=_body()),
    "POST /api/v1/visits/{visit_id}/corrections": Rule(
        frozenset(),
        body=_body(field="check_in_at", proposed_value="2026-06-15T10:00:00+08:00", reason="x"),
    ),
    "POST /api/v1/visits/{visit_id}/no-show": Rule(frozenset(), body=_body(reason="x")),
    "POST /api/v1/visits/{visit_id}/abort": Rule(frozenset(), body=_body(reason="x")),
    "POST /api/v1/visits/{visit_id}/reschedule": Rule(
        frozenset(),
        body=lambda s: {
            "window_start": (clock.now() + dt.timedelta(days=6)).isoformat(),
            "reason": "x",
        },
    ),
    "POST /api/v1/corrections/{correction_id}/decide": Rule(
        frozenset({"platform_admin", "inst_admin", "reviewer", "dispatcher"}),
        body=_body(approve=True),
    ),
    # catalog (ADR 0012): the catalogue, caps and policies are open to signed-in users;
    # quotes for 王秀英 to those who may see her; offerings to institution A's admins.
    "GET /api/v1/catalog/categories": Rule(EVERYONE),
    "GET /api/v1/catalog/items": Rule(EVERYONE),
    "GET /api/v1/catalog/items/{item_id}": Rule(EVERYONE),
    "GET /api/v1/catalog/packages": Rule(EVERYONE),
    "POST /api/v1/catalog/quote": Rule(
        ELDER_READERS,
        body=lambda s: {"item_id": s.ids["item_id"], "elder_id": s.ids["elder_id"]},
    ),
    "POST /api/v1/catalog/suggest": Rule(EVERYONE, body=_body(text="打针")),
    "GET /api/v1/catalog/pricing-policy": Rule(
        EVERYONE, query=lambda s: {"region_id": s.world.district1.pk}
    ),
    "POST /api/v1/catalog/pricing-policy": Rule(
        frozenset({"platform_admin"}),
        body=lambda s: {
            "region_id": s.world.city.pk,
            "effective_from": "2026-01-01",
            "free_radius_m": 5000,
        },
    ),
    "GET /api/v1/catalog/price-caps": Rule(EVERYONE),
    "POST /api/v1/catalog/price-caps": Rule(
        frozenset({"platform_admin"}),
        body=lambda s: {
            "item_id": s.ids["item_id"],
            "region_id": s.world.district1.pk,
            "cap_fen": 8000,
            "effective_from": "2026-01-01",
        },
    ),
    "GET /api/v1/institutions/{institution_id}/offerings": Rule(
        frozenset({"platform_admin", "inst_admin"})
    ),
    "POST /api/v1/institutions/{institution_id}/offerings": Rule(
        frozenset({"platform_admin", "inst_admin"}),
        body=lambda s: {
            "item_id": s.ids["catalog_new_item_id"],
            "region_id": s.world.district1.pk,
            "price_fen": 6500,
        },
    ),
    "PATCH /api/v1/offerings/{offering_id}": Rule(
        frozenset({"platform_admin", "inst_admin"}), body=_body(price_fen=7500)
    ),
    # matching (ADR 0020): {visit_id} is completed (409 for dispatchers, STATE_REFUSALS);
    # {offer_id} is pending for caregiver_zhao; {exclusion_id}: 王秀英 excludes nurse_chen.
    "GET /api/v1/visits/{visit_id}/candidates": Rule(DISPATCHERS),
    "POST /api/v1/visits/{visit_id}/offer": Rule(DISPATCHERS, body=_body(urgent=False)),
    "GET /api/v1/offers": Rule(frozenset({"caregiver"}), listing="id"),
    "POST /api/v1/offers/{offer_id}/accept": Rule(frozenset({"caregiver"})),
    "POST /api/v1/offers/{offer_id}/decline": Rule(frozenset({"caregiver"})),
    "GET /api/v1/elders/{elder_id}/exclusions": Rule(EXCLUSION_VIEWERS),
    "POST /api/v1/elders/{elder_id}/exclusions": Rule(
        EXCLUSION_EDITORS,
        body=lambda s: {"provider_id": s.ids["orders_caregiver_id"], "reason": "x"},
    ),
    "POST /api/v1/exclusions/{exclusion_id}/revoke": Rule(EXCLUSION_EDITORS),
    # dispatch (ADR 0019): {run_id} is a finished, empty plan of institution A; {shift_id}
    # is nurse_chen's shift on {day}.
    "POST /api/v1/dispatch/plans": Rule(
        DISPATCHERS,
        body=lambda s: {
            "institution_id": s.world.inst_a.pk,
            "day": s.ids["plan_day"],
            "time_limit": 1,
        },
    ),
    "GET /api/v1/dispatch/plans": Rule(DISPATCHERS, listing="id"),
    "GET /api/v1/dispatch/plans/{run_id}": Rule(DISPATCHERS),
    "POST /api/v1/dispatch/plans/{run_id}/accept": Rule(DISPATCHERS),
    "POST /api/v1/dispatch/plans/{run_id}/discard": Rule(DISPATCHERS),
    "POST /api/v1/dispatch/plans/{run_id}/replan": Rule(
        DISPATCHERS,
        body=lambda s: {
            "kind": "provider_sick",
            "provider_id": s.ids["provider_id"],
            "at": (clock.now() + dt.timedelta(days=2)).isoformat(),
        },
    ),
    "GET /api/v1/dispatch/shifts": Rule(DISPATCHERS | {"nurse"}, listing="id"),
    # capacity-aware start times (ADR 0032): whoever may book for the elder with inst A
    "GET /api/v1/dispatch/start-times": Rule(
        ORDER_PLACERS,
        query=lambda s: {
            "elder_id": s.ids["elder_id"],
            "item_id": s.ids["orders_item_id"],
            "institution_id": s.world.inst_a.pk,
            "day": (clock.now() + dt.timedelta(days=5)).date().isoformat(),
        },
    ),
    "PUT /api/v1/dispatch/providers/{provider_id}/shifts/{day}": Rule(
        DISPATCHERS, body=_body(start="09:00", end="17:00")
    ),
    # billing (ADR 0022): {charge_id} is a pending sandbox charge the elder asked for; the
    # gateway's notify endpoint is public and refuses an unsigned body (see STATE_REFUSALS).
    "POST /api/v1/billing/payments": Rule(
        frozenset(),
        body=lambda s: {
            "order_id": s.ids["order_id"],
            "channel": "cash",
            "amount_fen": 1,
            "idempotency_key": "matrix-pay-0001",
        },
    ),
    "GET /api/v1/billing/payments/{charge_id}": Rule(
        frozenset({"elder", "inst_admin", "platform_admin"})
    ),
    "POST /api/v1/billing/gateway/sandbox/notify": Rule(frozenset(), public=True),
    "POST /api/v1/billing/payments/{charge_id}/refunds": Rule(
        frozenset(),
        body=_body(amount_fen=100, reason="x", idempotency_key="matrix-refund-0001"),
    ),
    "POST /api/v1/billing/payouts": Rule(
        frozenset({"platform_admin", "inst_admin"}),
        body=lambda s: {
            "account_id": s.ids["payable_account_id"],
            "amount_fen": 100,
            "idempotency_key": "matrix-payout-0001",
        },
    ),
    "GET /api/v1/billing/accounts": Rule(EVERYONE),
    "GET /api/v1/billing/earnings": Rule(
        frozenset({"nurse", "inst_admin", "platform_admin"}),
        query=lambda s: {"month": "2026-06", "provider_id": s.ids["provider_id"]},
    ),
    "POST /api/v1/billing/sandbox/payments/{charge_id}/simulate": Rule(
        frozenset({"elder", "platform_admin"}), body=_body(outcome="paid")
    ),
    # claims (ADR 0023): {claim_id} is institution A's claim to Ningbo's LTC insurance;
    # the Ningbo payer officer decides it, institution A's admin submits and reads it.
    "GET /api/v1/billing/claims": Rule(CLAIM_READERS, listing="id"),
    "GET /api/v1/billing/claims/{claim_id}": Rule(CLAIM_READERS),
    "GET /api/v1/billing/claims/{claim_id}/export": Rule(CLAIM_READERS),
    "POST /api/v1/billing/claims/{claim_id}/transition": Rule(
        frozenset({"payer_officer"}), body=_body(to="approved")
    ),
    "POST /api/v1/billing/claims": Rule(
        frozenset(), body=lambda s: {"institution_id": s.world.inst_a.pk, "month": "2026-06"}
    ),
    # settlement (ADR 0025): statements of institution A's payable ({account_id}) for a month
    # after its posting (the closing is its balance); receipts of the pending {charge_id} are
    # refused with 409 to whoever may see the order's money (STATE_REFUSALS)
    "GET /api/v1/billing/statements": Rule(
        frozenset({"inst_admin", "platform_admin"}),
        listing="account_id",
        query=lambda s: {"month": "2031-01"},
    ),
    "GET /api/v1/billing/statements/{account_id}": Rule(
        frozenset({"inst_admin", "platform_admin"}), query=lambda s: {"month": "2031-01"}
    ),
    "GET /api/v1/billing/reconciliation": Rule(
        frozenset({"inst_admin", "platform_admin"}),
        query=lambda s: {"month": "2031-01", "institution_id": s.world.inst_a.pk},
    ),
    "GET /api/v1/billing/payments/{charge_id}/receipt": Rule(frozenset()),
    # payer rules and payout runs (ADR 0029): the Ningbo payer officer and platform admins
    # list and publish rule versions; a payout run of an ended month for institution A
    "GET /api/v1/billing/payer-rules": Rule(
        frozenset({"platform_admin", "payer_officer"}), listing="id"
    ),
    "POST /api/v1/billing/payer-rules": Rule(
        frozenset({"platform_admin", "payer_officer"}),
        body=lambda s: {
            "region_code": "330200",
            "scheme": "long_term_care",
            "version": "matrix-b",
            "name_zh": "长护险",
            "name_en": "LTC",
            "effective_from": (clock.now() + dt.timedelta(days=40)).date().isoformat(),
        },
    ),
    "POST /api/v1/billing/payout-runs": Rule(
        frozenset({"platform_admin", "inst_admin"}),
        body=lambda s: {"month": "2020-01", "institution_id": s.world.inst_a.pk},
    ),
    "GET /api/v1/billing/orders/{order_id}/invoice": Rule(
        frozenset({"elder", "family", "inst_admin", "platform_admin"})
    ),
    # patient debt (ADR 0033): the refused share of {debt_order_id}; the family persona has
    # no pay right; {order_id} owes nothing (409 no_debt_owed in STATE_REFUSALS)
    "GET /api/v1/billing/debts": Rule(
        frozenset({"elder", "inst_admin", "platform_admin"}), listing="order_id"
    ),
    "POST /api/v1/billing/orders/{order_id}/debt-payments": Rule(
        frozenset(),
        body=_body(channel="cash", amount_fen=50, idempotency_key="matrix-debt-0001"),
    ),
    # health (ADR 0026): {observation_id}, {condition_id}, {medication_id}, {line_id} are
    # on 王秀英's record, entered by institution A's reviewer; conditions: not nurses
    "GET /api/v1/elders/{elder_id}/health": Rule(HEALTH_READERS),
    "GET /api/v1/elders/{elder_id}/health/observations": Rule(HEALTH_READERS),
    "POST /api/v1/elders/{elder_id}/health/observations": Rule(
        HEALTH_READERS,
        body=lambda s: {
            "kind": "heart_rate",
            "value": 72,
            "source": "self_reported",
            "measured_at": clock.now().isoformat(),
        },
    ),
    "POST /api/v1/health/observations/{observation_id}/void": Rule(HEALTH_CLINICIANS),
    "POST /api/v1/elders/{elder_id}/health/conditions": Rule(
        frozenset({"reviewer"}), body=_body(code="E11.9")
    ),
    "POST /api/v1/health/conditions/{condition_id}/resolve": Rule(frozenset({"reviewer"})),
    "POST /api/v1/elders/{elder_id}/health/allergies": Rule(
        HEALTH_CLINICIANS, body=_body(substance="青霉素", category="drug", severity="severe")
    ),
    "POST /api/v1/elders/{elder_id}/health/medications": Rule(
        HEALTH_CLINICIANS,
        body=_body(
            name="二甲双胍 metformin",
            dose=500,
            dose_unit="mg",
            route="oral",
            frequency="bid",
            times=["08:00", "18:00"],
            start_date="2026-01-01",
        ),
    ),
    "POST /api/v1/health/medications/{medication_id}/stop": Rule(
        HEALTH_CLINICIANS, body=_body(reason="x")
    ),
    "POST /api/v1/elders/{elder_id}/health/lines": Rule(
        HEALTH_CLINICIANS,
        body=lambda s: {
            "kind": "urinary_catheter",
            "site": "尿道",
            "inserted_on": clock.today().isoformat(),
        },
    ),
    "POST /api/v1/health/lines/{line_id}/maintenance": Rule(
        HEALTH_CLINICIANS, body=lambda s: {"on": clock.today().isoformat()}
    ),
    "POST /api/v1/health/lines/{line_id}/remove": Rule(
        HEALTH_CLINICIANS, body=lambda s: {"on": clock.today().isoformat()}
    ),
    "GET /api/v1/elders/{elder_id}/health/assessments": Rule(HEALTH_READERS),
    "POST /api/v1/elders/{elder_id}/health/assessments": Rule(
        HEALTH_CLINICIANS,
        body=_body(
            instrument="braden",
            answers={
                "sensory_perception": 3,
                "moisture": 3,
                "activity": 2,
                "mobility": 2,
                "nutrition": 3,
                "friction_shear": 2,
            },
        ),
    ),
    "GET /api/v1/health/instruments": Rule(EVERYONE),
    "GET /api/v1/health/condition-codes": Rule(EVERYONE, query=_body(q="I1")),
    # devices (ADR 0030): {device_pk} is 王秀英's watch; ingestion takes device or gateway
    # credentials (HTTP Basic), never a person's token
    "GET /api/v1/devices": Rule(DEVICE_VIEWERS, listing="elder_id"),
    "GET /api/v1/devices/{device_pk}": Rule(DEVICE_VIEWERS),
    "POST /api/v1/elders/{elder_id}/devices": Rule(DEVICE_MANAGERS, body=_body(type="glucometer")),
    "POST /api/v1/devices/{device_pk}/retire": Rule(DEVICE_MANAGERS),
    "POST /api/v1/devices/{device_pk}/rotate-secret": Rule(DEVICE_MANAGERS),
    "POST /api/v1/elders/{elder_id}/gateways": Rule(DEVICE_MANAGERS),
    "GET /api/v1/devices/rejections": Rule(frozenset({"platform_admin"})),
    "POST /api/v1/devices/ingest": Rule(frozenset(), public=True, body=_body(messages=[])),
    # alerts (ADR 0031): {alert_id} is an SOS from 王秀英's watch; no family member of hers
    # receives alerts; {visit_id} is completed, so nurse_chen's alarm there is refused (409)
    "GET /api/v1/alerts": Rule(ALERT_READERS, listing="id"),
    "GET /api/v1/alerts/{alert_id}": Rule(ALERT_READERS),
    "POST /api/v1/alerts/{alert_id}/acknowledge": Rule(ALERT_HANDLERS, body=_body(note="")),
    "POST /api/v1/alerts/{alert_id}/resolve": Rule(ALERT_HANDLERS, body=_body(note="Fine.")),
    "POST /api/v1/alerts/{alert_id}/notes": Rule(ALERT_HANDLERS, body=_body(note="Called.")),
    "POST /api/v1/alerts/{alert_id}/location": Rule(frozenset(), body=_body(lat=29.86, lng=121.54)),
    "POST /api/v1/sos": Rule(frozenset({"elder"}), body=_body(idempotency_key="matrix-sos-1")),
    "POST /api/v1/visits/{visit_id}/alarm": Rule(
        frozenset(), body=_body(idempotency_key="matrix-alarm-1")
    ),
    # alert settings: thresholds follow the health record (read / clinical change);
    # {safety_contact_id} is institution A's security contact; one's own alarm e-mail
    "GET /api/v1/elders/{elder_id}/alert-thresholds": Rule(HEALTH_READERS),
    "PUT /api/v1/elders/{elder_id}/alert-thresholds/{measure}": Rule(
        HEALTH_CLINICIANS, body=_body(warning_high=150, critical_high=170)
    ),
    "DELETE /api/v1/elders/{elder_id}/alert-thresholds/{measure}": Rule(HEALTH_CLINICIANS),
    "GET /api/v1/institutions/{institution_id}/security-contacts": Rule(ALERT_CONTACT_ADMINS),
    "POST /api/v1/institutions/{institution_id}/security-contacts": Rule(
        ALERT_CONTACT_ADMINS, body=lambda s: {"username": s.personas.dispatcher.username}
    ),
    "DELETE /api/v1/institutions/{institution_id}/security-contacts/{safety_contact_id}": Rule(
        ALERT_CONTACT_ADMINS
    ),
    "GET /api/v1/me/alarm-email": Rule(EVERYONE),
    "PUT /api/v1/me/alarm-email": Rule(EVERYONE, body=_body(email="duty@example.org")),
    "DELETE /api/v1/me/alarm-email": Rule(EVERYONE),
    # care plans (ADR 0027): {plan_id} is 王秀英's active plan with institution A,
    # {intervention_id} on it, {proposal_id} an open Braden proposal; readers as the record,
    # changes and proposals: clinical staff of institution A
    "GET /api/v1/elders/{elder_id}/care-plans": Rule(HEALTH_READERS),
    "POST /api/v1/elders/{elder_id}/care-plans": Rule(HEALTH_CLINICIANS, body=_body(title="x")),
    "GET /api/v1/care-plans/{plan_id}": Rule(HEALTH_READERS),
    "PATCH /api/v1/care-plans/{plan_id}": Rule(HEALTH_CLINICIANS, body=_body(title="Renamed")),
    "POST /api/v1/care-plans/{plan_id}/goals": Rule(
        HEALTH_CLINICIANS, body=_body(description="Walk to the market")
    ),
    "POST /api/v1/care-plans/{plan_id}/interventions": Rule(
        HEALTH_CLINICIANS,
        body=_body(item_code="turning_care", frequency="daily", time_from="15:00"),
    ),
    "PATCH /api/v1/care-plans/interventions/{intervention_id}": Rule(
        HEALTH_CLINICIANS, body=_body(note="Ring twice")
    ),
    "POST /api/v1/care-plans/interventions/{intervention_id}/remove": Rule(
        HEALTH_CLINICIANS, body=_body(reason="x")
    ),
    "POST /api/v1/care-plans/{plan_id}/activate": Rule(HEALTH_CLINICIANS),
    "POST /api/v1/care-plans/{plan_id}/end": Rule(HEALTH_CLINICIANS, body=_body(reason="x")),
    "POST /api/v1/care-plans/{plan_id}/generate": Rule(HEALTH_CLINICIANS),
    "GET /api/v1/care-plans/{plan_id}/occurrences": Rule(HEALTH_READERS),
    "GET /api/v1/elders/{elder_id}/care-proposals": Rule(HEALTH_CLINICIANS),
    "POST /api/v1/elders/{elder_id}/care-proposals/evaluate": Rule(HEALTH_CLINICIANS),
    "POST /api/v1/care-proposals/{proposal_id}/accept": Rule(HEALTH_CLINICIANS, body=_body()),
    "POST /api/v1/care-proposals/{proposal_id}/dismiss": Rule(
        HEALTH_CLINICIANS, body=_body(reason="x")
    ),
    "GET /api/v1/elders/{elder_id}/recommendations": Rule(HEALTH_READERS),
    # notifications: one's own only
    "GET /api/v1/notifications": Rule(EVERYONE),
    "GET /api/v1/notifications/unread-count": Rule(EVERYONE),
    "POST /api/v1/notifications/read-all": Rule(EVERYONE),
    "POST /api/v1/notifications/{notification_id}/read": Rule(frozenset({"nurse"})),
    # audit: platform admins only
    "GET /api/v1/audit": Rule(frozenset({"platform_admin"})),
    "GET /api/v1/audit/export.csv": Rule(frozenset({"platform_admin"})),
    "POST /api/v1/audit/verify": Rule(frozenset({"platform_admin"})),
}

#: Routes whose scene object is in a state where even permitted personas are refused
#: by a business rule (409); for them the matrix checks that everyone else gets 404/403
#: and that the permitted ones get exactly this status.
STATE_REFUSALS: dict[str, tuple[int, frozenset[str]]] = {
    # the elder persona already has her own record: a second one for herself is a conflict
    "POST /api/v1/elders": (409, frozenset({"elder"})),
    "POST /api/v1/family-links/{link_id}/confirm": (
        409,
        frozenset({"platform_admin", "operator", "inst_admin", "reviewer", "elder"}),
    ),
    "POST /api/v1/providers/{provider_id}/review": (409, INST_A_VERIFIERS),
    "POST /api/v1/providers/{provider_id}/verify": (409, INST_A_VERIFIERS),
    "POST /api/v1/providers/{provider_id}/reject": (409, INST_A_VERIFIERS),
    # orders: the order is prepaid and assessed; {visit_id} is completed, without a check-in
    "POST /api/v1/orders/{order_id}/payments": (
        409,
        frozenset({"platform_admin", "inst_admin", "dispatcher", "elder"}),
    ),
    "POST /api/v1/assessments/{assessment_id}/decide": (409, ASSESSMENT_REVIEWERS),
    # billing: the order is already paid (409 payment_not_due for who may pay it); the
    # gateway's endpoint refuses an unsigned notification from anyone (400)
    "POST /api/v1/billing/payments": (
        409,
        frozenset({"platform_admin", "inst_admin", "dispatcher", "elder"}),
    ),
    "POST /api/v1/billing/gateway/sandbox/notify": (400, EVERYONE),
    # claims: the scene's only delivered visit is already claimed (409 nothing_to_claim)
    "POST /api/v1/billing/claims": (409, frozenset({"platform_admin", "inst_admin"})),
    # settlement: no receipt for a pending charge
    "GET /api/v1/billing/payments/{charge_id}/receipt": (
        409,
        frozenset({"elder", "family", "inst_admin", "platform_admin"}),
    ),
    # patient debt: the order owes nothing (the elder, its finance side, its caregiver)
    "POST /api/v1/billing/orders/{order_id}/debt-payments": (
        409,
        frozenset({"elder", "inst_admin", "platform_admin", "caregiver"}),
    ),
    # the charge is pending: 409 not_refundable
    "POST /api/v1/billing/payments/{charge_id}/refunds": (
        409,
        frozenset({"platform_admin", "inst_admin"}),
    ),
    "POST /api/v1/visits/{visit_id}/assign": (409, DISPATCHERS),
    "POST /api/v1/visits/{visit_id}/unassign": (409, DISPATCHERS),
    "POST /api/v1/visits/{visit_id}/publish": (409, DISPATCHERS),
    "GET /api/v1/visits/{visit_id}/candidates": (409, DISPATCHERS),  # matching
    "POST /api/v1/visits/{visit_id}/offer": (409, DISPATCHERS),  # matching
    "POST /api/v1/visits/{visit_id}/start-travel": (409, frozenset({"nurse"})),
    "POST /api/v1/visits/{visit_id}/check-in": (409, frozenset({"nurse"})),
    "POST /api/v1/visits/{visit_id}/start": (409, frozenset({"nurse"})),
    "POST /api/v1/visits/{visit_id}/record": (409, frozenset({"nurse"})),
    "POST /api/v1/visits/{visit_id}/photos": (409, frozenset({"nurse"})),
    "POST /api/v1/visits/{visit_id}/check-out": (409, frozenset({"nurse"})),
    "POST /api/v1/visits/{visit_id}/corrections": (422, frozenset({"nurse"})),
    "POST /api/v1/visits/{visit_id}/no-show": (409, frozenset({"nurse"})),
    "POST /api/v1/visits/{visit_id}/abort": (409, frozenset({"nurse"})),
    "POST /api/v1/visits/{visit_id}/alarm": (409, frozenset({"nurse"})),  # alerts
    "POST /api/v1/visits/{visit_id}/reschedule": (
        409,
        DISPATCHERS | {"elder", "family"},
    ),
    # care plans: the scene's plan is already open (one per institution) and active
    "POST /api/v1/elders/{elder_id}/care-plans": (409, HEALTH_CLINICIANS),
    "POST /api/v1/care-plans/{plan_id}/activate": (409, HEALTH_CLINICIANS),
}


def _api_routes() -> set[str]:
    from config.api import api

    spec = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, ops in spec["paths"].items() for method in ops}


def test_every_route_has_a_rule() -> None:
    routes = _api_routes()
    assert sorted(routes - ROUTES.keys()) == [], "new API route without an access rule"
    assert sorted(ROUTES.keys() - routes) == [], "rule for a route that no longer exists"


@dataclass
class Scene:
    world: Any
    personas: Any
    ids: dict[str, int] = field(default_factory=dict)
    extra_family: Any = None
    boundary: Any = None
    new_user: Any = None


@pytest.fixture
def alert_settings_scene(world: Any, personas: Any) -> dict[str, Any]:
    """Institution A's security office contact and the measure the threshold routes use."""
    from conftest import make_user
    from doorstep.alerts import services as alert_services

    contact = alert_services.add_safety_contact(
        actor=Actor.of(personas.platform_admin),
        institution=world.inst_a,
        user=make_user("security_desk_a"),
    )
    return {"safety_contact_id": contact.pk, "measure": "systolic"}


@pytest.fixture
def scene(
    world: Any,
    personas: Any,
    elder_a: Any,
    elder_b: Any,
    staff: Any,
    quality_scene: Any,
    orders_scene: Any,
    catalog_scene: Any,
    matching_scene: Any,
    dispatch_scene: Any,
    billing_scene: Any,
    health_scene: Any,
    careplan_scene: Any,
    alerts_scene: Any,
    alert_settings_scene: Any,
    devices_scene: Any,
) -> Scene:
    from conftest import make_user
    from doorstep.accounts.enums import Role
    from doorstep.accounts.services import issue_token

    admin = Actor.of(personas.platform_admin)
    elder_actor = Actor.of(personas.elder)
    link = people_services.link_family(
        actor=elder_actor,
        elder=elder_a,
        user=personas.family,
        relationship="child",
        permissions=["view_record", "place_orders"],
    )
    consent = people_services.record_consent(
        actor=elder_actor, elder=elder_a, purpose="family_proxy_access", policy_version="2026-01"
    )
    assert FamilyLink.objects.get(pk=link.pk).status == "active"
    contact = people_services.add_emergency_contact(
        actor=elder_actor, elder=elder_a, name="王强", relationship="child", phone="13700000009"
    )
    contract = org_services.add_contract(
        actor=admin,
        institution=world.inst_a,
        effective_from=dt.date(2026, 1, 1),
        effective_to=None,
        platform_bp=1000,
        institution_bp=3000,
        provider_bp=6000,
    )
    square = [[121.53, 29.85], [121.55, 29.85], [121.55, 29.87], [121.53, 29.87], [121.53, 29.85]]
    region_services.update_region(
        actor=admin, region=world.community1, boundary={"type": "Polygon", "coordinates": [square]}
    )
    token, _ = issue_token(user=personas.nurse)
    note = notify(recipient=personas.nurse, kind="test", title="Hello", body="")
    return Scene(
        world=world,
        personas=personas,
        ids={
            **{"visit_id": quality_scene.pop("rating_visit_id")},  # quality
            **quality_scene,  # quality
            **orders_scene,  # orders
            **catalog_scene,  # catalog
            **matching_scene,  # matching
            **dispatch_scene,  # dispatch
            **billing_scene,  # billing
            **health_scene,  # health
            **careplan_scene,  # care plans
            **alerts_scene,  # alerts
            **alert_settings_scene,  # alert settings
            **devices_scene,  # devices
            "elder_id": elder_a.pk,
            "region_id": world.district1.pk,
            "institution_id": world.inst_a.pk,
            "contract_id": contract.pk,
            "contact_id": contact.pk,
            "link_id": link.pk,
            "consent_id": consent.pk,
            "provider_id": staff.nurse.pk,
            "notification_id": note.pk,
            "token_id": token.pk,
        },
        extra_family=make_user("family_extra", (Role.FAMILY, None, None)),
        new_user=make_user("new_caregiver"),
    )


def _fill(path: str, ids: dict[str, int]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, f"no scene object for {path}"
    return path


def _send(client: Any, method: str, path: str, rule: Rule, scene: Scene) -> Any:
    if method == "GET":
        return client.get(path, rule.query(scene) if rule.query else None)
    body = rule.body(scene) if rule.body else None
    return (
        getattr(client, method.lower())(path, body) if method != "DELETE" else client.delete(path)
    )


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_route_by_persona(route: str, scene: Scene, api_as: Any) -> None:
    rule = ROUTES[route]
    method, template = route.split(" ", 1)
    path = _fill(template, scene.ids)
    refusal = STATE_REFUSALS.get(route)
    clients = {name: api_as(getattr(scene.personas, name)) for name in sorted(EVERYONE)}
    outcomes: dict[str, str] = {}
    for name, client in clients.items():
        with transaction.atomic():
            before = AuditEvent.objects.count(), Consent.objects.count()
            r = _send(client, method, path, rule, scene)
            status = r.status_code
            if refusal and name in refusal[1]:
                verdict = "ok" if status == refusal[0] else f"expected {refusal[0]}, got {status}"
            elif rule.listing and status == 200 and method == "GET":
                items = r.json().get("items", r.json())
                seen = any(
                    str(item.get(rule.listing)) == str(scene.ids[_listing_key(route)])
                    for item in items
                )
                verdict = "ok" if seen == (name in rule.ok) else f"listed={seen}"
            elif name in rule.ok:
                verdict = "ok" if 200 <= status < 300 else f"refused {status} {r.content[:120]!r}"
            else:
                changed = (AuditEvent.objects.count(), Consent.objects.count()) != before
                if status not in (401, 403, 404):
                    verdict = f"allowed {status}"
                elif changed and method != "GET":
                    verdict = "refused but wrote something"
                else:
                    verdict = "ok"
            outcomes[name] = verdict
            transaction.set_rollback(True)
    wrong = {name: v for name, v in outcomes.items() if v != "ok"}
    assert wrong == {}, f"{route}: {wrong}"


def _listing_key(route: str) -> str:
    orders_keys = {"/orders": "order_id", "/visits": "visit_id", "/assessments": "assessment_id"}
    for suffix, key in orders_keys.items():  # orders
        if route.endswith(suffix) or route.endswith(suffix + "/pool"):
            return key
    if route.endswith("/offers"):  # matching
        return "offer_id"
    if route.endswith("/alerts"):  # alerts
        return "alert_id"
    if "/billing/statements" in route:  # settlement
        return "account_id"
    if route.endswith("/billing/claims"):  # claims
        return "claim_id"
    if route.endswith("/billing/debts"):  # patient debt
        return "debt_order_id"
    if route.endswith("/billing/payer-rules"):  # payer rules
        return "payer_rule_id"
    if "/dispatch/" in route:  # dispatch
        return "shift_id" if route.endswith("/shifts") else "run_id"
    if "/complaints" in route or "/quality-reviews" in route:  # quality
        return "complaint_id" if "/complaints" in route else "review_id"
    return "provider_id" if "/providers" in route else "elder_id"


def test_nobody_unauthenticated_gets_in(scene: Scene, api_as: Any) -> None:
    """Every route but the token endpoint answers 401 without credentials."""
    anon = api_as(None)
    for route, rule in ROUTES.items():
        if rule.public:
            continue
        method, template = route.split(" ", 1)
        r = _send(anon, method, _fill(template, scene.ids), rule, scene)
        assert (route, r.status_code) == (route, 401)
