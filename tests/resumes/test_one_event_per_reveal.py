"""Every reveal leaves one audit event: one `reveal.granted` per grant on every path, one `reveal.denied` per denial."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import DomainError
from employers.models import JobStatus, OrganizationStatus
from resumes.models import (
    BlockedOrganization,
    ContactRequestStatus,
    DirectContactGrant,
    RelayPreference,
    Reveal,
    Visibility,
)
from resumes.services import apply_with_resume, reveal_contact
from tests.employers.factories import (
    ApplicationFactory,
    JobPostingFactory,
    OrganizationFactory,
    SeatFactory,
    VerifiedOrganizationFactory,
)
from tests.resumes.factories import ContactRequestFactory, ResumeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization():
    return VerifiedOrganizationFactory()


@pytest.fixture
def seat(organization):
    return SeatFactory(organization=organization)


@pytest.fixture
def job(organization):
    return JobPostingFactory(organization=organization)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def assert_one_granted_event_matching(reveal: Reveal, *, free_because: str) -> None:
    """The grant left one `reveal.granted` event, naming this reveal exactly as its row does, and no denial."""
    granted = [event for event in events("reveal.granted") if event.details.get("reveal_id") == reveal.pk]
    assert len(granted) == 1
    event = granted[0]
    assert event.details == {
        "reveal_id": reveal.pk,
        "kind": reveal.kind,
        "charged": reveal.charged,
        "free_because": free_because,
    }
    assert (event.actor_id, event.organization_id, event.target_id, event.job_id) == (
        reveal.recruiter_id,
        reveal.organization_id,
        str(reveal.resume_id),
        reveal.job_id,
    )
    assert (event.outcome, event.code) == ("granted", "")
    assert not events("reveal.denied")


class TestOneGrantedEventPerReveal:
    def test_charged(self, seat, job):
        result = reveal_contact(recruiter=seat.user, resume=ResumeFactory(), job=job)

        assert result.reveal.charged is True
        assert len(events("reveal.granted")) == 1
        assert_one_granted_event_matching(result.reveal, free_because="")

    def test_free_re_reveal(self, seat, job):
        resume = ResumeFactory()
        first = reveal_contact(recruiter=seat.user, resume=resume, job=job)

        again = reveal_contact(recruiter=seat.user, resume=resume, job=job)

        assert (first.reveal.charged, again.reveal.charged) == (True, False)
        assert len(events("reveal.granted")) == 2
        assert_one_granted_event_matching(first.reveal, free_because="")
        assert_one_granted_event_matching(again.reveal, free_because="recent_reveal")

    def test_applicant_of_the_job(self, seat, job):
        resume = ResumeFactory()
        ApplicationFactory(job=job, seeker=resume.seeker)

        result = reveal_contact(recruiter=seat.user, resume=resume, job=job)

        assert (result.reveal.charged, result.reveal.kind) == (False, "relay")
        assert len(events("reveal.granted")) == 1
        assert_one_granted_event_matching(result.reveal, free_because="applicant")

    def test_direct_contact_for_a_granted_organisation(self, seat, organization, job):
        resume = ResumeFactory(relay_preference=RelayPreference.DIRECT_WHEN_APPROVED)
        DirectContactGrant.objects.create(resume=resume, organization=organization)

        result = reveal_contact(recruiter=seat.user, resume=resume, job=job)

        assert (result.reveal.kind, result.reveal.charged) == ("direct", True)
        assert len(events("reveal.granted")) == 1
        assert_one_granted_event_matching(result.reveal, free_because="")

    def test_direct_contact_for_an_applicant(self, seat, job):
        resume = ResumeFactory(relay_preference=RelayPreference.DIRECT_WHEN_APPROVED)
        apply_with_resume(seeker=resume.seeker, job=job)  # writes the seeker's grant to this organisation

        result = reveal_contact(recruiter=seat.user, resume=resume, job=job)

        assert (result.reveal.kind, result.reveal.charged) == ("direct", False)
        assert len(events("reveal.granted")) == 1
        assert_one_granted_event_matching(result.reveal, free_because="applicant")

    def test_approved_consent(self, seat, organization, job):
        resume = ResumeFactory(visibility=Visibility.ON_REQUEST)
        ContactRequestFactory(
            resume=resume,
            job=job,
            organization=organization,
            requested_by=seat.user,
            status=ContactRequestStatus.APPROVED,
            decided_at=timezone.now(),
        )

        result = reveal_contact(recruiter=seat.user, resume=resume, job=job)

        assert result.reveal.charged is True
        assert len(events("reveal.granted")) == 1
        assert_one_granted_event_matching(result.reveal, free_because="")


def refuse(**kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        reveal_contact(**kwargs)
    return refused.value


def assert_one_denied_event(code: str) -> None:
    denied = events("reveal.denied")
    assert [(event.code, event.outcome) for event in denied] == [(code, "denied")]
    assert not events("reveal.granted")
    assert not Reveal.objects.exists()


class TestOneDeniedEventPerRefusal:
    def test_recruiter_inactive(self, seat, job):
        seat.is_active = False
        seat.save()

        assert refuse(recruiter=seat.user, resume=ResumeFactory(), job=job).code == "recruiter_inactive"
        assert_one_denied_event("recruiter_inactive")

    def test_org_not_verified(self):
        seat = SeatFactory(organization=OrganizationFactory(status=OrganizationStatus.PENDING))
        job = JobPostingFactory(organization=seat.organization)

        assert refuse(recruiter=seat.user, resume=ResumeFactory(), job=job).code == "org_not_verified"
        assert_one_denied_event("org_not_verified")

    def test_org_suspended(self, seat, organization, job):
        organization.status = OrganizationStatus.SUSPENDED
        organization.save()

        assert refuse(recruiter=seat.user, resume=ResumeFactory(), job=job).code == "org_suspended"
        assert_one_denied_event("org_suspended")

    def test_job_invalid(self, seat, job):
        job.status = JobStatus.CLOSED
        job.save()

        assert refuse(recruiter=seat.user, resume=ResumeFactory(), job=job).code == "job_invalid"
        assert_one_denied_event("job_invalid")

    @pytest.mark.parametrize("resume_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
    def test_resume_unavailable(self, seat, job, resume_id):
        assert refuse(recruiter=seat.user, resume=resume_id, job=job).code == "resume_unavailable"
        assert_one_denied_event("resume_unavailable")

    def test_blocked_by_seeker(self, seat, organization, job):
        resume = ResumeFactory()
        BlockedOrganization.objects.create(resume=resume, organization=organization)

        assert refuse(recruiter=seat.user, resume=resume, job=job).code == "blocked_by_seeker"
        assert_one_denied_event("blocked_by_seeker")

    def test_revoked_relay(self, seat, job):
        resume = ResumeFactory()
        reveal_contact(recruiter=seat.user, resume=resume, job=job)
        Reveal.objects.all().delete()
        resume.relay_contacts.update(revoked_at=timezone.now())
        granted_before = len(events("reveal.granted"))

        assert refuse(recruiter=seat.user, resume=resume, job=job).code == "blocked_by_seeker"
        assert [event.code for event in events("reveal.denied")] == ["blocked_by_seeker"]
        assert len(events("reveal.granted")) == granted_before

    def test_consent_required_new_and_open_request(self, seat, job):
        resume = ResumeFactory(visibility=Visibility.ON_REQUEST)

        first = refuse(recruiter=seat.user, resume=resume, job=job)
        again = refuse(recruiter=seat.user, resume=resume, job=job)

        assert (first.code, again.code) == ("consent_required", "consent_required")
        denied = events("reveal.denied")
        assert [event.code for event in denied] == ["consent_required", "consent_required"]
        assert [event.details for event in denied] == [
            {"contact_request_id": first.fields["contact_request_id"]},
            {"contact_request_id": first.fields["contact_request_id"]},
        ]
        assert not events("reveal.granted")

    def test_quota_exhausted_when_charging(self, seat, organization, job):
        organization.recruiter_daily_limit = 0
        organization.save()

        assert refuse(recruiter=seat.user, resume=ResumeFactory(), job=job).code == "quota_exhausted"
        assert_one_denied_event("quota_exhausted")
        assert events("reveal.denied")[0].details == {"limit": "recruiter_daily"}

    def test_quota_exhausted_before_asking_consent(self, seat, organization, job):
        organization.recruiter_daily_limit = 0
        organization.save()

        refused = refuse(recruiter=seat.user, resume=ResumeFactory(visibility=Visibility.ON_REQUEST), job=job)

        assert refused.code == "quota_exhausted"
        assert_one_denied_event("quota_exhausted")


def test_a_re_reveal_after_the_free_window_is_one_charged_event(seat, job):
    import time_machine

    resume = ResumeFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        reveal_contact(recruiter=seat.user, resume=resume, job=job)
    with time_machine.travel(start + timedelta(days=31), tick=False):
        later = reveal_contact(recruiter=seat.user, resume=resume, job=job)

    assert len(events("reveal.granted")) == 2
    assert_one_granted_event_matching(later.reveal, free_because="")
