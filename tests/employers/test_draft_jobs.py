"""An unverified organisation's jobs are drafts: its own to see, no seeker's, no reveal's, until verification."""

import pytest

from audit.models import AuditEvent
from employers import selectors, services
from employers.models import JobPosting
from tests.employers.conftest import client_for
from tests.employers.factories import (
    BusinessLicenceFactory,
    JobPostingFactory,
    OrganizationFactory,
    SeatFactory,
    VerifiedOrganizationFactory,
)
from tests.factories import UserFactory
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db
JOB = {"title": "Backend engineer", "description": "Django and PostgreSQL.", "city": "Hangzhou", "category": "design"}


@pytest.fixture
def pending_seat():
    return SeatFactory(organization=OrganizationFactory())


@pytest.mark.parametrize("status", ["pending", "rejected", "suspended"])
def test_an_unverified_organisation_posts_drafts_it_alone_sees(status):
    seat = SeatFactory(organization=OrganizationFactory(status=status))
    client = client_for(seat.user)

    created = client.post("/api/v1/jobs", JOB, format="json")

    assert (created.status_code, created.json()["status"]) == (201, "draft")
    assert [job["status"] for job in client.get("/api/v1/jobs").json()["results"]] == ["draft"]
    assert client.get(f"/api/v1/jobs/{created.json()['id']}").json()["status"] == "draft"
    assert not selectors.list_open_jobs_for_seekers().exists()


def test_a_verified_organisation_posts_open_jobs():
    seat = SeatFactory(organization=VerifiedOrganizationFactory())

    created = client_for(seat.user).post("/api/v1/jobs", JOB, format="json")

    assert created.json()["status"] == "open"
    assert list(selectors.list_open_jobs_for_seekers()) == [JobPosting.objects.get()]


def test_a_draft_cannot_be_opened_before_verification(pending_seat):
    job = services.create_job(seat=pending_seat, **JOB)
    client = client_for(pending_seat.user)

    refused = client.patch(f"/api/v1/jobs/{job.pk}", {"status": "open", "title": "Changed"}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {"code": "org_not_verified", "detail": refused.json()["detail"]}
    assert "draft" in refused.json()["detail"]
    job.refresh_from_db()
    assert (job.status, job.title) == ("draft", JOB["title"])
    # It may still be edited or closed; a closed job does not reopen either.
    assert client.patch(f"/api/v1/jobs/{job.pk}", {"title": "Changed"}, format="json").json()["status"] == "draft"
    assert client.patch(f"/api/v1/jobs/{job.pk}", {"status": "closed"}, format="json").json()["status"] == "closed"
    assert client.patch(f"/api/v1/jobs/{job.pk}", {"status": "open"}, format="json").json()["code"] == (
        "org_not_verified"
    )


def test_a_suspended_organisations_closed_job_is_refused_as_suspended_not_as_awaiting_verification():
    """It was told its drafts "open by themselves when an operator verifies it", which a suspension never does."""
    seat = SeatFactory(organization=OrganizationFactory(status="suspended"))
    job = JobPostingFactory(organization=seat.organization, status="closed")

    refused = client_for(seat.user).patch(f"/api/v1/jobs/{job.pk}", {"status": "open"}, format="json")

    assert refused.status_code == 400
    assert refused.json()["code"] == "org_suspended"
    assert "verifies" not in refused.json()["detail"]
    job.refresh_from_db()
    assert job.status == "closed"


def test_recruiters_cannot_set_draft():
    job = JobPostingFactory(organization=VerifiedOrganizationFactory())
    seat = SeatFactory(organization=job.organization)

    response = client_for(seat.user).patch(f"/api/v1/jobs/{job.pk}", {"status": "draft"}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "status" in response.json()["errors"]
    job.refresh_from_db()
    assert job.status == "open"


def test_a_draft_cannot_be_cited_for_a_reveal():
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    draft = JobPostingFactory(organization=organization, status="draft")

    response = client_for(seat.user).post(
        f"/api/v1/resumes/{ResumeFactory().id}/reveal", {"job_id": draft.pk}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (404, "job_invalid")


def test_verification_opens_the_drafts_and_says_so_in_its_audit_event(pending_seat):
    organization = pending_seat.organization
    drafts = [services.create_job(seat=pending_seat, **JOB) for _ in range(2)]
    closed = services.create_job(seat=pending_seat, **JOB)
    services.update_job(job=closed, status="closed")
    operator = UserFactory(role="operator", is_staff=True)
    BusinessLicenceFactory(organization=organization)

    services.verify_organization(organization=organization, by=operator, reason="Licence matches.")

    statuses = dict(JobPosting.objects.values_list("pk", "status"))
    assert statuses == {drafts[0].pk: "open", drafts[1].pk: "open", closed.pk: "closed"}
    assert set(selectors.list_open_jobs_for_seekers()) == set(drafts)
    event = AuditEvent.objects.get(action="organization.verified")
    assert event.details == {"from": "pending", "to": "verified", "reason": "Licence matches.", "jobs_opened": 2}
    client = client_for(pending_seat.user)
    assert client.post("/api/v1/jobs", JOB, format="json").json()["status"] == "open"


def test_rejection_leaves_drafts_as_drafts(pending_seat):
    job = services.create_job(seat=pending_seat, **JOB)
    operator = UserFactory(role="operator", is_staff=True)

    services.reject_organization(organization=pending_seat.organization, by=operator, reason="Forged licence.")

    job.refresh_from_db()
    assert job.status == "draft"
