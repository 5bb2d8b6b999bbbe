"""``check_invariants``: passes on the seed; each check catches one broken fixture."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from doorstep.accounts.models import Membership, User
from doorstep.core import clock, crypto
from doorstep.core.models import AuditEvent
from doorstep.demo import invariants
from doorstep.demo.invariants import Finding
from doorstep.demo.seed import SeedResult
from doorstep.organizations.models import Contract, Institution
from doorstep.people.models import Consent, Elder, ElderInstitutionLink, FamilyLink
from doorstep.workforce.models import Certificate, Provider, VerificationEvent

ALL_CHECKS = [
    "audit_chain",
    "elder_id_numbers",
    "elder_in_community",
    "family_link_consent",
    "elder_institution_area",
    "verified_provider_licence",
    "verified_provider_event",
    "membership_institution",
    "contracts",
]


def test_the_seed_satisfies_every_invariant(seeded: SeedResult) -> None:
    assert invariants.run() == []
    # later apps' checks (CHECK_MODULES) register after the foundation's nine
    assert list(invariants.REGISTRY)[: len(ALL_CHECKS)] == ALL_CHECKS
    out = StringIO()
    call_command("check_invariants", stdout=out)
    assert out.getvalue() == f"All {len(invariants.REGISTRY)} checks passed.\n"


def test_command_lists_findings_and_fails(seeded: SeedResult) -> None:
    elder = Elder.objects.order_by("pk").first()
    assert elder is not None
    Elder.objects.filter(pk=elder.pk).update(lat=0.0, lng=0.0)
    out = StringIO()
    with pytest.raises(CommandError, match=r"^1 invariant finding\(s\)$"):
        call_command("check_invariants", stdout=out)
    assert out.getvalue() == (
        f"[elder_in_community] elder {elder.pk}: home (0.0, 0.0) lies outside community "
        f"{elder.region_id}\n"
    )


def test_unknown_check_name_is_an_error(seeded: SeedResult) -> None:
    with pytest.raises(CommandError, match="unknown invariant"):
        call_command("check_invariants", "no_such_check", stdout=StringIO())


def test_audit_chain_catches_an_edited_row(seeded: SeedResult) -> None:
    row = AuditEvent.objects.filter(action="seed_batch").order_by("seq")[1]
    AuditEvent.objects.filter(pk=row.pk).update(details={"rows": {}})
    assert invariants.run(["audit_chain"]) == [
        Finding(
            "audit_chain",
            f"audit chain platform broken at seq {row.seq}: row content does not match its hash",
        )
    ]


def test_elder_id_numbers_catches_a_duplicate_hidden_by_a_wrong_hash(
    seeded: SeedResult,
) -> None:
    first, second = Elder.objects.order_by("pk")[:2]
    Elder.objects.filter(pk=second.pk).update(id_number_encrypted=first.id_number_encrypted)
    assert [f.message for f in invariants.run(["elder_id_numbers"])] == [
        f"elder {second.pk}: ID number hash does not match the encrypted number",
        f"elders {first.pk} and {second.pk} have the same ID number",
    ]


def test_elder_id_numbers_catches_a_wrong_check_digit(seeded: SeedResult) -> None:
    elder = Elder.objects.order_by("pk").first()
    assert elder is not None
    number = elder.id_number
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    Elder.objects.filter(pk=elder.pk).update(
        id_number_encrypted=crypto.encrypt(bad), id_number_hash=crypto.search_hash(bad)
    )
    assert [f.message for f in invariants.run(["elder_id_numbers"])] == [
        f"elder {elder.pk}: ID number fails GB 11643 validation"
    ]


def test_elder_in_community_catches_a_home_outside_the_polygon(seeded: SeedResult) -> None:
    elder = Elder.objects.order_by("-pk").first()
    assert elder is not None
    assert elder.lat is not None
    Elder.objects.filter(pk=elder.pk).update(lat=elder.lat + 1)
    assert invariants.run(["elder_in_community"]) == [
        Finding(
            "elder_in_community",
            f"elder {elder.pk}: home ({elder.lat + 1}, {elder.lng}) lies outside community "
            f"{elder.region_id}",
        )
    ]


def test_family_link_consent_catches_a_withdrawn_consent(seeded: SeedResult) -> None:
    link = FamilyLink.objects.get(user__username="demo_family")
    Consent.objects.filter(elder=link.elder, grantee=link.user).update(withdrawn_at=clock.now())
    assert invariants.run(["family_link_consent"]) == [
        Finding(
            "family_link_consent",
            f"family link {link.pk} (elder {link.elder_id}) is active without an active consent",
        )
    ]


def test_elder_institution_area_catches_a_link_outside_the_service_area(
    seeded: SeedResult,
) -> None:
    link = ElderInstitutionLink.objects.get(elder__user__username="demo_elder")
    township = Institution.objects.get(name_en="Haishiwan Township Health Centre")
    ElderInstitutionLink.objects.filter(pk=link.pk).update(institution=township)
    assert invariants.run(["elder_institution_area"]) == [
        Finding(
            "elder_institution_area",
            f"institution link {link.pk}: institution {township.pk} does not serve region "
            f"{link.elder.region_id}",
        )
    ]


def test_verified_provider_licence_catches_an_expired_licence(seeded: SeedResult) -> None:
    nurse = Provider.objects.get(user__username="demo_nurse")
    Certificate.objects.filter(provider=nurse, kind="practising_licence").update(status="expired")
    assert invariants.run(["verified_provider_licence"]) == [
        Finding(
            "verified_provider_licence",
            f"provider {nurse.pk} is verified without a valid practising licence certificate",
        )
    ]


def test_verified_provider_licence_catches_a_caregiver_without_vocational_certificate(
    seeded: SeedResult,
) -> None:
    carer = Provider.objects.get(user__username="demo_caregiver")
    Certificate.objects.filter(provider=carer, kind="caregiver_vocational").update(status="revoked")
    assert [f.message for f in invariants.run(["verified_provider_licence"])] == [
        f"provider {carer.pk} is verified without a valid caregiver vocational certificate"
    ]


def test_verified_provider_event_catches_a_verification_without_event(
    seeded: SeedResult,
) -> None:
    carer = Provider.objects.get(user__username="demo_caregiver")
    VerificationEvent.objects.filter(provider=carer).delete()
    assert invariants.run(["verified_provider_event"]) == [
        Finding(
            "verified_provider_event",
            f"provider {carer.pk} is verified but has no verification event",
        )
    ]


def test_membership_institution_catches_a_nurse_without_institution(seeded: SeedResult) -> None:
    user = User.objects.get(username="demo_volunteer")
    membership = Membership.objects.create(user=user, role="nurse", institution=None)
    assert invariants.run(["membership_institution"]) == [
        Finding(
            "membership_institution",
            f"membership {membership.pk} has institution role nurse but no institution",
        )
    ]


def test_contracts_catch_shares_not_summing_to_10000(seeded: SeedResult) -> None:
    contract = Contract.objects.order_by("pk").first()
    assert contract is not None
    Contract.objects.filter(pk=contract.pk).update(platform_bp=contract.platform_bp + 1)
    assert [f.message for f in invariants.run(["contracts"])] == [
        f"contract {contract.pk} of institution {contract.institution_id}: shares sum to "
        "10001 basis points, not 10000"
    ]


def test_contracts_catch_overlapping_versions(seeded: SeedResult) -> None:
    old, new = Contract.objects.filter(institution__licence_number__isnull=False).order_by(
        "institution_id", "effective_from"
    )[:2]
    assert old.institution_id == new.institution_id
    Contract.objects.filter(pk=old.pk).update(effective_to=None)
    assert [f.message for f in invariants.run(["contracts"])] == [
        f"contracts {old.pk} and {new.pk} of institution {old.institution_id} overlap"
    ]


def test_list_names_every_registered_check(db: None) -> None:
    out = StringIO()
    call_command("check_invariants", "--list", stdout=out)
    names = [line.split(":")[0] for line in out.getvalue().splitlines()]
    assert names == list(invariants.REGISTRY)
    assert names[: len(ALL_CHECKS)] == ALL_CHECKS
