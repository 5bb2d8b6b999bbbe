"""Services without an API route yet: documents, disabilities, allergies, line lifecycle;
each state change audited, refusals change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.core import clock
from doorstep.core.errors import NotFound
from doorstep.core.models import AuditEvent
from doorstep.health import access, services
from doorstep.health.errors import InvalidDocument, InvalidEntry, NotActive
from doorstep.health.models import Document

from .conftest import act

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


def test_documents_are_stored_with_their_digest_and_voided_not_deleted(
    personas: Any, elder_a: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    nurse = act(personas.nurse)
    doc = services.add_document(
        actor=nurse,
        elder=elder_a,
        kind="discharge_summary",
        title="出院小结",
        content=PDF,
        content_type="application/pdf",
        issued_on=clock.today(),
    )
    assert (doc.size_bytes, doc.file.read()) == (len(PDF), PDF)
    assert str(doc.file.name).startswith(f"health/{elder_a.pk}/")
    with pytest.raises(InvalidDocument):  # the bytes are not a PNG
        services.add_document(
            actor=nurse,
            elder=elder_a,
            kind="other",
            title="x",
            content=PDF,
            content_type="image/png",
        )
    services.void_document(actor=nurse, document=doc)
    assert Document.objects.get().status == "entered_in_error"
    with pytest.raises(NotActive):
        services.void_document(actor=nurse, document=doc)
    with pytest.raises(NotFound):
        services.add_document(
            actor=act(personas.other_nurse),
            elder=elder_a,
            kind="other",
            title="x",
            content=PDF,
            content_type="application/pdf",
        )
    assert Document.objects.count() == 1


def test_line_lifecycle(personas: Any, elder_a: Any) -> None:
    nurse = act(personas.nurse)
    today = clock.today()
    line = services.add_line(
        actor=nurse,
        elder=elder_a,
        kind="urinary_catheter",
        site="尿道",
        inserted_on=today - dt.timedelta(days=20),
    )
    assert line.maintenance_days == 28
    with pytest.raises(InvalidEntry):
        services.record_line_maintenance(actor=nurse, line=line, on=today + dt.timedelta(days=1))
    services.record_line_maintenance(actor=nurse, line=line, on=today - dt.timedelta(days=2))
    with pytest.raises(InvalidEntry):  # earlier than the last maintenance
        services.record_line_maintenance(actor=nurse, line=line, on=today - dt.timedelta(days=5))
    removed = services.remove_line(actor=nurse, line=line, on=today, reason="拔管")
    assert (removed.status, removed.removed_on) == ("removed", today)
    with pytest.raises(NotActive):
        services.remove_line(actor=nurse, line=line, on=today)
    actions = list(
        AuditEvent.objects.filter(object_type="body_line")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "maintain", "remove"]


def test_allergies_and_disabilities(personas: Any, elder_a: Any) -> None:
    reviewer = act(personas.reviewer)
    allergy = services.add_allergy(
        actor=reviewer, elder=elder_a, substance=" 青霉素 ", category="drug", severity="severe"
    )
    assert allergy.substance == "青霉素"
    with pytest.raises(InvalidEntry):
        services.add_allergy(
            actor=reviewer, elder=elder_a, substance="x", category="pollen", severity="severe"
        )
    assert services.deactivate_allergy(actor=reviewer, allergy=allergy).status == "inactive"
    disability = services.add_disability(actor=reviewer, elder=elder_a, kind="hearing", grade=3)
    with pytest.raises(InvalidEntry):
        services.add_disability(actor=reviewer, elder=elder_a, kind="hearing", grade=5)
    assert services.deactivate_disability(actor=reviewer, disability=disability).status == (
        "inactive"
    )


def test_the_care_relationship_through_an_order(personas: Any, world: Any, elder_b: Any) -> None:
    """陈桂兰 is not linked to institution A: an order with A placed within the last year
    opens her record to A's clinical staff, an older one does not."""
    from doorstep.catalog.models import Offering, ServiceCategory, ServiceItem
    from doorstep.orders.models import Order

    category = ServiceCategory.objects.create(
        code="h-test", name_zh="测试", name_en="Test", group="clinical_nursing"
    )
    item = ServiceItem.objects.create(
        code="h_bp",
        category=category,
        name_zh="血压",
        name_en="BP",
        provider_kinds=["nurse"],
        duration_minutes=30,
        base_price_fen=5000,
    )
    offering = Offering.objects.create(
        institution=world.inst_a, item=item, region=world.district1, price_fen=5000
    )
    nurse = act(personas.nurse)
    assert not access.may(nurse, elder_b, "view")
    order = Order.objects.create(
        elder=elder_b,
        institution=world.inst_a,
        item=item,
        offering=offering,
        placed_by=personas.reviewer,
        total_fen=5000,
        payment_mode="at_door",
        created_at=clock.now() - dt.timedelta(days=access.ORDER_RELATIONSHIP_DAYS + 1),
    )
    assert not access.may(nurse, elder_b, "view")
    Order.objects.filter(pk=order.pk).update(created_at=clock.now() - dt.timedelta(days=30))
    assert access.may(nurse, elder_b, "view")
    assert not access.may(act(personas.other_admin), elder_b, "view")  # B's admin: not clinical
    assert not access.may(nurse, elder_b, "diagnose")  # nurses never write diagnoses


def test_device_readings_are_written_in_one_go_and_their_ids_come_back_in_order(
    elder_a: Any,
) -> None:
    from decimal import Decimal

    from doorstep.health.errors import InvalidObservationValue
    from doorstep.health.models import Observation

    at = clock.now() - dt.timedelta(minutes=5)
    reading = services.DeviceReading
    ids = services.record_device_readings(
        readings=[
            reading(elder_a.pk, "blood_pressure", Decimal("141"), Decimal("92"), "", at),
            reading(elder_a.pk, "heart_rate", Decimal("77"), None, "", at),
            reading(elder_a.pk, "glucose", Decimal("5.6"), None, "fasting", at),
        ]
    )
    rows = Observation.objects.filter(pk__in=ids).in_bulk()
    assert [(rows[i].kind, rows[i].loinc, rows[i].unit, rows[i].value) for i in ids] == [
        ("blood_pressure", "85354-9", "mm[Hg]", Decimal("141")),
        ("heart_rate", "8867-4", "/min", Decimal("77")),
        ("glucose", "15074-8", "mmol/L", Decimal("5.6")),
    ]
    assert (rows[ids[0]].value2, rows[ids[2]].context) == (Decimal("92"), "fasting")
    assert {(r.source, r.status, r.measured_at, r.recorded_by_id) for r in rows.values()} == {
        ("device", "final", at, None)
    }
    with pytest.raises(InvalidObservationValue):  # one bad reading: nothing of the call stored
        services.record_device_readings(
            readings=[
                reading(elder_a.pk, "heart_rate", Decimal("80"), None, "", at),
                reading(elder_a.pk, "heart_rate", Decimal("400"), None, "", at),
            ]
        )
    assert Observation.objects.count() == 3
