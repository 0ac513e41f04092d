"""The reveal's policy statement, compiled once per process, reads the same facts as the ORM building it each time.

Given one database holding every policy branch (seat or none, open, closed and foreign jobs, hidden,
applied-only, on-request, blocked, revoked, direct-grant, recently and long-ago charged resumes),
every (recruiter, resume, job, since) combination is read both ways in a row, in one process: a
parameter slot that kept an earlier call's value, or a value frozen into the statement, would make
some later combination differ.
"""

import datetime as dt
import itertools
import uuid

import pytest
from django.db import connection, transaction
from django.utils import timezone

from employers.models import JobStatus
from resumes.models import ContactRequestStatus, DirectContactGrant, RelayPreference, Visibility
from resumes.services.reveal import POLICY_STATEMENT, RECENT_CHARGED_REVEAL, _policy_queryset, _recent_charged_reveals
from tests.employers.conftest import client_for
from tests.employers.factories import (
    ApplicationFactory,
    JobPostingFactory,
    RecruiterFactory,
    SeatFactory,
    SeekerFactory,
    VerifiedOrganizationFactory,
)
from tests.resumes.factories import (
    BlockedOrganizationFactory,
    ContactRequestFactory,
    RelayContactFactory,
    ResumeFactory,
    RevealFactory,
)

pytestmark = pytest.mark.django_db

ANNOTATIONS = (
    "seat_json",
    "job_json",
    "relay_json",
    "blocked_by_seeker",
    "applied_to_this_job",
    "approved",
    "direct_granted",
    "recently_charged",
)


def facts(resume) -> dict | None:
    """Everything `_decide` can read from the statement's row: the resume's fields, its seeker, the annotations."""
    if resume is None:
        return None
    fields = {field.attname: getattr(resume, field.attname) for field in type(resume)._meta.concrete_fields}
    seeker = {field.attname: getattr(resume.seeker, field.attname) for field in type(resume.seeker)._meta.fields}
    return {"fields": fields, "seeker": seeker, **{name: getattr(resume, name) for name in ANNOTATIONS}}


@pytest.fixture
def world():
    """Two verified organisations A and B with a recruiter and an open job each, and resumes on every branch."""
    org_a, org_b = VerifiedOrganizationFactory(), VerifiedOrganizationFactory()
    seat_a, seat_b = SeatFactory(organization=org_a), SeatFactory(organization=org_b)
    job_a, job_b = JobPostingFactory(organization=org_a), JobPostingFactory(organization=org_b)
    closed_a = JobPostingFactory(organization=org_a, status=JobStatus.CLOSED)
    long_ago = timezone.now() - dt.timedelta(days=90)

    public = ResumeFactory()
    hidden = ResumeFactory(visibility=Visibility.HIDDEN)
    applied_only = ResumeFactory(visibility=Visibility.APPLIED_ONLY)
    ApplicationFactory(job=job_a, seeker=applied_only.seeker)
    on_request = ResumeFactory(visibility=Visibility.ON_REQUEST)
    ContactRequestFactory(resume=on_request, job=job_a, status=ContactRequestStatus.APPROVED)
    ContactRequestFactory(resume=on_request, job=job_b, status=ContactRequestStatus.PENDING)
    blocked_by_b = ResumeFactory()
    BlockedOrganizationFactory(resume=blocked_by_b, organization=org_b)
    revoked_for_b = ResumeFactory()
    RelayContactFactory(resume=revoked_for_b, organization=org_b, revoked_at=timezone.now())
    direct_for_a = ResumeFactory(relay_preference=RelayPreference.DIRECT_WHEN_APPROVED)
    DirectContactGrant.objects.create(resume=direct_for_a, organization=org_a)
    charged_by_a = ResumeFactory()
    RevealFactory(resume=charged_by_a, job=job_a, recruiter=seat_a.user)
    charged_long_ago_by_b = ResumeFactory()
    RevealFactory(resume=charged_long_ago_by_b, job=job_b, recruiter=seat_b.user, created_at=long_ago)
    gone = ResumeFactory(seeker=SeekerFactory(is_active=False))
    applicant_of_b = ResumeFactory()
    ApplicationFactory(job=job_b, seeker=applicant_of_b.seeker)

    recruiters = [seat_a.user, seat_b.user, RecruiterFactory()]  # the last has no seat
    resumes = [
        public,
        hidden,
        applied_only,
        on_request,
        blocked_by_b,
        revoked_for_b,
        direct_for_a,
        charged_by_a,
        charged_long_ago_by_b,
        gone,
        applicant_of_b,
    ]
    jobs = [job_a.pk, job_b.pk, closed_a.pk, None]
    return recruiters, resumes, jobs


@pytest.fixture(params=["per-request sessions", "persistent sessions"])
def sessions(request, monkeypatch):
    """Both ways the statement runs: sent whole, or (PostgreSQL, persistent connections) prepared once per session."""
    if request.param == "persistent sessions":
        if connection.vendor != "postgresql":
            pytest.skip("only PostgreSQL prepares the statement")
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    return request.param


def test_the_compiled_statement_reads_what_the_orm_reads_on_every_branch(world, sessions):
    recruiters, resumes, jobs = world
    now = timezone.now()
    sinces = [now - dt.timedelta(days=30), now - dt.timedelta(days=365)]
    seen = []
    for recruiter, resume, job_id, since in itertools.product(recruiters, resumes, jobs, sinces):
        values = {"recruiter_id": recruiter.pk, "resume_id": resume.pk, "job_id": job_id, "since": since}

        compiled = POLICY_STATEMENT.first(using=connection.alias, **values)
        built = _policy_queryset(**values).first()

        assert facts(compiled) == facts(built), values
        seen.append(facts(compiled))
    # The combinations reach every branch the decision has (so the comparison above is not of Nones).
    found = [row for row in seen if row is not None]
    assert any(row["seat_json"] is None for row in found)  # no seat
    assert {row["job_json"] is None for row in found} == {True, False}
    for flag in ANNOTATIONS[3:]:
        assert {row[flag] for row in found} == {True, False}, flag
    assert any(row["relay_json"] is not None and row["relay_json"]["revoked_at"] for row in found)
    assert len(found) < len(seen)  # hidden, inactive and applied-only resumes are not there for some


def test_an_unknown_resume_or_recruiter_finds_nothing(world, sessions):
    recruiters, resumes, jobs = world
    since = timezone.now()

    assert (
        POLICY_STATEMENT.first(recruiter_id=recruiters[0].pk, resume_id=uuid.uuid4(), job_id=jobs[0], since=since)
        is None
    )
    assert (
        POLICY_STATEMENT.first(
            recruiter_id=uuid.uuid4(), resume_id=resumes[0].pk, job_id=jobs[0], since=since
        ).seat_json
        is None
    )


def test_reveals_in_a_row_by_different_recruiters_each_see_their_own_organisation(world, sessions):
    """One process, one compiled statement: each reveal's recruiter, resume and job, never the previous one's."""
    (recruiter_a, recruiter_b, _), resumes, (job_a, job_b, *_) = world
    public, blocked_by_b, direct_for_a = resumes[0], resumes[4], resumes[6]
    client_a, client_b = client_for(recruiter_a), client_for(recruiter_b)

    def reveal(client, resume, job_id):
        return client.post(f"/api/v1/resumes/{resume.pk}/reveal", {"job_id": job_id}, format="json")

    first = reveal(client_a, blocked_by_b, job_a)
    assert first.status_code == 200 and first.json()["charged"] is True  # B's block is not A's
    refused = reveal(client_b, blocked_by_b, job_b)
    assert (refused.status_code, refused.json()["code"]) == (403, "blocked_by_seeker")
    foreign_job = reveal(client_a, public, job_b)
    assert (foreign_job.status_code, foreign_job.json()["code"]) == (404, "job_invalid")
    granted_b = reveal(client_b, public, job_b)
    assert granted_b.status_code == 200 and granted_b.json()["charged"] is True
    again_a = reveal(client_a, blocked_by_b, job_a)
    assert again_a.json()["charged"] is False  # A's own recent reveal, read with A's values
    direct_a = reveal(client_a, direct_for_a, job_a)
    assert direct_a.json()["contact"]["kind"] == "direct"  # the seeker's grant to A
    new_for_b = reveal(client_b, direct_for_a, job_b)
    assert new_for_b.json()["charged"] is True  # A's direct grant and reveals are not B's
    assert new_for_b.json()["contact"]["kind"] == "relay"
    assert granted_b.json()["quota"]["org_daily"]["used"] == 1  # B's own counters
    assert new_for_b.json()["quota"]["org_daily"]["used"] == 2


def test_the_compiled_recent_charge_finds_what_the_orm_finds(world):
    """What quota.take reads again in the statement that takes (re-reveals within the window are free)."""
    (recruiter_a, recruiter_b, _), resumes, _ = world
    organizations = [recruiter_a.seat.organization_id, recruiter_b.seat.organization_id]
    now = timezone.now()
    found = []
    for resume, organization_id, since in itertools.product(
        resumes, organizations, [now - dt.timedelta(days=30), now - dt.timedelta(days=365)]
    ):
        values = {"resume_id": resume.pk, "organization_id": organization_id, "since": since}

        compiled = RECENT_CHARGED_REVEAL.bind(using=connection.alias, **values).exists()

        assert compiled == _recent_charged_reveals(resume=resume.pk, organization=organization_id, since=since).exists()
        found.append(compiled)
    assert set(found) == {True, False}


def test_the_statement_reads_no_photo_and_no_contact_a_reveal_does_not_hand_out():
    """A reveal hands out a name and a phone and email (relay or real): nothing else of the seeker is read.

    A photo is tens of kilobytes of ciphertext, read and decoded on every reveal if the statement selected it.
    """
    with transaction.atomic():
        sql = POLICY_STATEMENT.compiled(using=connection.alias).sql

    for column in (
        "photo_ciphertext",
        "birth_date_ciphertext",
        "address_ciphertext",
        "name_index",
        '"resumes_resume"."summary"',
        '"accounts_user"."password"',
        '"accounts_user"."email_ciphertext"',
    ):
        assert column not in sql
    for column in ("full_name_ciphertext", "phone_ciphertext", "email_ciphertext", "visibility", "relay_preference"):
        assert f'"resumes_resume"."{column}"' in sql
