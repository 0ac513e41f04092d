"""Contact requests decided by the seeker and expired by the beat (resumes/services/contact_requests.py)."""

import pytest
import time_machine

from audit.models import AuditEvent
from resumes import services, tasks
from resumes.models import ContactRequestStatus, DirectContactGrant, RelayPreference
from tests.resumes.factories import ContactRequestFactory, ResumeFactory

pytestmark = pytest.mark.django_db


# Contact requests


def test_approve_contact_request_is_audited():
    contact_request = ContactRequestFactory()
    seeker = contact_request.resume.seeker

    services.approve_contact_request(seeker=seeker, request_id=contact_request.pk)

    contact_request.refresh_from_db()
    assert contact_request.status == ContactRequestStatus.APPROVED
    assert contact_request.decided_at is not None
    event = AuditEvent.objects.get(action="contact_request.approved")
    assert event.actor_id == seeker.pk
    assert event.organization_id == contact_request.organization_id
    assert (event.target_type, event.target_id, event.outcome) == (
        "contact_request",
        str(contact_request.pk),
        "approved",
    )
    assert event.details == {"resume_id": str(contact_request.resume_id), "job_id": contact_request.job_id}
    # Relay only (the default): approval gives no direct contact.
    assert not DirectContactGrant.objects.exists()


def test_approval_under_direct_preference_creates_a_direct_contact_grant():
    contact_request = ContactRequestFactory(resume__relay_preference=RelayPreference.DIRECT_WHEN_APPROVED)

    services.approve_contact_request(seeker=contact_request.resume.seeker, request_id=contact_request.pk)

    assert DirectContactGrant.objects.filter(
        resume=contact_request.resume, organization=contact_request.organization
    ).exists()


def test_decline_contact_request_is_audited():
    contact_request = ContactRequestFactory()

    services.decline_contact_request(seeker=contact_request.resume.seeker, request_id=contact_request.pk)

    contact_request.refresh_from_db()
    assert contact_request.status == ContactRequestStatus.DECLINED
    assert AuditEvent.objects.filter(action="contact_request.declined", target_id=str(contact_request.pk)).exists()


def test_another_seekers_request_is_not_found():
    contact_request = ContactRequestFactory()
    other = ResumeFactory()

    with pytest.raises(services.NotFound):
        services.approve_contact_request(seeker=other.seeker, request_id=contact_request.pk)

    contact_request.refresh_from_db()
    assert contact_request.status == ContactRequestStatus.PENDING


@pytest.mark.parametrize("status", [ContactRequestStatus.APPROVED, ContactRequestStatus.DECLINED, "expired"])
def test_a_request_is_answered_once(status):
    contact_request = ContactRequestFactory(status=status)

    with pytest.raises(services.ContactRequestClosed):
        services.approve_contact_request(seeker=contact_request.resume.seeker, request_id=contact_request.pk)
    assert not AuditEvent.objects.filter(action__startswith="contact_request.").exists()


def test_a_pending_request_past_its_expiry_cannot_be_approved():
    with time_machine.travel("2026-03-01 09:00:00+00:00", tick=False):
        contact_request = ContactRequestFactory()
    with time_machine.travel("2026-03-15 09:00:01+00:00", tick=False), pytest.raises(services.ContactRequestClosed):
        services.approve_contact_request(seeker=contact_request.resume.seeker, request_id=contact_request.pk)


def test_expire_contact_requests_after_14_days():
    with time_machine.travel("2026-03-01 09:00:00+00:00", tick=False):
        old = ContactRequestFactory()
    with time_machine.travel("2026-03-10 09:00:00+00:00", tick=False):
        recent = ContactRequestFactory()
        answered = ContactRequestFactory(status=ContactRequestStatus.APPROVED)

    with time_machine.travel("2026-03-14 08:59:59+00:00", tick=False):
        assert services.expire_contact_requests() == 0
    with time_machine.travel("2026-03-15 09:00:00+00:00", tick=False):
        assert tasks.expire_contact_requests.delay().get() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    answered.refresh_from_db()
    assert old.status == ContactRequestStatus.EXPIRED
    assert recent.status == ContactRequestStatus.PENDING
    assert answered.status == ContactRequestStatus.APPROVED
    event = AuditEvent.objects.get(action="contact_request.expired")
    assert (event.actor_id, event.target_id, event.organization_id) == (None, str(old.pk), old.organization_id)


def test_the_beat_schedule_runs_the_expiry(settings):
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "resumes.tasks.expire_contact_requests" in entries
