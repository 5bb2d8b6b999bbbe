"""``seed_demo``: deterministic, complete, audited per batch, demo logins for every role."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from doorstep.accounts.enums import Role
from doorstep.accounts.models import Membership, User
from doorstep.core import clock
from doorstep.core.models import AuditEvent
from doorstep.demo.accounts import DEMO_LOGINS, DEMO_PASSWORD, DEMO_USERS
from doorstep.demo.digest import demo_digest
from doorstep.demo.seed import SeedResult, seed_demo
from doorstep.organizations.models import Contract, Institution
from doorstep.people.access import effective_family_links
from doorstep.people.models import Consent, Elder, Household
from doorstep.people.validators import parse_id_number
from doorstep.regions.models import Region
from doorstep.workforce.models import Provider
from doorstep.workforce.selectors import check_eligibility

from .conftest import SMALL


def test_same_seed_gives_the_same_data_and_another_seed_does_not(seeded: SeedResult) -> None:
    first = demo_digest()
    call_command(
        "seed_demo",
        "--reset",
        f"--scale={SMALL}",
        "--seed=7",
        "--history-months=1",
        stdout=StringIO(),
    )
    assert demo_digest() == first
    call_command(
        "seed_demo",
        "--reset",
        f"--scale={SMALL}",
        "--seed=8",
        "--history-months=1",
        stdout=StringIO(),
    )
    assert demo_digest() != first


def test_an_institutions_providers_live_where_it_works(seeded: SeedResult) -> None:
    """ADR 0038: institutions hire locally, so each provider of an active institution lives
    in a community inside one of its service areas, within reach of its elders."""
    from doorstep.organizations.models import ServiceArea

    areas: dict[int, list[str]] = {}
    for a in ServiceArea.objects.select_related("region"):
        areas.setdefault(a.institution_id, []).append(a.region.path)
    staff = list(
        Provider.objects.filter(institution__status="active").select_related("home_region")
    )
    assert staff
    for p in staff:
        assert p.home_region is not None
        assert p.institution_id is not None
        assert any(p.home_region.path.startswith(path) for path in areas[p.institution_id]), p


def test_small_city_has_the_documented_shape(seeded: SeedResult) -> None:
    assert [Region.objects.filter(level=k).count() for k in range(1, 6)] == [1, 1, 2, 10, 60]
    assert Institution.objects.count() == 10
    assert Elder.objects.count() == 150
    assert Provider.objects.count() == 15
    assert len(set(Institution.objects.values_list("type", flat=True))) == 6
    for c in Contract.objects.all():
        assert c.platform_bp + c.institution_bp + c.provider_bp == 10000


def test_elders_have_valid_unique_ids_born_1930_to_1966(seeded: SeedResult) -> None:
    numbers = [e.id_number for e in Elder.objects.all()]
    assert len(set(numbers)) == 150
    for elder in Elder.objects.all():
        info = parse_id_number(elder.id_number)
        assert (info.birth_date, info.sex) == (elder.birth_date, elder.sex)
        assert dt.date(1930, 1, 1) <= elder.birth_date <= dt.date(1966, 12, 31)
        assert elder.region.level == 5


def test_about_a_fifth_of_elders_live_alone(db: Any) -> None:
    seed_demo(scale=0.5, seed=1, history_months=0)
    alone = Elder.objects.filter(household__lives_alone=True).count()
    assert 0.15 <= alone / Elder.objects.count() <= 0.25
    assert Household.objects.filter(lives_alone=True, members__isnull=True).count() == 0


def test_every_role_has_a_demo_login_with_the_shared_password(seeded: SeedResult) -> None:
    assert {role for role, _ in DEMO_USERS} == set(Role.values)
    assert [u for _, u, _ in DEMO_LOGINS] == [u for _, u in DEMO_USERS]
    for role, username in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert Membership.objects.filter(user=user, role=role, is_active=True).exists()


def test_demo_family_acts_for_demo_elder_through_consent(seeded: SeedResult) -> None:
    family = User.objects.get(username="demo_family")
    elder = Elder.objects.get(user__username="demo_elder")
    links = list(effective_family_links(family.pk))
    assert [link.elder_id for link in links] == [elder.pk]
    assert Consent.objects.filter(elder=elder, purpose="health_data_processing").count() == 1
    nurse = Provider.objects.get(user__username="demo_nurse")
    assert (nurse.verification_status, nurse.title) == ("verified", "supervising_nurse")
    assert nurse.institution_id == elder.institution_links.get().institution_id


def test_one_audit_row_per_committed_batch(seeded: SeedResult) -> None:
    rows = AuditEvent.objects.filter(action="seed_batch").order_by("seq")
    # regions, institutions, payers, staff, providers, elders; history (one chunk), quality
    # and health (one chunk).
    assert rows.count() == seeded.batches == 9
    written: dict[str, int] = {}
    for row in rows:
        for table, n in row.details["rows"].items():
            written[table] = written.get(table, 0) + n
    assert written == dict(seeded.counts)
    assert written["people.Elder"] == 150


def test_command_prints_every_demo_login(db: Any) -> None:
    out = StringIO()
    call_command("seed_demo", "--scale=0.02", stdout=out)
    text = out.getvalue()
    assert "Demo logins (password for all: demo-pass-2026):" in text
    for label, username, _ in DEMO_LOGINS:
        assert f"  {label:<20}  {username}\n" in text + "\n"


def test_if_empty_leaves_existing_data_alone(seeded: SeedResult) -> None:
    before = demo_digest()
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert out.getvalue() == "Demo data already present; nothing to do.\n"
    assert demo_digest() == before


def test_seeding_twice_without_a_flag_is_refused(seeded: SeedResult) -> None:
    with pytest.raises(CommandError, match="already has institutions"):
        call_command("seed_demo", stdout=StringIO())
    assert Elder.objects.count() == 150


def test_reset_is_refused_outside_dev_and_test(
    seeded: SeedResult, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DEBUG = False
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.prod")
    monkeypatch.delenv("DOORSTEP_ALLOW_RESET", raising=False)
    with pytest.raises(CommandError, match="--reset empties the database"):
        call_command("seed_demo", "--reset", stdout=StringIO())
    assert Elder.objects.count() == 150


def test_demo_providers_may_do_their_work_and_expired_ones_may_not(seeded: SeedResult) -> None:
    """The seed's credentials mean what the eligibility core says they mean."""
    today = clock.today()
    nurse = Provider.objects.get(user__username="demo_nurse")
    assert check_eligibility(provider=nurse, preset="clinical_nursing", on=today).allowed
    carer = Provider.objects.get(user__username="demo_caregiver")
    assert check_eligibility(provider=carer, preset="daily_care", on=today).allowed
    volunteer = Provider.objects.get(user__username="demo_volunteer")
    assert check_eligibility(provider=volunteer, preset="companionship", on=today).allowed


def test_scale_one_has_lapsed_and_unverified_providers(db: Any) -> None:
    """At scale 1 some providers wait for re-verification after their licence expired,
    each with the expiry sweep's event, and some are still unverified."""
    seed_demo(scale=1, seed=3, history_months=0)
    lapsed = Provider.objects.filter(verification_status="reverification_required")
    assert lapsed.exists()
    for provider in lapsed:
        last = provider.verification_events.order_by("at", "id").last()
        assert last is not None
        assert (last.from_status, last.to_status, last.actor_id, last.reason) == (
            "verified",
            "reverification_required",
            None,
            "certificate_expired",
        )
        assert provider.certificates.filter(status="expired").exists()
    assert Provider.objects.exclude(
        verification_status__in=["verified", "reverification_required"]
    ).exists()
    assert Provider.objects.count() == 300
    assert Elder.objects.count() == 3000
