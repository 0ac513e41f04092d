"""Every reveal is audited, refusals too: who asked, for which resume and job, from where; found by mutmut.

The reveal tests checked that a refused reveal leaves a reveal.denied event with its code, but not
whose it is: a denial recorded as the platform's, or without its organisation, resume, job or
address, would pass them while the detectors and an operator reading the log lose the refusal.
"""

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from config.errors import DomainError
from employers.models import QuotaCounter
from resumes.models import (
    ContactRequest,
    ContactRequestStatus,
    DirectContactGrant,
    Notification,
    RelayContact,
    RelayPreference,
    Reveal,
    RevealKind,
    Visibility,
)
from resumes.services import approve_contact_request
from resumes.services.reveal import reveal_contact
from tests.employers.conftest import client_for
from tests.employers.factories import (
    ApplicationFactory,
    JobPostingFactory,
    RecruiterFactory,
    SeatFactory,
    VerifiedOrganizationFactory,
)
from tests.resumes.factories import ContactRequestFactory, RelayContactFactory, ResumeFactory

pytestmark = pytest.mark.django_db


def test_a_refused_reveal_is_audited_as_the_recruiters_with_resume_job_and_address():
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory(visibility=Visibility.ON_REQUEST)

    response = client_for(seat.user).post(
        f"/api/v1/resumes/{resume.id}/reveal",
        {"job_id": job.pk},
        format="json",
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="hr-tool/2",
    )

    assert response.status_code == 202
    request = ContactRequest.objects.get()
    # The request the refusal names is the recruiter's, from where they asked.
    assert request.requested_by == seat.user
    created = AuditEvent.objects.get(action="contact_request.created")
    assert (created.ip, created.user_agent) == ("203.0.113.9", "hr-tool/2")
    denied = AuditEvent.objects.get(action="reveal.denied")
    assert (denied.actor_id, denied.actor_role, denied.organization_id) == (seat.user.pk, "recruiter", organization.pk)
    assert (denied.target_type, denied.target_id, denied.job_id) == ("resume", str(resume.id), job.pk)
    assert (denied.outcome, denied.code) == ("denied", "consent_required")
    assert (denied.ip, denied.user_agent) == ("203.0.113.9", "hr-tool/2")
    assert denied.details == {"contact_request_id": request.pk}


def test_a_recruiter_without_a_seat_is_refused_and_audited_without_an_organisation_or_job():
    # The API's permission refuses a seatless recruiter first; the service refuses and audits them itself.
    recruiter = RecruiterFactory()  # no seat: belongs to no organisation
    resume = ResumeFactory()

    with pytest.raises(DomainError):
        reveal_contact(recruiter=recruiter, resume=resume, job=None, ip="203.0.113.9")

    denied = AuditEvent.objects.get(action="reveal.denied")
    assert (denied.actor_id, denied.organization_id, denied.job_id) == (recruiter.pk, None, None)
    assert (denied.target_id, denied.ip) == (str(resume.id), "203.0.113.9")
    assert denied.user_agent == ""  # none given: none recorded


def test_a_recruiter_without_a_seat_asking_for_a_resume_that_is_not_there_is_refused_and_audited():
    # Without a resume the seat and job are read on their own; no seat means no job to look for.
    recruiter = RecruiterFactory()

    with pytest.raises(DomainError) as refused:
        reveal_contact(recruiter=recruiter, resume="00000000-0000-0000-0000-00000000abcd", job=7)

    denied = AuditEvent.objects.get(action="reveal.denied")
    assert (denied.actor_id, denied.code) == (recruiter.pk, refused.value.code)


def test_a_refused_reveal_of_an_overlong_resume_id_is_audited_with_its_first_64_characters():
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    job = JobPostingFactory(organization=seat.organization)

    response = client_for(seat.user).post(f"/api/v1/resumes/{'a' * 100}/reveal", {"job_id": job.pk}, format="json")

    assert response.status_code == 404
    assert AuditEvent.objects.get(action="reveal.denied").target_id == "a" * 64


def test_a_granted_relay_reveal_records_its_relay_contact_and_tells_the_seeker_who_and_for_which_job():
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory()

    response = client_for(seat.user).post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json")

    assert response.status_code == 200
    # The reveal row names the relay number it handed out: the relay's routing and the erasure read it there.
    assert Reveal.objects.get().relay_contact == RelayContact.objects.get()
    notice = Notification.objects.get(user=resume.seeker, kind="reveal")
    assert (notice.params["organization"], notice.params["job"]) == (organization.legal_name, job.title)
    granted = AuditEvent.objects.get(action="reveal.granted")
    assert (granted.target_type, granted.target_id, granted.job_id) == ("resume", str(resume.id), job.pk)


def test_an_applicants_free_reveal_refused_by_a_full_relay_pool_is_a_503_audited_and_charges_nothing(settings):
    # A free reveal takes no quota, so there is nothing to give back: the refusal must still be the
    # pool's clean 503 (as for a paid reveal, tests/resumes/test_relay_pool.py), not a failed give-back.
    settings.RELAY_PHONE_NUMBERS = ["+864009990000"]
    settings.RELAY_EXTENSION_DIGITS = 1  # a pool of ten
    for extension in range(10):
        RelayContactFactory(phone_number="+864009990000", phone_extension=str(extension))
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory()
    ApplicationFactory(job=job, seeker=resume.seeker)

    response = client_for(seat.user).post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json")

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert not Reveal.objects.exists()
    assert not RelayContact.objects.filter(resume=resume).exists()
    assert not QuotaCounter.objects.filter(used__gt=0).exists()
    denied = AuditEvent.objects.get(action="reveal.denied")
    assert (denied.outcome, denied.code, denied.target_id) == ("denied", "service_unavailable", str(resume.id))
    assert not AuditEvent.objects.filter(action="reveal.granted").exists()


def test_a_reveal_through_a_revoked_relay_contact_is_refused_saying_the_access_was_revoked():
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory()
    RelayContactFactory(resume=resume, organization=organization, revoked_at=timezone.now())

    response = client_for(seat.user).post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json")

    assert response.status_code == 403
    # Not the generic "does not allow your organisation": the seeker cut this organisation's relay line.
    body = response.json()
    assert (body["code"], body["detail"]) == ("blocked_by_seeker", "Access to this seeker's relay contact was revoked.")
    assert not Reveal.objects.exists()


def test_an_approved_request_gives_the_direct_contact_to_a_seeker_who_wants_that():
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory(visibility=Visibility.ON_REQUEST, relay_preference=RelayPreference.DIRECT_WHEN_APPROVED)
    request = ContactRequestFactory(resume=resume, job=job, requested_by=seat.user)
    approve_contact_request(seeker=resume.seeker, request_id=request.pk)  # writes the seeker's grant

    response = client_for(seat.user).post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json")

    assert response.status_code == 200
    assert Reveal.objects.get().kind == RevealKind.DIRECT
    assert not RelayContact.objects.exists()


def test_a_refused_reveal_of_a_resume_id_with_a_nul_byte_is_audited_with_the_nul_replaced():
    # PostgreSQL text cannot hold NUL: the id is recorded as sent, with U+FFFD in its place (on SQLite too).
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    job = JobPostingFactory(organization=seat.organization)

    response = client_for(seat.user).post("/api/v1/resumes/a%00b/reveal", {"job_id": job.pk}, format="json")

    assert response.status_code == 404
    assert AuditEvent.objects.get(action="reveal.denied").target_id == "a\N{REPLACEMENT CHARACTER}b"


@pytest.mark.parametrize("job_id", ["12x", "", " ", "١٢", 2**63, -1, 0, True, 1.5])
def test_a_job_id_that_cannot_name_a_job_is_refused_as_job_invalid_and_audited(job_id):
    # A direct caller's malformed or out-of-range id is a job that is not there, not a failed statement.
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    resume = ResumeFactory()

    with pytest.raises(DomainError) as refused:
        reveal_contact(recruiter=seat.user, resume=resume, job=job_id)

    assert refused.value.code == "job_invalid"
    denied = AuditEvent.objects.get(action="reveal.denied")
    assert (denied.code, denied.target_id, denied.job_id) == ("job_invalid", str(resume.pk), None)
    assert not Reveal.objects.exists()
    assert not QuotaCounter.objects.exists()


def test_a_job_id_given_as_digits_is_the_job():
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    job = JobPostingFactory(organization=seat.organization)
    resume = ResumeFactory()

    result = reveal_contact(recruiter=seat.user, resume=resume, job=str(job.pk))

    assert result.reveal.job_id == job.pk
    assert AuditEvent.objects.get(action="reveal.granted").job_id == job.pk


def test_the_largest_bigint_is_a_job_id_like_any_other():
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    job = JobPostingFactory(organization=seat.organization, id=2**63 - 1)

    result = reveal_contact(recruiter=seat.user, resume=ResumeFactory(), job=job.pk)

    assert result.reveal.job_id == 2**63 - 1


@pytest.mark.parametrize("spelling", ["{%s}", "urn:uuid:%s", "%s-undashed", "%s-upper"])
def test_a_refusal_names_the_resume_by_its_canonical_id_however_the_uuid_was_spelled(spelling):
    # A harvester's refusals must not scatter over several target ids in the log the detectors read.
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    resume = ResumeFactory(visibility=Visibility.HIDDEN)
    canonical = str(resume.pk)
    sent = {
        "%s-undashed": canonical.replace("-", ""),
        "%s-upper": canonical.upper(),
    }.get(spelling, spelling % canonical)

    with pytest.raises(DomainError):
        reveal_contact(recruiter=seat.user, resume=sent, job=JobPostingFactory(organization=seat.organization).pk)

    assert AuditEvent.objects.get(action="reveal.denied").target_id == canonical


def test_a_second_organisations_reveal_gets_a_relay_contact_of_its_own_not_the_first_ones():
    # The relay contact routes the seeker's replies to one organisation: handing the first one's line to a
    # second organisation would send its messages under the first one's name, and the first one's revocation
    # would refuse the second.
    resume = ResumeFactory()
    first = RelayContactFactory(resume=resume, organization=VerifiedOrganizationFactory())
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)

    response = client_for(seat.user).post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json")

    assert response.status_code == 200
    relay = Reveal.objects.get().relay_contact
    assert (relay.resume_id, relay.organization_id) == (resume.id, organization.pk)
    assert relay != first
    contact = response.json()["contact"]
    assert (contact["email"], contact["phone"]) == (relay.email_alias, f"{relay.phone_number},{relay.phone_extension}")


def test_an_applied_only_resume_is_revealed_to_the_organisation_the_seeker_applied_to():
    # The refusal of an applied-only resume without an application is tested (api/test_reveal.py); its grant was
    # not: the policy statement judging availability for no organisation refused every applicant.
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory(visibility=Visibility.APPLIED_ONLY)
    ApplicationFactory(job=job, seeker=resume.seeker)

    response = client_for(seat.user).post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json")

    assert response.status_code == 200
    reveal = Reveal.objects.get()
    assert (reveal.resume_id, reveal.organization_id, reveal.charged) == (resume.id, organization.pk, False)
    assert AuditEvent.objects.get(action="reveal.granted").target_id == str(resume.id)


def test_a_seeker_who_applied_elsewhere_is_charged_for_not_revealed_free_as_an_applicant():
    # Free only for an application to the job cited: not this seeker's application to another organisation's
    # job, nor another seeker's application to this job.
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory()
    ApplicationFactory(job=JobPostingFactory(organization=VerifiedOrganizationFactory()), seeker=resume.seeker)
    ApplicationFactory(job=job)

    response = client_for(seat.user).post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json")

    assert response.status_code == 200
    assert Reveal.objects.get(resume=resume).charged is True
    assert QuotaCounter.objects.filter(used=1).count() == 3


def test_a_seeker_who_wants_direct_contact_after_applying_gets_a_relay_to_an_organisation_not_applied_to():
    # Direct contact follows the seeker's application to this organisation: not one to another organisation,
    # nor another seeker's application here.
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory(relay_preference=RelayPreference.DIRECT_WHEN_APPROVED)
    ApplicationFactory(job=JobPostingFactory(organization=VerifiedOrganizationFactory()), seeker=resume.seeker)
    ApplicationFactory(job=job)

    response = client_for(seat.user).post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json")

    assert response.status_code == 200
    relay = RelayContact.objects.get(resume=resume)
    assert Reveal.objects.get(resume=resume).kind == RevealKind.RELAY
    contact = response.json()["contact"]
    assert (contact["kind"], contact["email"]) == (RevealKind.RELAY, relay.email_alias)
    assert contact["email"] != resume.decrypt_contact_details().email


def test_an_on_request_resume_needs_its_seekers_approval_of_this_organisation_not_another_approval():
    # Consent is per seeker and organisation: another seeker's approval of this organisation, or this seeker's
    # approval of another organisation, must not open this resume.
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory(visibility=Visibility.ON_REQUEST)
    ContactRequestFactory(job=job, requested_by=seat.user, status=ContactRequestStatus.APPROVED)
    ContactRequestFactory(resume=resume, status=ContactRequestStatus.APPROVED)

    response = client_for(seat.user).post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json")

    assert response.status_code == 202
    assert "contact" not in response.json()
    assert not Reveal.objects.exists()
    request = ContactRequest.objects.get(resume=resume, organization=organization)
    assert request.status == ContactRequestStatus.PENDING


def test_a_direct_contact_grant_is_this_seekers_for_this_organisation_not_another_grant():
    # The real phone and email go only where this seeker allowed this organisation: another seeker's grant to
    # this organisation, or this seeker's grant to another one, leaves the relay.
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory(relay_preference=RelayPreference.DIRECT_WHEN_APPROVED)
    DirectContactGrant.objects.create(
        resume=ResumeFactory(relay_preference=RelayPreference.DIRECT_WHEN_APPROVED), organization=organization
    )
    DirectContactGrant.objects.create(resume=resume, organization=VerifiedOrganizationFactory())

    response = client_for(seat.user).post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json")

    assert response.status_code == 200
    assert Reveal.objects.get().kind == RevealKind.RELAY
    relay = RelayContact.objects.get(resume=resume)
    contact = response.json()["contact"]
    assert (contact["kind"], contact["email"]) == (RevealKind.RELAY, relay.email_alias)
    assert contact["email"] != resume.decrypt_contact_details().email
