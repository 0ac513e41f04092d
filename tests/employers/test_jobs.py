"""Jobs and applications: CRUD within one organisation, cursor pages, seekers' visibility, masked applicants."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from employers import errors, selectors, services
from employers.models import Application, JobPosting
from tests.employers.conftest import client_for
from tests.employers.factories import (
    AdminSeatFactory,
    ApplicationFactory,
    JobPostingFactory,
    OrganizationFactory,
    SeatFactory,
    SeekerFactory,
    VerifiedOrganizationFactory,
)

pytestmark = pytest.mark.django_db
JOB = {"title": "Backend engineer", "description": "Django and PostgreSQL.", "city": "Hangzhou", "category": "design"}


@pytest.fixture
def seat():
    return SeatFactory(organization=VerifiedOrganizationFactory())


def test_create_then_read_a_job(seat):
    client = client_for(seat.user)

    created = client.post("/api/v1/jobs", JOB, format="json")

    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "open"
    assert {key: body[key] for key in JOB} == JOB
    job = JobPosting.objects.get(pk=body["id"])
    assert (job.organization, job.created_by) == (seat.organization, seat.user)
    assert client.get(f"/api/v1/jobs/{job.pk}").json() == body


def test_patch_changes_text_and_status_only(seat):
    job = JobPostingFactory(organization=seat.organization)
    client = client_for(seat.user)

    response = client.patch(f"/api/v1/jobs/{job.pk}", {"status": "closed", "city": "Chengdu"}, format="json")

    assert response.status_code == 200
    job.refresh_from_db()
    assert (job.status, job.city) == ("closed", "Chengdu")
    reopened = client.patch(f"/api/v1/jobs/{job.pk}", {"status": "open"}, format="json")
    assert reopened.json()["status"] == "open"


@pytest.mark.parametrize(
    "field",
    [
        {"organization": 999},
        {"status": "verified"},
        {"plan": "member"},
        {"uscc": "91110000802100433B"},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"id": 5},
    ],
)
def test_patch_refuses_fields_it_does_not_own_and_changes_nothing(seat, field):
    job = JobPostingFactory(organization=seat.organization)
    before = JobPosting.objects.filter(pk=job.pk).values().get()
    organization_before = type(seat.organization).objects.filter(pk=seat.organization_id).values().get()

    response = client_for(seat.user).patch(f"/api/v1/jobs/{job.pk}", {"title": "New", **field}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()) == {"code", "detail", "errors"}
    assert JobPosting.objects.filter(pk=job.pk).values().get() == before
    assert type(seat.organization).objects.filter(pk=seat.organization_id).values().get() == organization_before


@pytest.mark.parametrize(
    "body",
    [
        {**JOB, "category": "astrology"},
        {**JOB, "title": ""},
        {**JOB, "title": "x" * 201},
        {key: value for key, value in JOB.items() if key != "city"},
        {**JOB, "status": "closed"},
    ],
)
def test_bad_job_input_is_refused_with_code_and_detail(seat, body):
    response = client_for(seat.user).post("/api/v1/jobs", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"]
    assert not JobPosting.objects.exists()


def test_job_list_is_cursor_paginated_newest_first(seat):
    now = timezone.now()
    jobs = [
        JobPostingFactory(organization=seat.organization, created_at=now - timedelta(minutes=index))
        for index in range(25)
    ]
    JobPostingFactory()  # another organisation's
    client = client_for(seat.user)

    first = client.get("/api/v1/jobs").json()
    assert set(first) == {"next", "previous", "results"}
    assert first["previous"] is None
    assert [job["id"] for job in first["results"]] == [job.pk for job in jobs[:20]]
    second = client.get(first["next"]).json()
    assert [job["id"] for job in second["results"]] == [job.pk for job in jobs[20:]]
    assert second["next"] is None
    assert second["previous"]
    small = client.get("/api/v1/jobs", {"page_size": 5}).json()
    assert len(small["results"]) == 5


def test_a_pending_organization_may_draft_jobs_that_seekers_do_not_see():
    pending_seat = AdminSeatFactory(organization=OrganizationFactory())
    verified_job = JobPostingFactory(organization=VerifiedOrganizationFactory())
    JobPostingFactory(organization=VerifiedOrganizationFactory(), status="closed")
    for status in ("rejected", "suspended"):
        JobPostingFactory(organization=OrganizationFactory(status=status))

    response = client_for(pending_seat.user).post("/api/v1/jobs", JOB, format="json")

    assert response.status_code == 201
    assert list(selectors.list_open_jobs_for_seekers()) == [verified_job]
    assert list(selectors.list_open_jobs_for_seekers(category="design")) == []
    assert list(selectors.list_open_jobs_for_seekers(city=verified_job.city)) == [verified_job]


def test_applications_list_is_masked_and_never_names_the_applicant(seat):
    job = JobPostingFactory(organization=seat.organization)
    seekers = [
        SeekerFactory(full_name="Planted Applicant Zhang Wei", email="planted.applicant@example.test"),
        SeekerFactory(full_name="张伟测试", email="zhangwei.planted@example.test"),
    ]
    applications = [ApplicationFactory(job=job, seeker=seeker) for seeker in seekers]
    ApplicationFactory()  # to another organisation's job

    response = client_for(seat.user).get(f"/api/v1/jobs/{job.pk}/applications")

    assert response.status_code == 200
    results = response.json()["results"]
    assert {item["id"] for item in results} == {application.pk for application in applications}
    for item in results:
        assert set(item) == {"id", "resume_id", "applied_at"}
        assert item["resume_id"] is None
    text = response.content.decode()
    for planted in ("Planted Applicant", "planted.applicant", "张伟测试", "zhangwei.planted", "example.test"):
        assert planted not in text
    for seeker in seekers:
        assert str(seeker.pk) not in text


def test_apply_to_job_records_consent_once():
    job = JobPostingFactory()
    seeker = SeekerFactory()

    application = services.apply_to_job(seeker=seeker, job=job)

    assert Application.objects.get() == application
    event = AuditEvent.objects.get(action="application.created")
    assert (event.actor_id, event.organization_id, event.target_id, event.details) == (
        seeker.pk,
        job.organization_id,
        str(job.pk),
        {"application_id": application.pk},
    )
    with pytest.raises(errors.AlreadyApplied):
        services.apply_to_job(seeker=seeker, job=job)
    assert Application.objects.count() == 1


@pytest.mark.parametrize(
    "job_factory",
    [
        lambda: JobPostingFactory(status="closed"),
        lambda: JobPostingFactory(organization=OrganizationFactory()),
        lambda: JobPostingFactory(organization=OrganizationFactory(status="suspended")),
        lambda: JobPostingFactory(
            organization=VerifiedOrganizationFactory(reverify_due=timezone.now() - timedelta(seconds=1))
        ),
    ],
)
def test_seekers_cannot_apply_to_jobs_they_cannot_see(job_factory):
    with pytest.raises(errors.JobUnavailable):
        services.apply_to_job(seeker=SeekerFactory(), job=job_factory())
    assert not Application.objects.exists()


def test_only_seekers_apply(seat):
    with pytest.raises(errors.NotSeeker):
        services.apply_to_job(seeker=seat.user, job=JobPostingFactory())


def test_job_detail_and_list_queries_stay_flat(seat, django_assert_max_num_queries):
    for _ in range(10):
        JobPostingFactory(organization=seat.organization)
    client = client_for(seat.user)

    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/jobs").status_code == 200
