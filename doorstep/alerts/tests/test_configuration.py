"""Alert settings: the override check (pure, hand-checked), the thresholds, security
contacts and alarm e-mail API with their refusals (nothing written when refused)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from doorstep.alerts import rules, services
from doorstep.alerts.models import AlarmAddress, Alert, SafetyContact, Threshold
from doorstep.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("measure", "band", "expected"),
    [
        # a lower critical high alone keeps the order (160 <= 170): accepted
        ("systolic", rules.Band(critical_high=D("170")), None),
        # a warning high above the default critical high 180 breaks the order
        ("systolic", rules.Band(warning_high=D("190")), rules.Problem("order", "warning_high")),
        # lows must be strictly below highs: an empty normal range is refused
        (
            "glucose",
            rules.Band(warning_low=D("8"), warning_high=D("8")),
            rules.Problem("order", "warning_high"),
        ),
        # equal critical and warning low is allowed (no warning band)
        ("glucose", rules.Band(critical_low=D("4.4"), warning_low=D("4.4")), None),
        (
            "systolic",
            rules.Band(critical_high=D("261")),
            rules.Problem("out_of_range", "critical_high"),
        ),
        ("spo2", rules.Band(critical_low=D("60")), None),
        ("spo2", rules.Band(critical_low=D("59.9")), rules.Problem("out_of_range", "critical_low")),
        ("weight", rules.Band(critical_high=D("100")), rules.Problem("unknown_measure", "measure")),
        ("heart_rate", rules.Band(), rules.Problem("empty", "critical_low")),
    ],
)
def test_check_override(measure: str, band: rules.Band, expected: rules.Problem | None) -> None:
    assert rules.check_override(measure, band) == expected


URL = "/api/v1/elders/{}/alert-thresholds"


def test_clinical_staff_set_an_override_that_the_rules_then_use(
    api_as: Any, personas: Any, elder_a: Any
) -> None:
    nurse = api_as(personas.nurse)
    r = nurse.put(f"{URL.format(elder_a.pk)}/systolic", {"critical_high": 170, "warning_high": 150})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["override"]["critical_high"] in ("170", "170.00")
    assert D(body["effective"]["critical_high"]) == 170
    assert D(body["effective"]["critical_low"]) == 80  # the default kept
    assert AuditEvent.objects.filter(action="alert.threshold_set").count() == 1
    # a systolic of 172 is now critical for this elder (the default would say warning)
    [(alert, created)] = services.evaluate_reading(
        elder_id=elder_a.pk, kind="blood_pressure", values={"systolic": 172, "diastolic": 85},
        at=elder_a.created_at,
    )  # fmt: skip
    assert (created, alert.severity) == (True, "critical")
    # the list shows all six measures; the elder (a reader) sees it
    listing = api_as(personas.elder).get(URL.format(elder_a.pk)).json()
    assert [m["measure"] for m in listing] == list(rules.DEFAULT_BANDS)
    # back to the defaults; clearing again is not an error
    for _ in range(2):
        r = nurse.delete(f"{URL.format(elder_a.pk)}/systolic")
        assert (r.status_code, r.json()["override"]) == (200, None)
    assert not Threshold.objects.filter(is_active=True).exists()
    assert AuditEvent.objects.filter(action="alert.threshold_cleared").count() == 1


@pytest.mark.parametrize(
    ("measure", "body", "code", "field"),
    [
        ("systolic", {"critical_high": 400}, "threshold_out_of_range", "critical_high"),
        ("systolic", {"warning_high": 190}, "threshold_invalid", "warning_high"),
        ("glucose", {"warning_low": 9, "warning_high": 8}, "threshold_invalid", "warning_high"),
        ("systolic", {}, "threshold_empty", "critical_low"),
        ("weight", {"critical_high": 100}, "threshold_unknown_measure", "measure"),
        ("glucose", {"critical_low": "3.955"}, "threshold_not_a_number", "critical_low"),
    ],
)
def test_bad_thresholds_are_refused_with_a_code_and_change_nothing(
    api_as: Any, personas: Any, elder_a: Any, measure: str, body: dict[str, Any], code: str,
    field: str,
) -> None:  # fmt: skip
    r = api_as(personas.reviewer).put(f"{URL.format(elder_a.pk)}/{measure}", body)
    assert (r.status_code, r.json()["code"], r.json()["details"]["field"]) == (422, code, field)
    assert not Threshold.objects.exists()


def test_out_of_range_message_is_bilingual(api_as: Any, personas: Any, elder_a: Any) -> None:
    path = f"{URL.format(elder_a.pk)}/systolic"
    en = api_as(personas.nurse).put(path, {"critical_high": 400}).json()
    zh = api_as(personas.nurse, "zh-hans").put(path, {"critical_high": 400}).json()
    assert "50 to 260 mm[Hg]" in en["message"]
    assert "50" in zh["message"]
    assert "260" in zh["message"]
    assert "生理" in zh["message"]
    assert en["details"] == {"field": "critical_high", "min": "50", "max": "260",
                             "unit": "mm[Hg]"}  # fmt: skip


def test_only_clinical_staff_caring_for_the_elder_change_thresholds(
    api_as: Any, personas: Any, elder_a: Any
) -> None:
    path = f"{URL.format(elder_a.pk)}/systolic"
    expected = {
        "family": 404,  # no view_record link in this test
        "elder": 403,  # sees her record, may not change it
        "inst_admin": 404,  # not clinical
        "operator": 404,
        "platform_admin": 404,
        "other_nurse": 404,  # institution B does not care for her
    }
    for name, status in expected.items():
        r = api_as(getattr(personas, name)).put(path, {"critical_high": 170})
        assert r.status_code == status, name
    assert not Threshold.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="alert.").exists()


def test_institution_admin_manages_security_contacts(
    api_as: Any, personas: Any, world: Any
) -> None:
    base = f"/api/v1/institutions/{world.inst_a.pk}/security-contacts"
    admin = api_as(personas.inst_admin)
    r = admin.post(base, {"username": personas.dispatcher.username})
    assert r.status_code == 201
    contact_id = r.json()["id"]
    assert admin.post(base, {"username": personas.dispatcher.username}).json()["id"] == contact_id
    assert [c["username"] for c in admin.get(base).json()] == ["dispatcher_a"]
    r = admin.post(base, {"username": "nobody-here"})
    assert (r.status_code, r.json()["code"]) == (422, "safety_contact_unknown_user")
    # institution B's admin neither sees nor changes A's contacts
    other = api_as(personas.other_admin)
    assert other.get(base).status_code == 404
    assert other.post(base, {"username": "no_roles"}).status_code == 404
    assert other.delete(f"{base}/{contact_id}").status_code == 404
    assert SafetyContact.objects.filter(is_active=True).count() == 1
    r = admin.delete(f"{base}/{contact_id}")
    assert (r.status_code, r.json()["is_active"]) == (200, False)
    assert admin.delete(f"{base}/{contact_id}").status_code == 404  # already removed
    assert admin.get(base).json() == []
    assert SafetyContact.objects.get(pk=contact_id).is_active is False  # kept, deactivated


def test_a_user_manages_their_own_alarm_email(api_as: Any, personas: Any) -> None:
    me = api_as(personas.operator)
    assert me.get("/api/v1/me/alarm-email").json()["email"] is None
    r = me.put("/api/v1/me/alarm-email", {"email": "Desk-1@Example.ORG"})
    assert (r.status_code, r.json()["email"]) == (200, "Desk-1@example.org")
    r = me.put("/api/v1/me/alarm-email", {"email": "desk-2@example.org"})
    assert AlarmAddress.objects.filter(user=personas.operator, is_active=True).count() == 1
    r = api_as(personas.operator, "zh-hans").put("/api/v1/me/alarm-email", {"email": "no-at"})
    assert (r.status_code, r.json()["code"]) == (422, "alarm_email_invalid")
    assert r.json()["message"] != "Enter a valid e-mail address."  # translated
    assert me.get("/api/v1/me/alarm-email").json()["email"] == "desk-2@example.org"
    # someone else's address is not visible or changeable
    assert api_as(personas.nurse).get("/api/v1/me/alarm-email").json()["email"] is None
    assert me.delete("/api/v1/me/alarm-email").json()["email"] is None
    assert not AlarmAddress.objects.filter(is_active=True).exists()
    assert not Alert.objects.exists()
