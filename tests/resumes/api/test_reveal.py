"""POST resumes/{id}/reveal through the API: every policy branch, quota, consent, relay, audit."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from employers.models import JobStatus, OrganizationStatus, QuotaCounter
from resumes.models import (
    BlockedOrganization,
    ContactRequest,
    ContactRequestStatus,
    Notification,
    RelayPreference,
    Reveal,
    RevealKind,
    Visibility,
)
from resumes.services import apply_with_resume, revoke_direct_contact
from tests.employers.conftest import client_for
from tests.employers.factories import (
    ApplicationFactory,
    JobPostingFactory,
    OrganizationFactory,
    SeatFactory,
    VerifiedOrganizationFactory,
)
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db


def reveal(client, resume, job, **extra):
    resume_id = getattr(resume, "id", resume)
    return client.post(
        f"/api/v1/resumes/{resume_id}/reveal", {"job_id": getattr(job, "pk", job)}, format="json", **extra
    )


@pytest.fixture
def resume():
    return ResumeFactory(
        full_name="Li Revealed", phone_e164="+8613912345678", contact_email="li.revealed@mail.example.test"
    )


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


class TestGranted:
    def test_public_resume_gives_a_relay_contact_charged_and_audited(
        self, client, seat, organization, job, resume, mailoutbox, django_capture_on_commit_callbacks, settings
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = reveal(client, resume, job, REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="hr-tool/2")

        assert response.status_code == 200
        body = response.json()
        stored = Reveal.objects.get()
        assert body["reveal_id"] == stored.pk
        assert body["resume_id"] == str(resume.id)
        assert body["charged"] is True
        contact = body["contact"]
        assert contact["kind"] == "relay"
        assert contact["name"] == "Li Revealed"
        assert contact["email"].endswith("@" + settings.RELAY_EMAIL_DOMAIN)
        assert "li.revealed" not in contact["email"]
        number, extension = contact["phone"].split(",")
        assert number in settings.RELAY_PHONE_NUMBERS and extension.isdigit()
        recruiter_daily = body["quota"]["recruiter_daily"]
        # When it frees up (resets_at) is tested in test_reveal_limits.py, with the clock pinned.
        assert recruiter_daily == {"limit": 20, "used": 1, "remaining": 19, "resets_at": recruiter_daily["resets_at"]}
        assert body["quota"]["org_daily"]["used"] == 1
        assert body["quota"]["org_monthly"]["used"] == 1
        event = last_event()
        assert (event.action, event.outcome, event.code) == ("reveal.granted", "granted", "")
        assert (event.actor_id, event.organization_id, event.target_id) == (
            seat.user.id,
            organization.pk,
            str(resume.id),
        )
        assert event.job_id == job.pk and event.details["reveal_id"] == stored.pk
        assert event.ip == "203.0.113.9" and event.user_agent == "hr-tool/2"
        assert "Li Revealed" not in str(event.details)
        # The seeker is told at once: in the app, and by email to their own address.
        assert Notification.objects.get(user=resume.seeker).kind == "reveal"
        assert mailoutbox[0].to == [resume.seeker.decrypt_email()]

    def test_organizations_me_shows_the_real_usage(self, client, job, resume):
        reveal(client, resume, job)

        quota = client.get("/api/v1/organizations/me").json()["quota"]

        assert quota["recruiter_daily"]["used"] == 1
        assert quota["org_monthly"]["remaining"] == 599

    def test_re_reveal_within_30_days_is_free_and_returns_the_same_contact(self, client, job, resume):
        first = reveal(client, resume, job).json()

        second = reveal(client, resume, job).json()

        assert second["charged"] is False
        assert second["contact"] == first["contact"]
        assert second["quota"]["org_daily"]["used"] == 1
        assert AuditEvent.objects.filter(action="reveal.granted").count() == 2

    def test_after_30_days_a_re_reveal_is_charged_again(self, client, seat, job, resume):
        reveal(client, resume, job)

        with time_machine.travel(timezone.now() + timedelta(days=31)):
            later = reveal(client_for(seat.user), resume, job).json()

        assert later["charged"] is True

    def test_a_free_re_reveal_does_not_extend_the_free_window(self, seat, job, resume):
        # given a charged reveal, and a free re-reveal 20 days later
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            first = reveal(client_for(seat.user), resume, job).json()
        with time_machine.travel(start + timedelta(days=20), tick=False):
            second = reveal(client_for(seat.user), resume, job).json()

        # when 40 days after the charged one (20 after the free one) the organisation reveals again
        with time_machine.travel(start + timedelta(days=40), tick=False):
            third = reveal(client_for(seat.user), resume, job).json()

        # then the free window counted from the last charged reveal is over: it is charged
        assert (first["charged"], second["charged"], third["charged"]) == (True, False, True)
        assert list(Reveal.objects.order_by("created_at").values_list("charged", flat=True)) == [True, False, True]
        assert last_event().details["free_because"] == ""

    def test_an_applicant_to_the_job_is_revealed_free(self, client, job, resume):
        ApplicationFactory(job=job, seeker=resume.seeker)

        body = reveal(client, resume, job).json()

        assert body["charged"] is False
        assert not QuotaCounter.objects.filter(used__gt=0).exists()

    def test_direct_contact_for_an_organisation_the_seeker_applied_to(self, client, job, resume):
        resume.relay_preference = RelayPreference.DIRECT_WHEN_APPROVED
        resume.save()
        apply_with_resume(seeker=resume.seeker, job=job)  # writes the seeker's grant to this organisation

        contact = reveal(client, resume, job).json()["contact"]

        assert contact == {
            "name": "Li Revealed",
            "email": "li.revealed@mail.example.test",
            "phone": "+8613912345678",
            "kind": "direct",
        }

    def test_relay_only_for_one_organisation_ends_its_direct_contact_though_the_seeker_applied_there(
        self, client, job, resume
    ):
        """Revoking an organisation's direct contact changed nothing once the seeker had applied to it (or approved
        its request): the application itself still counted as the grant, and the real phone and e-mail kept going
        out while the privacy page said the organisation had relay contacts only."""
        resume.relay_preference = RelayPreference.DIRECT_WHEN_APPROVED
        resume.save()
        apply_with_resume(seeker=resume.seeker, job=job)
        assert reveal(client, resume, job).json()["contact"]["kind"] == "direct"

        assert revoke_direct_contact(seeker=resume.seeker, organization_id=job.organization_id)
        again = reveal(client, resume, job).json()

        assert again["contact"]["kind"] == "relay"
        assert "li.revealed@mail.example.test" not in str(again)
        assert "13912345678" not in str(again)
        assert Reveal.objects.order_by("-id").first().kind == RevealKind.RELAY

    def test_direct_preference_without_approval_or_application_still_gets_a_relay(self, client, job, resume):
        resume.relay_preference = RelayPreference.DIRECT_WHEN_APPROVED
        resume.save()

        assert reveal(client, resume, job).json()["contact"]["kind"] == "relay"


class TestRefusals:
    def assert_refused(self, response, status: int, code: str):
        assert response.status_code == status, response.content
        assert response.json()["code"] == code
        assert "contact" not in response.json()
        event = last_event()
        assert (event.action, event.outcome, event.code) == ("reveal.denied", "denied", code)
        assert not Reveal.objects.exists()

    def test_recruiter_inactive(self, client, seat, job, resume):
        seat.is_active = False
        seat.save()

        self.assert_refused(reveal(client, resume, job), 403, "recruiter_inactive")

    @pytest.mark.parametrize("status", [OrganizationStatus.PENDING, OrganizationStatus.REJECTED])
    def test_org_not_verified(self, resume, status):
        organization = OrganizationFactory(status=status)
        seat = SeatFactory(organization=organization)

        self.assert_refused(
            reveal(client_for(seat.user), resume, JobPostingFactory(organization=organization)), 403, "org_not_verified"
        )

    def test_lapsed_verification_is_not_verified(self, client, organization, job, resume):
        organization.reverify_due = timezone.now() - timedelta(seconds=1)
        organization.save()

        self.assert_refused(reveal(client, resume, job), 403, "org_not_verified")

    def test_org_suspended(self, client, organization, job, resume):
        organization.status = OrganizationStatus.SUSPENDED
        organization.save()

        self.assert_refused(reveal(client, resume, job), 403, "org_suspended")

    def test_job_of_another_organisation(self, client, resume):
        self.assert_refused(reveal(client, resume, JobPostingFactory()), 404, "job_invalid")

    def test_closed_job(self, client, job, resume):
        job.status = JobStatus.CLOSED
        job.save()

        self.assert_refused(reveal(client, resume, job), 404, "job_invalid")

    def test_missing_job(self, client, resume):
        self.assert_refused(reveal(client, resume, 999_999), 404, "job_invalid")

    @pytest.mark.parametrize("visibility", [Visibility.HIDDEN, Visibility.APPLIED_ONLY])
    def test_hidden_and_applied_only_without_application(self, client, job, visibility):
        self.assert_refused(reveal(client, ResumeFactory(visibility=visibility), job), 404, "resume_unavailable")

    # A NUL byte ("%00") cannot be stored in PostgreSQL text: the refusal's audit event failed with a 500.
    @pytest.mark.parametrize(
        "resume_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "a%00b", "%00", "{uuid}%00", "\u00e9" * 70]
    )
    def test_missing_resume(self, client, job, resume, resume_id):
        resume_id = resume_id.replace("{uuid}", str(resume.pk))
        self.assert_refused(reveal(client, resume_id, job), 404, "resume_unavailable")

    def test_deleted_seeker(self, client, job, resume):
        resume.seeker.is_active = False
        resume.seeker.save()

        self.assert_refused(reveal(client, resume, job), 404, "resume_unavailable")

    def test_blocked_by_seeker(self, client, organization, job, resume):
        BlockedOrganization.objects.create(resume=resume, organization=organization)

        self.assert_refused(reveal(client, resume, job), 403, "blocked_by_seeker")

    def test_revoked_relay_contact_blocks_further_reveals(self, client, job, resume):
        reveal(client, resume, job)
        Reveal.objects.all().delete()
        relay = resume.relay_contacts.get()
        relay.revoked_at = timezone.now()
        relay.save()

        self.assert_refused(reveal(client, resume, job), 403, "blocked_by_seeker")

    def test_missing_job_id_is_invalid_and_changes_nothing(self, client, resume):
        response = client.post(f"/api/v1/resumes/{resume.id}/reveal", {}, format="json")

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert "job_id" in response.json()["errors"]
        assert not AuditEvent.objects.filter(action__startswith="reveal").exists()

    def test_a_field_the_reveal_does_not_take_is_invalid_and_changes_nothing(self, client, job, resume):
        response = client.post(
            f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk, "kind": "direct"}, format="json"
        )

        assert response.status_code == 400
        assert response.json()["errors"] == {"kind": ["This field is not accepted here."]}
        assert not Reveal.objects.exists()
        assert not AuditEvent.objects.filter(action__startswith="reveal").exists()

    def test_anonymous_is_401(self, job, resume):
        assert reveal(client_for(None), resume, job).status_code == 401


class TestQuota:
    def test_recruiter_daily_limit(self, client, organization, job):
        organization.recruiter_daily_limit = 2
        organization.save()
        for _ in range(2):
            assert reveal(client, ResumeFactory(), job).status_code == 200

        response = reveal(client, ResumeFactory(), job)

        assert response.status_code == 429
        assert response.json()["code"] == "quota_exhausted"
        assert response.json()["limit"] == "recruiter_daily"
        assert last_event().details["limit"] == "recruiter_daily"
        # The refusal rolled back every counter it had taken: nothing above the limit anywhere.
        assert set(QuotaCounter.objects.values_list("used", flat=True)) == {2}

    def test_org_daily_limit_spans_recruiters(self, organization, job):
        organization.org_daily_limit = 3
        organization.save()
        clients = [client_for(SeatFactory(organization=organization).user) for _ in range(2)]
        statuses = [reveal(clients[index % 2], ResumeFactory(), job).status_code for index in range(3)]

        response = reveal(clients[1], ResumeFactory(), job)

        assert statuses == [200, 200, 200]
        assert (response.status_code, response.json()["limit"]) == (429, "org_daily")

    def test_org_monthly_limit(self, client, organization, job):
        organization.org_monthly_limit = 1
        organization.save()
        reveal(client, ResumeFactory(), job)

        assert reveal(client, ResumeFactory(), job).json()["limit"] == "org_monthly"

    def test_platform_ceiling_binds_whatever_the_plan(self, client, job, settings):
        settings.PLAN_QUOTAS = {
            **settings.PLAN_QUOTAS,
            "platform_ceiling": {"recruiter_daily": 300, "org_daily": 2, "org_monthly": 9300},
        }
        reveal(client, ResumeFactory(), job)
        reveal(client, ResumeFactory(), job)

        assert reveal(client, ResumeFactory(), job).json()["limit"] == "platform_ceiling"

    def test_days_are_counted_in_the_platform_time_zone(self, client, organization, job):
        organization.recruiter_daily_limit = 1
        organization.save()
        # 15:59 UTC is 23:59 in Shanghai; 16:01 UTC is already the next day there.
        with time_machine.travel("2026-11-29 15:59:00+00:00", tick=False):
            assert reveal(client, ResumeFactory(), job).status_code == 200
        with time_machine.travel("2026-11-29 16:01:00+00:00", tick=False):
            assert reveal(client, ResumeFactory(), job).status_code == 200
            assert reveal(client, ResumeFactory(), job).json()["limit"] == "recruiter_daily"

    def test_free_reveals_pass_even_when_the_quota_is_spent(self, client, organization, job):
        organization.recruiter_daily_limit = 1
        organization.save()
        first = ResumeFactory()
        reveal(client, first, job)
        applicant = ResumeFactory()
        ApplicationFactory(job=job, seeker=applicant.seeker)

        assert reveal(client, first, job).status_code == 200  # re-reveal
        assert reveal(client, applicant, job).status_code == 200  # applicant


class TestConsent:
    def test_on_request_asks_the_seeker_then_succeeds_after_approval(self, client, organization, job):
        resume = ResumeFactory(visibility=Visibility.ON_REQUEST)

        first = reveal(client, resume, job)
        again = reveal(client, resume, job)

        assert first.status_code == 202
        request = ContactRequest.objects.get()
        assert first.json() == {
            "code": "consent_required",
            "detail": first.json()["detail"],
            "contact_request_id": request.pk,
        }
        assert again.json()["contact_request_id"] == request.pk
        assert ContactRequest.objects.count() == 1
        assert (request.organization, request.job, request.status) == (organization, job, "pending")
        assert AuditEvent.objects.filter(action="contact_request.created").count() == 1
        assert Notification.objects.filter(user=resume.seeker, kind="contact_request").exists()
        listed = client.get("/api/v1/contact-requests").json()["results"]
        assert listed == [
            {
                "id": request.pk,
                "resume_id": str(resume.id),
                "job_id": job.pk,
                "status": "pending",
                "created_at": listed[0]["created_at"],
            }
        ]

        request.status = ContactRequestStatus.APPROVED
        request.decided_at = timezone.now()
        request.save()
        granted = reveal(client, resume, job)

        assert granted.status_code == 200
        assert granted.json()["charged"] is True

    def test_declined_request_is_not_sent_again_for_30_days(self, client, seat, job):
        resume = ResumeFactory(visibility=Visibility.ON_REQUEST)
        reveal(client, resume, job)
        request = ContactRequest.objects.get()
        request.status = ContactRequestStatus.DECLINED
        request.decided_at = timezone.now()
        request.save()

        response = reveal(client, resume, job)

        assert (response.status_code, response.json()["contact_request_id"]) == (202, request.pk)
        assert ContactRequest.objects.count() == 1
        with time_machine.travel(timezone.now() + timedelta(days=31)):
            # A fresh token: API tokens expire within hours.
            reveal(client_for(seat.user), resume, job)
        assert ContactRequest.objects.count() == 2

    def test_an_application_is_consent_for_that_job(self, client, job):
        resume = ResumeFactory(visibility=Visibility.ON_REQUEST)
        ApplicationFactory(job=job, seeker=resume.seeker)

        response = reveal(client, resume, job)

        assert response.status_code == 200
        assert response.json()["charged"] is False
        assert not ContactRequest.objects.exists()


class TestHistory:
    def test_reveals_lists_the_organisations_reveals_only(self, client, seat, job, resume):
        reveal(client, resume, job)
        other = SeatFactory(organization=VerifiedOrganizationFactory())
        reveal(client_for(other.user), ResumeFactory(), JobPostingFactory(organization=other.organization))

        results = client.get("/api/v1/reveals").json()["results"]

        assert len(results) == 1
        assert results[0] == {
            "id": Reveal.objects.get(organization=seat.organization).pk,
            "resume_id": str(resume.id),
            "recruiter_email": seat.user.decrypt_email(),
            "job_id": job.pk,
            "kind": "relay",
            "charged": True,
            "created_at": results[0]["created_at"],
        }
        assert "Li Revealed" not in str(results)


class TestFailClosed:
    def test_no_contact_without_its_audit_event(self, client, job, resume):
        from audit.models import AuditEvent as Event
        from tests.audit.tampering import delete_head

        # A chain whose head disagrees with its events: the append collides on seq and fails.
        reveal(client, ResumeFactory(), job)
        Reveal.objects.all().delete()
        QuotaCounter.objects.all().delete()
        delete_head()  # past the trigger that keeps the head in place
        events_before = Event.objects.count()
        client.raise_request_exception = False

        response = reveal(client, resume, job)

        assert response.status_code == 500
        assert response.json()["code"] == "server_error"
        assert "Li Revealed" not in response.content.decode()
        assert not Reveal.objects.exists()
        assert not QuotaCounter.objects.filter(used__gt=0).exists()
        assert Event.objects.count() == events_before


class TestCreditBack:
    def test_the_seeker_approving_a_request_returns_an_earlier_charged_unit_once(self, client, seat, job, resume):
        from resumes.services import approve_contact_request

        reveal(client, resume, job)  # charged while the resume was public
        resume.visibility = Visibility.ON_REQUEST
        resume.save()
        asked = reveal(client, resume, job)
        assert asked.status_code == 202

        approve_contact_request(seeker=resume.seeker, request_id=asked.json()["contact_request_id"])

        assert Reveal.objects.get().credited_back_at is not None
        assert set(QuotaCounter.objects.values_list("used", flat=True)) == {0}
        assert AuditEvent.objects.filter(action="reveal.credited_back").count() == 1
        # Approving again is impossible, and nothing is credited twice.
        granted = reveal(client, resume, job)
        assert granted.status_code == 200
        assert granted.json()["quota"]["org_daily"]["used"] == 0


def test_reveal_contact_is_reached_through_resumes_services():
    from resumes import services
    from resumes.services import reveal as reveal_module

    assert services.reveal_contact is reveal_module.reveal_contact


def test_the_organisations_history_outlives_the_seekers_account(client, job, resume):
    from resumes.services import delete_seeker_account

    granted = reveal(client, resume, job).json()
    resume_id = str(resume.id)

    delete_seeker_account(seeker=resume.seeker)

    history = client.get("/api/v1/reveals").json()["results"]
    assert [(item["id"], item["resume_id"]) for item in history] == [(granted["reveal_id"], resume_id)]
    assert reveal(client, resume_id, job).json()["code"] == "resume_unavailable"
