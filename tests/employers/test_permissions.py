"""The permission matrix: two organisations x (admin, recruiter, inactive, seeker, anonymous) x every endpoint.

Nobody ever gets a 2xx on another organisation's objects; those answer 404 exactly like missing ones.
"""

import io
from dataclasses import dataclass

import pytest

from employers.models import Invitation, JobPosting, Organization, Seat
from tests.employers.conftest import client_for
from tests.employers.factories import (
    AdminSeatFactory,
    ApplicationFactory,
    JobPostingFactory,
    RecruiterFactory,
    SeatFactory,
    SeekerFactory,
    VerifiedOrganizationFactory,
    uscc_for,
)

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

ACTORS = ("admin", "recruiter", "inactive", "seeker", "anonymous")
SIDES = ("a", "b")


@dataclass
class World:
    organizations: dict
    jobs: dict
    users: dict  # (side, actor) -> user or None


@pytest.fixture
def world() -> World:
    organizations = {side: VerifiedOrganizationFactory(legal_name=f"Org {side}") for side in SIDES}
    users = {}
    for side in SIDES:
        organization = organizations[side]
        users[side, "admin"] = AdminSeatFactory(organization=organization).user
        users[side, "recruiter"] = SeatFactory(organization=organization).user
        users[side, "inactive"] = SeatFactory(organization=organization, is_active=False).user
        users[side, "seeker"] = SeekerFactory()
        users[side, "anonymous"] = None
    jobs = {side: JobPostingFactory(organization=organizations[side], title=f"Job of {side}") for side in SIDES}
    for side in SIDES:
        ApplicationFactory(job=jobs[side])
    return World(organizations=organizations, jobs=jobs, users=users)


def call(client, endpoint: str, job_id: int, counter: list[int]):
    counter[0] += 1
    n = counter[0]
    if endpoint == "register":
        body = {"legal_name": f"New {n}", "uscc": uscc_for(900_000 + n), "city": "Beijing"}
        return client.post("/api/v1/organizations", body, format="json")
    if endpoint == "me":
        return client.get("/api/v1/organizations/me")
    if endpoint == "licence":
        upload = io.BytesIO(PNG)
        upload.name = "licence.png"
        return client.post("/api/v1/organizations/me/licence", {"file": upload}, format="multipart")
    if endpoint == "invite":
        return client.post(
            "/api/v1/organizations/me/recruiters",
            {"email": f"newcomer{n}@example.test", "role": "recruiter"},
            format="json",
        )
    if endpoint == "jobs_list":
        return client.get("/api/v1/jobs")
    if endpoint == "jobs_create":
        body = {"title": f"Job {n}", "description": "d", "city": "Beijing", "category": "sales"}
        return client.post("/api/v1/jobs", body, format="json")
    if endpoint == "job_get":
        return client.get(f"/api/v1/jobs/{job_id}")
    if endpoint == "job_patch":
        return client.patch(f"/api/v1/jobs/{job_id}", {"title": "Changed", "status": "closed"}, format="json")
    if endpoint == "applications":
        return client.get(f"/api/v1/jobs/{job_id}/applications")
    raise AssertionError(endpoint)


ORG_ENDPOINTS = ("register", "me", "licence", "invite", "jobs_list", "jobs_create")
JOB_ENDPOINTS = ("job_get", "job_patch", "applications")

# Expected (status, code) for an actor on its own organisation; code None means success.
OWN = {
    "admin": {
        "register": (400, "already_in_organization"),
        "me": (200, None),
        "licence": (201, None),
        "invite": (202, None),
        "jobs_list": (200, None),
        "jobs_create": (201, None),
        "job_get": (200, None),
        "job_patch": (200, None),
        "applications": (200, None),
    },
    "recruiter": {
        "register": (400, "already_in_organization"),
        "me": (200, None),
        "licence": (403, "not_org_admin"),
        "invite": (403, "not_org_admin"),
        "jobs_list": (200, None),
        "jobs_create": (201, None),
        "job_get": (200, None),
        "job_patch": (200, None),
        "applications": (200, None),
    },
    "inactive": dict.fromkeys(ORG_ENDPOINTS + JOB_ENDPOINTS, (403, "recruiter_inactive")),
    "seeker": dict.fromkeys(ORG_ENDPOINTS + JOB_ENDPOINTS, (403, "not_recruiter")),
    "anonymous": dict.fromkeys(ORG_ENDPOINTS + JOB_ENDPOINTS, (401, "not_authenticated")),
}


def expected_on_other_job(actor: str) -> tuple[int, str]:
    if actor in ("admin", "recruiter"):
        return 404, "not_found"
    return OWN[actor]["job_get"]


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("actor", ACTORS)
def test_permission_matrix(world, side, actor):
    other = "b" if side == "a" else "a"
    user = world.users[side, actor]
    counter = [0]
    other_job = world.jobs[other]
    other_job_before = JobPosting.objects.filter(pk=other_job.pk).values().get()
    other_seats_before = set(
        Seat.objects.filter(organization=world.organizations[other]).values_list("pk", "is_active")
    )

    for endpoint in ORG_ENDPOINTS + JOB_ENDPOINTS:
        client = client_for(user)
        response = call(client, endpoint, world.jobs[side].pk, counter)
        status, code = OWN[actor][endpoint]
        assert response.status_code == status, (endpoint, response.json())
        body = response.json()
        if code is not None:
            assert body["code"] == code, endpoint
            assert set(body) >= {"code", "detail"}
        elif endpoint == "me":
            assert body["id"] == world.organizations[side].pk
        elif endpoint == "jobs_list":
            ids = {job["id"] for job in body["results"]}
            assert world.jobs[side].pk in ids
            assert other_job.pk not in ids
            assert set(JobPosting.objects.filter(pk__in=ids).values_list("organization", flat=True)) == {
                world.organizations[side].pk
            }
        elif endpoint == "jobs_create":
            assert JobPosting.objects.get(pk=body["id"]).organization == world.organizations[side]
        elif endpoint == "invite":
            assert Invitation.objects.get(pk=body["invitation_id"]).organization == world.organizations[side]

    for endpoint in JOB_ENDPOINTS:
        response = call(client_for(user), endpoint, other_job.pk, counter)
        status, code = expected_on_other_job(actor)
        assert response.status_code == status, (endpoint, response.json())
        assert not 200 <= response.status_code < 300
        assert response.json()["code"] == code
        assert "Job of" not in response.content.decode()

    assert JobPosting.objects.filter(pk=other_job.pk).values().get() == other_job_before
    assert Organization.objects.get(pk=world.organizations[other].pk).licences.count() == 0
    assert (
        set(Seat.objects.filter(organization=world.organizations[other]).values_list("pk", "is_active"))
        == other_seats_before
    )
    assert JobPosting.objects.filter(organization=world.organizations[other]).count() == 1


def test_a_recruiter_without_a_seat_sees_no_organization(world):
    client = client_for(RecruiterFactory())
    counter = [0]

    for endpoint in ("me", "licence", "invite", "jobs_list", "jobs_create"):
        response = call(client, endpoint, 0, counter)
        assert (response.status_code, response.json()["code"]) == (404, "no_organization"), endpoint
    for endpoint in JOB_ENDPOINTS:
        response = call(client, endpoint, world.jobs["a"].pk, counter)
        assert (response.status_code, response.json()["code"]) == (404, "no_organization"), endpoint


def test_a_missing_job_answers_like_another_organizations_job(world):
    client = client_for(world.users["a", "admin"])
    missing = client.get("/api/v1/jobs/99999999")
    foreign = client.get(f"/api/v1/jobs/{world.jobs['b'].pk}")

    out_of_range = client.get("/api/v1/jobs/99999999999999999999999")

    assert missing.status_code == foreign.status_code == out_of_range.status_code == 404
    assert missing.json() == foreign.json() == out_of_range.json() == {"code": "not_found", "detail": "Not found."}


def test_organization_endpoints_have_no_write_methods(world):
    client = client_for(world.users["a", "admin"])

    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(
            "/api/v1/organizations/me", {"status": "verified", "plan": "member", "uscc": uscc_for(7)}, format="json"
        )
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"
    organization = Organization.objects.get(pk=world.organizations["a"].pk)
    assert (organization.plan, organization.uscc) == ("standard", world.organizations["a"].uscc)
