"""Registration, profile changes, status transitions and service areas."""

from __future__ import annotations

import pytest

from doorstep.core.errors import Forbidden, NotFound
from doorstep.core.models import AuditEvent
from doorstep.organizations import selectors, services
from doorstep.organizations.enums import InstitutionStatus, InstitutionType
from doorstep.organizations.errors import (
    IllegalTransition,
    InstitutionFieldInvalid,
    InvalidPhone,
    LicenceNumberTaken,
    ServiceAreaExists,
)
from doorstep.organizations.models import Institution, ServiceArea

pytestmark = pytest.mark.django_db


def register(actor, world, **kw):
    args = {
        "actor": actor,
        "name_zh": "江北居家护理",
        "name_en": "Jiangbei Home Nursing",
        "type": InstitutionType.HOME_CARE_AGENCY,
        "licence_number": "HC-330205-9",
        "region": world.district1,
        "security_contact_phone": "0574-87000110",
    }
    args.update(kw)
    return services.create_institution(**args)


def snapshot():
    return Institution.objects.count(), AuditEvent.objects.count()


def test_register_starts_onboarding_and_audits(world, personas, as_actor):
    inst = register(as_actor(personas.platform_admin), world)
    assert inst.status == InstitutionStatus.ONBOARDING
    event = AuditEvent.objects.get(action="institution_created")
    assert event.partition == f"inst:{inst.pk}"
    assert event.details == {"type": "home_care_agency", "region_code": "330203"}
    assert "security_contact_phone" in event.changed_fields


def test_register_refusals_write_nothing(world, personas, as_actor):
    actor = as_actor(personas.platform_admin)
    before = snapshot()
    with pytest.raises(LicenceNumberTaken) as err:
        register(actor, world, licence_number=world.inst_a.licence_number)
    assert (err.value.status, err.value.code) == (409, "licence_number_taken")
    with pytest.raises(InstitutionFieldInvalid):
        register(actor, world, type="spa")
    with pytest.raises(InstitutionFieldInvalid):
        register(actor, world, name_zh="  ")
    with pytest.raises(InvalidPhone):
        register(actor, world, security_contact_phone="call me")
    with pytest.raises(Forbidden):
        register(as_actor(personas.inst_admin), world)
    assert snapshot() == before


def test_status_runs_onboarding_active_suspended_active(world, personas, as_actor):
    actor = as_actor(personas.platform_admin)
    inst = register(actor, world)
    for to in ("active", "suspended", "active"):
        inst = services.change_status(actor=actor, institution=inst, to=to, reason="review")
        assert inst.status == to
    moves = AuditEvent.objects.filter(action="institution_status_changed").order_by("seq")
    assert [(e.details["from"], e.details["to"]) for e in moves] == [
        ("onboarding", "active"),
        ("active", "suspended"),
        ("suspended", "active"),
    ]


@pytest.mark.parametrize(("start", "to"), [("active", "onboarding"), ("active", "active"),
                                           ("suspended", "onboarding"), ("active", "closed")])  # fmt: skip
def test_illegal_transition_is_409_and_changes_nothing(world, personas, as_actor, start, to):
    Institution.objects.filter(pk=world.inst_a.pk).update(status=start)
    before = snapshot()
    with pytest.raises(IllegalTransition) as err:
        services.change_status(
            actor=as_actor(personas.platform_admin), institution=world.inst_a, to=to
        )
    assert (err.value.status, err.value.code) == (409, "illegal_transition")
    assert err.value.details["from"] == start
    assert Institution.objects.get(pk=world.inst_a.pk).status == start
    assert snapshot() == before


def test_own_admin_updates_contact_fields_only(world, personas, as_actor):
    admin = as_actor(personas.inst_admin)
    inst = services.update_institution(
        actor=admin,
        institution=world.inst_a,
        address="宁波市海曙区孝闻街1号",
        security_contact_name="王保卫",
        security_contact_phone="13800000000",
    )
    assert inst.security_contact_phone == "13800000000"
    event = AuditEvent.objects.get(action="institution_updated")
    assert event.changed_fields == ["address", "security_contact_name", "security_contact_phone"]
    before = snapshot()
    with pytest.raises(Forbidden) as err:
        services.update_institution(actor=admin, institution=world.inst_a, name_en="Renamed")
    assert err.value.details == {"fields": ["name_en"]}
    assert Institution.objects.get(pk=world.inst_a.pk).name_en == "Haishu Community Health Centre"
    assert snapshot() == before


def test_admin_of_b_cannot_change_a(world, personas, as_actor):
    before = snapshot()
    with pytest.raises(NotFound):
        services.update_institution(
            actor=as_actor(personas.other_admin), institution=world.inst_a, address="x"
        )
    assert Institution.objects.get(pk=world.inst_a.pk).address == ""
    assert snapshot() == before


def test_platform_admin_changes_registration_fields(world, personas, as_actor):
    inst = services.update_institution(
        actor=as_actor(personas.platform_admin),
        institution=world.inst_a,
        region=world.street1,
        type=InstitutionType.SECONDARY_HOSPITAL,
        lat=29.86,
        lng=121.54,
    )
    assert (inst.region_id, inst.type, inst.lat) == (world.street1.pk, "secondary_hospital", 29.86)
    with pytest.raises(LicenceNumberTaken):
        services.update_institution(
            actor=as_actor(personas.platform_admin),
            institution=world.inst_a,
            licence_number=world.inst_b.licence_number,
        )


def test_service_areas_add_remove_and_serving(world, personas, as_actor):
    actor = as_actor(personas.platform_admin)
    assert list(selectors.institutions_serving(world.community2)) == [world.inst_b]
    services.add_service_area(actor=actor, institution=world.inst_a, region=world.street2)
    assert list(selectors.institutions_serving(world.community2).order_by("id")) == [
        world.inst_a,
        world.inst_b,
    ]
    assert list(selectors.institutions_serving(world.district2)) == [world.inst_b]
    with pytest.raises(ServiceAreaExists):
        services.add_service_area(actor=actor, institution=world.inst_a, region=world.street2)
    services.remove_service_area(actor=actor, institution=world.inst_a, region=world.street2)
    with pytest.raises(NotFound):
        services.remove_service_area(actor=actor, institution=world.inst_a, region=world.street2)
    assert ServiceArea.objects.filter(institution=world.inst_a).count() == 1
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "service_area_added",
        "service_area_removed",
    ]
