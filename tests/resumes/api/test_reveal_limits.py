"""Quota refusals say when they free up, and contact requests are no unmetered way to reach seekers."""

from datetime import datetime, timedelta

import pytest
import time_machine

from audit.models import AuditEvent
from resumes.models import ContactRequest, Notification, Reveal, Visibility
from tests.employers.conftest import client_for
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db

# 22:30 on 30 April in Shanghai (UTC+8): the platform day ends at 16:00 UTC, the month with it.
NOW = "2026-04-30 14:30:00+00:00"
NEXT_DAY = "2026-04-30T16:00:00Z"
SECONDS_TO_NEXT_DAY = 90 * 60
# 22:30 on 14 April in Shanghai: the month ends on 30 April at 16:00 UTC.
MID_MONTH = "2026-04-14 14:30:00+00:00"
NEXT_MONTH = "2026-04-30T16:00:00Z"


def reveal(client, resume, job):
    return client.post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job.pk}, format="json")


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


def assert_quota_refusal(response, *, limit: str, resets_at: str, retry_after: int) -> None:
    assert response.status_code == 429, response.content
    body = response.json()
    assert body == {"code": "quota_exhausted", "detail": body["detail"], "limit": limit, "resets_at": resets_at}
    assert response["Retry-After"] == str(retry_after)
    event = last_event()
    assert (event.action, event.outcome, event.code) == ("reveal.denied", "denied", "quota_exhausted")
    assert event.details["limit"] == limit


class TestResetsAt:
    @time_machine.travel(NOW, tick=False)
    def test_a_daily_refusal_frees_up_at_the_platforms_midnight(self, client, organization, job):
        organization.recruiter_daily_limit = 1
        organization.save()
        granted = reveal(client, ResumeFactory(), job)

        refused = reveal(client, ResumeFactory(), job)

        assert granted.json()["quota"]["recruiter_daily"] == {
            "limit": 1,
            "used": 1,
            "remaining": 0,
            "resets_at": NEXT_DAY,
        }
        assert_quota_refusal(refused, limit="recruiter_daily", resets_at=NEXT_DAY, retry_after=SECONDS_TO_NEXT_DAY)

    @time_machine.travel(MID_MONTH, tick=False)
    def test_a_monthly_refusal_frees_up_on_the_first_of_next_month(self, client, organization, job):
        organization.org_monthly_limit = 1
        organization.save()
        granted = reveal(client, ResumeFactory(), job)

        refused = reveal(client, ResumeFactory(), job)

        assert granted.json()["quota"]["org_monthly"]["resets_at"] == NEXT_MONTH
        assert_quota_refusal(
            refused, limit="org_monthly", resets_at=NEXT_MONTH, retry_after=16 * 86400 + SECONDS_TO_NEXT_DAY
        )

    @time_machine.travel(MID_MONTH, tick=False)
    def test_the_ceiling_frees_up_with_the_period_it_caps(self, client, job, settings):
        settings.PLAN_QUOTAS = {
            **settings.PLAN_QUOTAS,
            "platform_ceiling": {"recruiter_daily": 300, "org_daily": 1, "org_monthly": 9300},
        }
        reveal(client, ResumeFactory(), job)

        refused = reveal(client, ResumeFactory(), job)

        assert_quota_refusal(
            refused, limit="platform_ceiling", resets_at="2026-04-14T16:00:00Z", retry_after=SECONDS_TO_NEXT_DAY
        )

    def test_organizations_me_gives_each_limit_its_reset(self, seat):
        # 23:59:30 on 31 December in Shanghai: the day, the month and the year end in 30 seconds.
        with time_machine.travel("2026-12-31 15:59:30+00:00", tick=False):
            quota = client_for(seat.user).get("/api/v1/organizations/me").json()["quota"]
        assert {name: limit["resets_at"] for name, limit in quota.items()} == {
            "recruiter_daily": "2026-12-31T16:00:00Z",
            "org_daily": "2026-12-31T16:00:00Z",
            "org_monthly": "2026-12-31T16:00:00Z",
        }

        # One minute later it is 1 January there: the next resets are a day and a month away.
        with time_machine.travel("2026-12-31 16:00:30+00:00", tick=False):
            quota = client_for(seat.user).get("/api/v1/organizations/me").json()["quota"]
        assert {name: limit["resets_at"] for name, limit in quota.items()} == {
            "recruiter_daily": "2027-01-01T16:00:00Z",
            "org_daily": "2027-01-01T16:00:00Z",
            "org_monthly": "2027-01-31T16:00:00Z",
        }


@pytest.fixture
def on_request():
    return ResumeFactory(visibility=Visibility.ON_REQUEST)


def assert_nothing_asked(resume) -> None:
    assert not ContactRequest.objects.filter(resume=resume).exists()
    assert not Notification.objects.filter(user=resume.seeker).exists()
    assert not AuditEvent.objects.filter(action="contact_request.created", target_id=str(resume.id)).exists()


class TestContactRequestsNeedHeadroom:
    @time_machine.travel(NOW, tick=False)
    def test_no_request_when_the_reveal_it_leads_to_could_not_be_paid(self, client, organization, job, on_request):
        organization.recruiter_daily_limit = 1
        organization.save()
        assert reveal(client, ResumeFactory(), job).status_code == 200

        refused = reveal(client, on_request, job)

        assert_quota_refusal(refused, limit="recruiter_daily", resets_at=NEXT_DAY, retry_after=SECONDS_TO_NEXT_DAY)
        assert_nothing_asked(on_request)
        assert Reveal.objects.count() == 1

    @time_machine.travel(MID_MONTH, tick=False)
    def test_every_limit_and_the_ceiling_count(self, client, organization, job, on_request, settings):
        organization.org_monthly_limit = 1
        organization.save()
        reveal(client, ResumeFactory(), job)

        assert reveal(client, on_request, job).json()["limit"] == "org_monthly"
        assert_nothing_asked(on_request)

        organization.org_monthly_limit = None
        organization.save()
        settings.PLAN_QUOTAS = {
            **settings.PLAN_QUOTAS,
            "platform_ceiling": {"recruiter_daily": 300, "org_daily": 1, "org_monthly": 9300},
        }
        assert reveal(client, on_request, job).json()["limit"] == "platform_ceiling"
        assert_nothing_asked(on_request)

    def test_headroom_is_checked_not_spent(self, client, organization, job, on_request):
        organization.recruiter_daily_limit = 1
        organization.save()

        asked = reveal(client, on_request, job)

        assert asked.status_code == 202
        assert client.get("/api/v1/organizations/me").json()["quota"]["recruiter_daily"]["used"] == 0
        assert reveal(client, ResumeFactory(), job).status_code == 200

    def test_a_pending_request_is_still_named_when_the_quota_is_spent(self, client, organization, job, on_request):
        first = reveal(client, on_request, job)
        organization.recruiter_daily_limit = 1
        organization.save()
        reveal(client, ResumeFactory(), job)

        again = reveal(client, on_request, job)

        assert (again.status_code, again.json()["contact_request_id"]) == (202, first.json()["contact_request_id"])
        assert ContactRequest.objects.count() == 1

    def test_a_request_leading_to_a_free_re_reveal_needs_no_headroom(self, client, organization, job):
        # given a charged reveal of a public seeker, who then asks to be asked first
        resume = ResumeFactory()
        reveal(client, resume, job)
        resume.visibility = Visibility.ON_REQUEST
        resume.save()
        organization.recruiter_daily_limit = 1
        organization.save()

        # then the request is sent: the reveal it leads to is free within the re-reveal window
        assert reveal(client, resume, job).status_code == 202
        assert ContactRequest.objects.filter(resume=resume).count() == 1


class TestContactRequestsPerDay:
    def test_an_organisation_sends_a_bounded_number_of_requests_a_day(self, organization, seat, job, settings):
        settings.CONTACT_REQUESTS_PER_ORG_DAILY = 2
        other_recruiter = client_for(SeatFactory(organization=organization).user)
        seekers = [ResumeFactory(visibility=Visibility.ON_REQUEST) for _ in range(4)]
        with time_machine.travel(NOW, tick=False):
            client = client_for(seat.user)
            asked = [reveal(client, seekers[0], job).status_code, reveal(other_recruiter, seekers[1], job).status_code]

            refused = reveal(client, seekers[2], job)

        assert asked == [202, 202]
        assert_quota_refusal(
            refused, limit="contact_requests_daily", resets_at=NEXT_DAY, retry_after=SECONDS_TO_NEXT_DAY
        )
        assert_nothing_asked(seekers[2])
        assert ContactRequest.objects.count() == 2
        # Another organisation has its own allowance.
        elsewhere = VerifiedOrganizationFactory()
        with time_machine.travel(NOW, tick=False):
            other_client = client_for(SeatFactory(organization=elsewhere).user)
            assert reveal(other_client, seekers[3], JobPostingFactory(organization=elsewhere)).status_code == 202
        # The next platform day, the organisation may ask again.
        with time_machine.travel(datetime.fromisoformat(NOW) + timedelta(hours=2), tick=False):
            assert reveal(client_for(seat.user), seekers[2], job).status_code == 202
