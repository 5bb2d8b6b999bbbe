"""The verification workflow, its refusals and the certificate expiry sweep.

Personas: nurse_chen (a 护师 with licence NUR-A-0001, institution A), caregiver_zhao
(institution A), nurse_b (institution B); admin_a and reviewer_a verify for A, admin_b
for B. The day is frozen at 2026-06-15.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from doorstep.accounts.policy import Actor
from doorstep.core.errors import Forbidden, NotFound, ValidationFailed
from doorstep.core.models import AuditEvent
from doorstep.workforce import services
from doorstep.workforce.enums import CertificateStatus, ProviderKind
from doorstep.workforce.enums import VerificationStatus as V
from doorstep.workforce.errors import (
    FieldNotEditable,
    IllegalTransition,
    InstitutionRequired,
    LicenceRequired,
    LicenceTaken,
    ProviderExists,
    ReasonRequired,
)
from doorstep.workforce.models import Certificate, Provider, VerificationEvent
from doorstep.workforce.tasks import expire_certificates as expire_task

from .helpers import licence, set_status

pytestmark = pytest.mark.django_db


def events(provider: Provider) -> list[tuple[str, str, str | None, str]]:
    return [
        (e.from_status, e.to_status, e.actor.username if e.actor else None, e.reason)
        for e in VerificationEvent.objects.filter(provider=provider).order_by("at", "id")
    ]


def snapshot(provider: Provider) -> tuple[Any, ...]:
    provider.refresh_from_db()
    return (
        provider.verification_status,
        provider.verified_at,
        provider.verified_by_id,
        provider.rejection_reason,
        VerificationEvent.objects.filter(provider=provider).count(),
        AuditEvent.objects.filter(object_type="provider", object_id=str(provider.pk)).count(),
    )


def test_full_workflow_to_verified(personas: Any, staff: Any) -> None:
    admin, reviewer = Actor.of(personas.inst_admin), Actor.of(personas.reviewer)
    nurse = staff.nurse
    licence(nurse, expires_on=dt.date(2030, 12, 31))

    services.submit_for_verification(actor=Actor.of(personas.nurse), provider=nurse)
    services.start_review(actor=reviewer, provider=nurse)
    services.verify(actor=admin, provider=nurse)

    nurse.refresh_from_db()
    assert nurse.verification_status == V.VERIFIED
    assert nurse.verified_by_id == personas.inst_admin.pk
    assert nurse.verified_at is not None
    assert events(nurse) == [
        ("draft", "submitted", "nurse_chen", ""),
        ("submitted", "under_review", "reviewer_a", ""),
        ("under_review", "verified", "admin_a", ""),
    ]
    actions = list(
        AuditEvent.objects.filter(object_type="provider", object_id=str(nurse.pk))
        .order_by("at", "id")
        .values_list("action", "details")
    )
    assert actions == [
        ("provider.submitted", {"from": "draft", "to": "submitted"}),
        ("provider.under_review", {"from": "submitted", "to": "under_review"}),
        ("provider.verified", {"from": "under_review", "to": "verified"}),
    ]


def test_reject_with_reason_then_resubmit(personas: Any, staff: Any) -> None:
    reviewer = Actor.of(personas.reviewer)
    nurse = staff.nurse
    services.submit_for_verification(actor=Actor.of(personas.inst_admin), provider=nurse)
    services.start_review(actor=reviewer, provider=nurse)
    services.reject(actor=reviewer, provider=nurse, reason="  Licence not in the registry.  ")

    nurse.refresh_from_db()
    assert nurse.verification_status == V.REJECTED
    assert nurse.rejection_reason == "Licence not in the registry."
    assert nurse.verified_at is None

    services.submit_for_verification(actor=Actor.of(personas.nurse), provider=nurse)
    nurse.refresh_from_db()
    assert nurse.verification_status == V.SUBMITTED
    assert nurse.rejection_reason == ""
    assert events(nurse) == [
        ("draft", "submitted", "admin_a", ""),
        ("submitted", "under_review", "reviewer_a", ""),
        ("under_review", "rejected", "reviewer_a", "Licence not in the registry."),
        ("rejected", "submitted", "nurse_chen", ""),
    ]


def test_reject_needs_a_reason_and_changes_nothing(personas: Any, staff: Any) -> None:
    nurse = set_status(staff.nurse, V.UNDER_REVIEW)
    before = snapshot(nurse)
    with pytest.raises(ReasonRequired) as exc:
        services.reject(actor=Actor.of(personas.reviewer), provider=nurse, reason="   ")
    assert exc.value.code == "reason_required"
    assert exc.value.status == 422
    assert snapshot(nurse) == before


def test_other_institution_admin_cannot_verify_and_nothing_changes(
    personas: Any, staff: Any
) -> None:
    nurse = set_status(staff.nurse, V.UNDER_REVIEW)
    before = snapshot(nurse)
    with pytest.raises(NotFound):
        services.verify(actor=Actor.of(personas.other_admin), provider=nurse)
    with pytest.raises(NotFound):
        services.reject(actor=Actor.of(personas.other_admin), provider=nurse, reason="no")
    assert snapshot(nurse) == before


def test_staff_who_see_but_may_not_verify_get_403(personas: Any, staff: Any) -> None:
    nurse = set_status(staff.nurse, V.UNDER_REVIEW)
    before = snapshot(nurse)
    for persona in (personas.dispatcher, personas.platform_admin, personas.nurse):
        with pytest.raises(Forbidden):
            services.verify(actor=Actor.of(persona), provider=nurse)
    assert snapshot(nurse) == before


def test_verify_without_licence_is_422_and_changes_nothing(personas: Any, staff: Any) -> None:
    Provider.objects.filter(pk=staff.nurse.pk).update(licence_number=None)
    nurse = set_status(staff.nurse, V.UNDER_REVIEW)
    before = snapshot(nurse)
    with pytest.raises(LicenceRequired) as exc:
        services.verify(actor=Actor.of(personas.inst_admin), provider=nurse)
    assert (exc.value.code, exc.value.status) == ("licence_required", 422)
    assert snapshot(nurse) == before


def test_caregiver_needs_vocational_certificate_not_licence(personas: Any, staff: Any) -> None:
    caregiver = set_status(staff.caregiver, V.UNDER_REVIEW)
    before = snapshot(caregiver)
    with pytest.raises(ValidationFailed) as exc:
        services.verify(actor=Actor.of(personas.reviewer), provider=caregiver)
    assert (exc.value.code, exc.value.details) == (
        "certificate_missing",
        {"certificate": "caregiver_vocational"},
    )
    assert snapshot(caregiver) == before
    Certificate.objects.create(provider=caregiver, kind="caregiver_vocational", number="GZ-1")
    services.verify(actor=Actor.of(personas.reviewer), provider=caregiver)
    caregiver.refresh_from_db()
    assert caregiver.verification_status == V.VERIFIED


def test_nurse_without_a_recorded_licence_certificate_is_not_verified(
    personas: Any, staff: Any
) -> None:
    nurse = set_status(staff.nurse, V.UNDER_REVIEW)
    Certificate.objects.create(provider=nurse, kind="practising_licence", status="revoked")
    before = snapshot(nurse)
    with pytest.raises(ValidationFailed) as exc:
        services.verify(actor=Actor.of(personas.inst_admin), provider=nurse)
    assert (exc.value.code, exc.value.status) == ("certificate_missing", 422)
    assert snapshot(nurse) == before


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (V.DRAFT, "verify"),
        (V.SUBMITTED, "verify"),
        (V.DRAFT, "start_review"),
        (V.VERIFIED, "reject"),
        (V.VERIFIED, "submit"),
        (V.UNDER_REVIEW, "submit"),
        (V.REJECTED, "verify"),
    ],
)
def test_illegal_transition_is_409_and_changes_nothing(
    personas: Any, staff: Any, status: str, action: str
) -> None:
    nurse = set_status(staff.nurse, status)
    before = snapshot(nurse)
    admin = Actor.of(personas.inst_admin)
    call = {
        "verify": lambda: services.verify(actor=admin, provider=nurse),
        "start_review": lambda: services.start_review(actor=admin, provider=nurse),
        "reject": lambda: services.reject(actor=admin, provider=nurse, reason="x"),
        "submit": lambda: services.submit_for_verification(actor=admin, provider=nurse),
    }[action]
    with pytest.raises(IllegalTransition) as exc:
        call()
    assert (exc.value.code, exc.value.status) == ("illegal_transition", 409)
    assert exc.value.details["from"] == status
    assert snapshot(nurse) == before


def test_register_for_own_institution_and_self_registration(
    personas: Any, world: Any, today: dt.date
) -> None:
    provider = services.register_provider(
        actor=Actor.of(personas.inst_admin),
        user=personas.dispatcher,
        kind=ProviderKind.NURSE,
        institution=world.inst_a,
        licence_number=" nur-a-0099 ",
        title="nurse",
        languages=["zh", " ", "wuu"],
    )
    assert provider.verification_status == V.DRAFT
    assert provider.licence_number == "NUR-A-0099"
    assert provider.languages == ["zh", "wuu"]
    own = services.register_provider(
        actor=Actor.of(personas.family), user=personas.family, kind=ProviderKind.VOLUNTEER
    )
    assert own.institution_id is None
    audit_rows = AuditEvent.objects.filter(action="provider.register").order_by("id")
    assert [r.details for r in audit_rows] == [
        {"kind": "nurse", "self_registration": False},
        {"kind": "volunteer", "self_registration": True},
    ]
    # A volunteer without an institution cannot be submitted: nobody could verify them.
    with pytest.raises(InstitutionRequired):
        services.submit_for_verification(actor=Actor.of(personas.family), provider=own)


def test_register_refusals_create_nothing(personas: Any, world: Any, staff: Any) -> None:
    count = Provider.objects.count()
    with pytest.raises(Forbidden):  # admin of A registering for B
        services.register_provider(
            actor=Actor.of(personas.inst_admin),
            user=personas.operator,
            kind=ProviderKind.NURSE,
            institution=world.inst_b,
        )
    with pytest.raises(LicenceTaken):
        services.register_provider(
            actor=Actor.of(personas.inst_admin),
            user=personas.operator,
            kind=ProviderKind.NURSE,
            institution=world.inst_a,
            licence_number="nur-b-0001",
        )
    with pytest.raises(ProviderExists):
        services.register_provider(
            actor=Actor.of(personas.inst_admin),
            user=personas.nurse,
            kind=ProviderKind.NURSE,
            institution=world.inst_a,
        )
    assert Provider.objects.count() == count


def test_credential_change_on_verified_sends_back_to_reverification(
    personas: Any, staff: Any
) -> None:
    nurse = set_status(staff.nurse, V.VERIFIED)
    services.update_provider(
        actor=Actor.of(personas.inst_admin), provider=nurse, changes={"title": "supervising_nurse"}
    )
    nurse.refresh_from_db()
    assert nurse.title == "supervising_nurse"
    assert nurse.verification_status == V.REVERIFICATION_REQUIRED
    assert events(nurse) == [
        ("verified", "reverification_required", "admin_a", "credentials_changed")
    ]


def test_provider_edits_profile_but_not_credentials_once_verified(
    personas: Any, staff: Any
) -> None:
    nurse = set_status(staff.nurse, V.VERIFIED)
    me = Actor.of(personas.nurse)
    services.update_provider(
        actor=me, provider=nurse, changes={"service_radius_km": 8.5, "transport_mode": "car"}
    )
    nurse.refresh_from_db()
    assert (nurse.service_radius_km, nurse.transport_mode) == (8.5, "car")
    with pytest.raises(FieldNotEditable):
        services.update_provider(actor=me, provider=nurse, changes={"title": "chief_nurse"})
    nurse.refresh_from_db()
    assert (nurse.title, nurse.verification_status) == ("senior_nurse", V.VERIFIED)


def test_expiry_sweep_moves_a_verified_nurse_exactly_once(
    personas: Any, staff: Any, today: dt.date
) -> None:
    nurse = set_status(staff.nurse, V.VERIFIED)
    lapsed = licence(nurse, expires_on=today - dt.timedelta(days=1))
    still_valid = licence(staff.other_nurse, expires_on=today)  # last valid day is today
    set_status(staff.other_nurse, V.VERIFIED)

    first = services.expire_certificates(today=today)
    second = services.expire_certificates(today=today)

    assert (first.certificates_expired, first.providers_to_reverify) == (1, [nurse.pk])
    assert (second.certificates_expired, second.providers_to_reverify) == (0, [])
    lapsed.refresh_from_db()
    still_valid.refresh_from_db()
    assert (lapsed.status, still_valid.status) == (CertificateStatus.EXPIRED, "valid")
    nurse.refresh_from_db()
    staff.other_nurse.refresh_from_db()
    assert nurse.verification_status == V.REVERIFICATION_REQUIRED
    assert staff.other_nurse.verification_status == V.VERIFIED
    assert events(nurse) == [("verified", "reverification_required", None, "certificate_expired")]
    assert AuditEvent.objects.filter(action="certificate.expire_batch").count() == 1


def test_expiry_of_a_renewed_or_optional_certificate_keeps_verification(
    personas: Any, staff: Any, today: dt.date
) -> None:
    nurse = set_status(staff.nurse, V.VERIFIED)
    licence(nurse, expires_on=today - dt.timedelta(days=3))
    licence(nurse, expires_on=dt.date(2031, 1, 1))  # the renewal
    Certificate.objects.create(
        provider=nurse, kind="first_aid", expires_on=today - dt.timedelta(days=1)
    )
    result = services.expire_certificates(today=today)
    assert (result.certificates_expired, result.providers_to_reverify) == (2, [])
    nurse.refresh_from_db()
    assert nurse.verification_status == V.VERIFIED


def test_reverification_cycle_after_expiry(personas: Any, staff: Any, today: dt.date) -> None:
    nurse = set_status(staff.nurse, V.VERIFIED)
    licence(nurse, expires_on=today - dt.timedelta(days=1))
    services.expire_certificates(today=today)
    nurse.refresh_from_db()
    admin = Actor.of(personas.inst_admin)
    services.submit_for_verification(actor=admin, provider=nurse)
    services.start_review(actor=admin, provider=nurse)
    with pytest.raises(ValidationFailed) as exc:  # lapsed licence and no renewal yet
        services.verify(actor=admin, provider=nurse)
    assert (exc.value.code, exc.value.status) == ("certificate_expired", 422)
    services.add_certificate(
        actor=admin,
        provider=nurse,
        kind="practising_licence",
        number="NUR-A-0001",
        issued_on=today,
        expires_on=dt.date(2031, 6, 14),
    )
    services.verify(actor=admin, provider=nurse)
    nurse.refresh_from_db()
    assert nurse.verification_status == V.VERIFIED


def test_task_runs_through_celery_eager(personas: Any, staff: Any, today: dt.date) -> None:
    nurse = set_status(staff.nurse, V.VERIFIED)
    licence(nurse, expires_on=today - dt.timedelta(days=1))
    result = expire_task.delay()
    assert result.successful()
    assert result.get() == {"certificates_expired": 1, "providers_to_reverify": [nurse.pk]}
    nurse.refresh_from_db()
    assert nurse.verification_status == V.REVERIFICATION_REQUIRED
    assert expire_task.name == "doorstep.workforce.tasks.expire_certificates"


def test_verification_outcomes_reach_the_providers_inbox(
    personas: Any, staff: Any, today: dt.date, django_capture_on_commit_callbacks: Any
) -> None:
    from doorstep.notifications.models import Notification

    nurse = set_status(staff.nurse, V.UNDER_REVIEW)
    caregiver = set_status(staff.caregiver, V.UNDER_REVIEW)
    licence(nurse, expires_on=today + dt.timedelta(days=30))
    admin = Actor.of(personas.inst_admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.verify(actor=admin, provider=nurse)
        services.reject(actor=admin, provider=caregiver, reason="证件照片不清晰")
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_certificates(today=today + dt.timedelta(days=31))

    rows = list(
        Notification.objects.order_by("id").values_list(
            "recipient__username", "kind", "title_en", "title_zh", "body_zh", "data"
        )
    )
    assert rows == [
        (
            "nurse_chen",
            "provider.verified",
            "You are verified",
            "您已审核通过",
            "您的执业机构已审核通过您的档案，您现在可以接单了。",
            {"provider_id": nurse.pk, "status": "verified"},
        ),
        (
            "caregiver_zhao",
            "provider.rejected",
            "Verification rejected",
            "审核未通过",
            "您的执业机构未通过您的档案审核。原因：证件照片不清晰",
            {"provider_id": caregiver.pk, "status": "rejected"},
        ),
        (
            "nurse_chen",
            "provider.reverification_required",
            "Please renew your certificate",
            "请更新您的证书",
            "您的一项必需证书已过期。请添加更新后的证书，并重新提交档案审核。",
            {"provider_id": nurse.pk, "status": "reverification_required"},
        ),
    ]


def test_a_refused_verification_sends_nothing(
    personas: Any, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from doorstep.notifications.models import Notification

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(IllegalTransition),
    ):
        services.verify(actor=Actor.of(personas.inst_admin), provider=staff.nurse)
    assert callbacks == []
    assert not Notification.objects.exists()
