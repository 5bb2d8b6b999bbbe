"""Region counts for regulators: exact numbers on a hand-checkable fixture, and scope.

Given the shared world (city > districts d1, d2) plus:
  institutions  A (d1, active, CHC), B (d2, active, secondary hospital),
                C (street 1, onboarding, home-care agency), D (community 2, suspended, tertiary)
  communities   community 1 (d1), community 2 and community 3 (d2)
  providers     d1: nurse verified (A, home c1), caregiver submitted (A, no home -> A's d1),
                    nurse verified (B, home c1 -> d1 wins over B's d2)
                d2: volunteer draft (no institution, home c2), caregiver under review
                    (B, no home -> d2); an inactive nurse of B is not counted
  elders        d1: 80 today and alone (c1), 79 tomorrow (c1)
                d2: 86 and alone (c2), 76 without household (c3); a deceased elder not counted
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import make_region
from doorstep.accounts.models import User
from doorstep.core.errors import NotFound
from doorstep.organizations.enums import InstitutionStatus, InstitutionType
from doorstep.organizations.models import Institution
from doorstep.people.enums import ElderStatus
from doorstep.people.models import Elder, Household
from doorstep.regions.stats import region_counts, years_ago
from doorstep.workforce.enums import ProviderKind, VerificationStatus
from doorstep.workforce.models import Provider

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 11, 23)


@pytest.fixture
def populated(world):
    w = world
    Institution.objects.create(
        name_zh="甬上居家", name_en="Yongshang Home Care", type=InstitutionType.HOME_CARE_AGENCY,
        licence_number="HC-C-003", status=InstitutionStatus.ONBOARDING, region=w.street1,
    )  # fmt: skip
    Institution.objects.create(
        name_zh="宁波第一医院", name_en="Ningbo No.1 Hospital", type=InstitutionType.TERTIARY_HOSPITAL,
        licence_number="PDY-D-004", status=InstitutionStatus.SUSPENDED, region=w.community2,
    )  # fmt: skip
    community3 = make_region("330212101202", 5, w.street2, "李家村", "Lijia Village")

    def provider(name, kind, status, inst, home, active=True, licence=None):
        user = User.objects.create_user(username=name, password="x-pass-123")
        return Provider.objects.create(
            user=user, kind=kind, verification_status=status, institution=inst,
            home_region=home, is_active=active, licence_number=licence,
        )  # fmt: skip

    provider("p1", ProviderKind.NURSE, VerificationStatus.VERIFIED, w.inst_a, w.community1,
             licence="N-1")  # fmt: skip
    provider("p2", ProviderKind.CAREGIVER, VerificationStatus.SUBMITTED, w.inst_a, None)
    provider("p3", ProviderKind.NURSE, VerificationStatus.VERIFIED, w.inst_b, w.community1,
             licence="N-3")  # fmt: skip
    provider("p4", ProviderKind.VOLUNTEER, VerificationStatus.DRAFT, None, w.community2)
    provider("p5", ProviderKind.NURSE, VerificationStatus.VERIFIED, w.inst_b, w.community2,
             active=False, licence="N-5")  # fmt: skip
    provider("p6", ProviderKind.CAREGIVER, VerificationStatus.UNDER_REVIEW, w.inst_b, None)

    def elder(n, region, born, alone=None, status=ElderStatus.ACTIVE):
        household = Household.objects.create(lives_alone=alone) if alone is not None else None
        return Elder.objects.create(
            full_name=f"elder {n}", id_number_encrypted="x", id_number_hash=f"h{n}", sex="female",
            birth_date=born, region=region, household=household, status=status,
        )  # fmt: skip

    elder(1, w.community1, dt.date(1946, 11, 23), alone=True)
    elder(2, w.community1, dt.date(1946, 11, 24), alone=False)
    elder(3, w.community2, dt.date(1940, 1, 1), alone=True)
    elder(4, community3, dt.date(1950, 5, 5))
    elder(5, w.community2, dt.date(1930, 1, 1), alone=True, status=ElderStatus.DECEASED)
    return w


def zero_types(**counts):
    base = {t.value: 0 for t in InstitutionType}
    base.update(counts)
    return base


def test_city_totals_and_per_district_counts(populated, personas, as_actor):
    result = region_counts(as_actor(personas.platform_admin), populated.city, on=ON)
    t = result.totals
    assert t.communities == 3
    assert t.institutions == 4
    assert t.institutions_by_status == {"onboarding": 1, "active": 2, "suspended": 1}
    assert t.institutions_by_type == zero_types(
        community_health_centre=1, secondary_hospital=1, home_care_agency=1, tertiary_hospital=1
    )
    assert t.providers == 5
    assert t.providers_by_kind == {
        "nurse": 2, "caregiver": 2, "volunteer": 1, "community_doctor": 0,
    }  # fmt: skip
    assert t.providers_by_verification == {
        "draft": 1, "submitted": 1, "under_review": 1, "verified": 2, "rejected": 0,
        "reverification_required": 0,
    }  # fmt: skip
    assert (t.elders, t.elders_living_alone, t.elders_aged_80_plus) == (4, 2, 2)

    by_code = {c.region.code: c.counts for c in result.children}
    assert list(by_code) == ["330203", "330212"]
    d1, d2 = by_code["330203"], by_code["330212"]
    assert (d1.communities, d1.institutions, d1.providers) == (1, 2, 3)
    assert d1.institutions_by_status == {"onboarding": 1, "active": 1, "suspended": 0}
    assert d1.providers_by_kind["nurse"] == 2
    assert (d1.elders, d1.elders_living_alone, d1.elders_aged_80_plus) == (2, 1, 1)
    assert (d2.communities, d2.institutions, d2.providers) == (2, 2, 2)
    assert d2.providers_by_verification["under_review"] == 1
    assert (d2.elders, d2.elders_living_alone, d2.elders_aged_80_plus) == (2, 1, 1)


def test_the_eightieth_birthday_counts_from_that_day(populated, personas, as_actor):
    admin = as_actor(personas.platform_admin)
    day_before = region_counts(admin, populated.district1, on=ON - dt.timedelta(days=1))
    assert day_before.totals.elders_aged_80_plus == 0
    next_day = region_counts(admin, populated.district1, on=ON + dt.timedelta(days=1))
    assert next_day.totals.elders_aged_80_plus == 2


def test_years_ago_on_29_february():
    assert years_ago(dt.date(2028, 2, 29), 81) == dt.date(1947, 2, 28)
    assert years_ago(dt.date(2028, 2, 29), 80) == dt.date(1948, 2, 29)
    assert years_ago(dt.date(2026, 11, 23), 80) == dt.date(1946, 11, 23)


def test_regulator_reads_inside_their_subtree_only(populated, personas, as_actor):
    regulator = as_actor(personas.regulator)  # district 1
    inside = region_counts(regulator, populated.street1, on=ON)
    assert (inside.totals.institutions, inside.totals.elders) == (1, 2)
    assert [c.region.code for c in inside.children] == ["330203001001"]
    for outside in (populated.district2, populated.city, populated.community2):
        with pytest.raises(NotFound):
            region_counts(regulator, outside, on=ON)


@pytest.mark.parametrize("who", ["nurse", "inst_admin", "operator", "payer_officer", "elder"])
def test_other_roles_get_not_found(populated, personas, as_actor, who):
    with pytest.raises(NotFound):
        region_counts(as_actor(getattr(personas, who)), populated.district1, on=ON)


def test_counts_cost_one_query_per_kind_not_per_child(populated, personas, as_actor,
                                                      django_assert_num_queries):  # fmt: skip
    """children + communities + institutions + providers + elders."""
    admin = as_actor(personas.platform_admin)
    with django_assert_num_queries(5):
        region_counts(admin, populated.province, on=ON)
