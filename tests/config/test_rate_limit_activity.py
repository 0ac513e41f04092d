"""Requests refused by an HTTP rate limit leave a row in the activity log: who, where, which limit; never the body."""

import pytest

from audit import selectors as audit_selectors
from audit.models import ActivityEvent
from tests.employers.conftest import client_for
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.factories import UserFactory
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seat():
    return SeatFactory(organization=VerifiedOrganizationFactory())


def only_limited_row() -> ActivityEvent:
    return ActivityEvent.objects.get(kind="rate_limited")


def test_a_rate_limited_reveal_is_recorded_with_actor_organisation_and_route(seat, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "reveal_per_user": "1/m"}
    client = client_for(seat.user)
    job = JobPostingFactory(organization=seat.organization)
    resume = ResumeFactory()
    url = f"/api/v1/resumes/{resume.id}/reveal"
    client.post(url, {"job_id": job.pk}, format="json", REMOTE_ADDR="203.0.113.7")

    refused = client.post(url, {"job_id": job.pk}, format="json", REMOTE_ADDR="203.0.113.7")

    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    row = only_limited_row()
    assert (row.actor_id, row.organization_id, row.route, row.filters, row.ip) == (
        seat.user.pk,
        seat.organization_id,
        "resume-reveal",
        {"limit": "reveal_per_user"},
        "203.0.113.7",
    )
    assert (row.resume_id, row.result_count) == (None, None)


def test_the_query_string_of_a_rate_limited_search_is_never_recorded(seat, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "search_per_ip": "1/m"}
    client = client_for(seat.user)
    client.get("/api/v1/resumes", {"q": "first"})

    refused = client.get("/api/v1/resumes", {"q": "planted-secret-query", "city": "Chengdu"})

    assert refused.status_code == 429
    row = only_limited_row()
    assert (row.route, row.filters) == ("resume-search", {"limit": "search_per_ip"})
    stored = str(ActivityEvent.objects.filter(kind="rate_limited").values().get())
    assert "planted-secret-query" not in stored and "Chengdu" not in stored
    # The one search that went through is logged as a search, as before.
    assert ActivityEvent.objects.filter(kind="search").count() == 1


def test_an_anonymous_rate_limited_login_is_recorded_without_an_actor(api_client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "login_per_email": "1/m"}
    body = {"email": "someone@example.test", "password": "planted-password-9"}
    api_client.post("/api/v1/auth/login", body, format="json", REMOTE_ADDR="198.51.100.4")

    refused = api_client.post("/api/v1/auth/login", body, format="json", REMOTE_ADDR="198.51.100.4")

    assert refused.status_code == 429
    row = only_limited_row()
    assert (row.actor_id, row.organization_id, row.route, row.ip) == (None, None, "auth-login", "198.51.100.4")
    stored = str(ActivityEvent.objects.filter(kind="rate_limited").values().get())
    assert "someone@example.test" not in stored and "planted-password-9" not in stored


def test_a_recruiter_without_a_seat_is_recorded_without_an_organisation(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "organization_register_per_user": "1/h"}
    recruiter = UserFactory(role="recruiter")
    client = client_for(recruiter)
    body = {"legal_name": "Example Ltd", "uscc": "bad", "city": "Shenzhen"}
    client.post("/api/v1/organizations", body, format="json")

    refused = client.post("/api/v1/organizations", body, format="json")

    assert refused.status_code == 429
    row = only_limited_row()
    assert (row.actor_id, row.organization_id, row.route) == (recruiter.pk, None, "organizations-register")


def test_requests_within_the_limit_leave_no_rate_limited_row(seat):
    client_for(seat.user).get("/api/v1/resumes")

    assert not ActivityEvent.objects.filter(kind="rate_limited").exists()


def test_the_detectors_read_rate_limited_rows_apart_from_searches_and_views(seat, settings):
    # The detectors fold activity rows into searches and views: a refusal is neither.
    settings.RATELIMITS = {**settings.RATELIMITS, "search_per_user": "1/m"}
    client = client_for(seat.user)
    client.get("/api/v1/resumes")
    client.get("/api/v1/resumes")

    read = audit_selectors.activity_events_since(after_id=0, limit=10)

    assert [event["kind"] for event in read] == ["search"]
    assert ActivityEvent.objects.filter(kind="rate_limited").count() == 1


def test_only_a_rate_limited_row_may_lack_an_actor():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityEvent.objects.create(kind="search", actor_id=None, organization_id=None)
