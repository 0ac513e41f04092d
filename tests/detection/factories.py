"""Events for the detectors' tests, recorded through the real services at chosen moments."""

import datetime as dt
import random

import time_machine
from django.test import RequestFactory

from accounts.services import record_login_attempt
from audit.models import ActivityKind
from audit.services import record_activity, record_event
from employers.models import Plan
from resumes.reveal import REVEAL_DENIED, REVEAL_GRANTED, reveal_contact
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import ResumeFactory

# A Wednesday, 10:00 in Shanghai (the platform's zone): business hours.
PLATFORM_ZONE = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=PLATFORM_ZONE)


def organization_with_recruiters(count: int = 1, *, plan: str = Plan.STANDARD, **fields):
    """A verified organisation, `count` recruiters with seats in it, and one open software job in Shanghai."""
    with time_machine.travel(NOW - dt.timedelta(days=60), tick=False):
        organization = VerifiedOrganizationFactory(plan=plan, **fields)
        recruiters = [SeatFactory(organization=organization).user for _ in range(count)]
        job = JobPostingFactory(organization=organization)
    return organization, recruiters, job


def reveal(recruiter, job, at: dt.datetime, resume=None):
    """A real reveal through the reveal service at `at` (a new public resume unless one is given)."""
    resume = resume or ResumeFactory()
    with time_machine.travel(at, tick=False):
        return reveal_contact(recruiter=recruiter, resume=resume, job=job)


def reveal_event(recruiter, organization, at: dt.datetime, *, resume_id: str = "", charged: bool = True, job=None):
    """The audit event a granted reveal writes, without the reveal's other rows: for volume."""
    with time_machine.travel(at, tick=False):
        return record_event(
            action=REVEAL_GRANTED,
            actor=recruiter,
            organization=organization,
            target_type="resume",
            target_id=resume_id or f"00000000-0000-4000-8000-{random.randrange(16**12):012x}",
            job=job,
            outcome="granted",
            details={"reveal_id": 0, "kind": "relay", "charged": charged, "free_because": ""},
        )


def quota_denial(recruiter, organization, at: dt.datetime, *, limit: str = "org_daily"):
    with time_machine.travel(at, tick=False):
        return record_event(
            action=REVEAL_DENIED,
            actor=recruiter,
            organization=organization,
            target_type="resume",
            target_id="00000000-0000-4000-8000-000000000000",
            outcome="denied",
            code="quota_exhausted",
            details={"limit": limit},
        )


def credit_back_event(organization, at: dt.datetime):
    with time_machine.travel(at, tick=False):
        return record_event(
            action="reveal.credited_back",
            organization=organization,
            target_type="resume",
            target_id="00000000-0000-4000-8000-000000000001",
            outcome="credited",
            details={"reveal_id": 0, "reason": "seeker_replied"},
        )


def search(recruiter, organization, at: dt.datetime, *, result_count: int = 20, cursor: bool = False) -> None:
    with time_machine.travel(at, tick=False):
        record_activity(
            kind=ActivityKind.SEARCH,
            actor=recruiter,
            organization=organization,
            filters={"category": "software_engineering", "cursor": cursor},
            result_count=result_count,
        )


def view(recruiter, organization, at: dt.datetime, *, resume_id) -> None:
    with time_machine.travel(at, tick=False):
        record_activity(kind=ActivityKind.VIEW, actor=recruiter, organization=organization, resume_id=resume_id)


def login(user, at: dt.datetime, *, ip: str, device: str = ""):
    """A successful API login from `ip` (and device), as the auth signals record it."""
    request = RequestFactory().post("/api/v1/auth/login", REMOTE_ADDR=ip, HTTP_X_DEVICE_ID=device)
    with time_machine.travel(at, tick=False):
        return record_login_attempt(request=request, user=user, success=True)


def human_moments(start: dt.datetime, count: int, *, mean_gap_seconds: float, seed: int = 1) -> list[dt.datetime]:
    """`count` moments from `start` with exponential gaps around the mean: a person's irregular pace."""
    rng = random.Random(seed)
    moments, moment = [], start
    for _ in range(count):
        moment += dt.timedelta(seconds=max(20.0, rng.expovariate(1 / mean_gap_seconds)))
        moments.append(moment)
    return moments


def business_day(recruiter, organization, day: dt.datetime, *, reveals: int = 12, seed: int = 1, job=None) -> None:
    """A legitimate recruiter's day from 09:30 platform time: a search, a look, a reveal; a third of seekers reply."""
    start = day.astimezone(PLATFORM_ZONE).replace(hour=9, minute=30, second=0, microsecond=0)
    moments = human_moments(start, reveals, mean_gap_seconds=8 * 3600 / (reveals + 1), seed=seed)
    for index, moment in enumerate(moments):
        resume_id = f"00000000-0000-4000-8000-{random.Random(moment.timestamp()).randrange(16**12):012x}"
        search(recruiter, organization, moment - dt.timedelta(minutes=3))
        view(recruiter, organization, moment - dt.timedelta(minutes=2), resume_id=resume_id)
        reveal_event(recruiter, organization, moment, resume_id=resume_id, job=job)
        if index % 3 == 0:
            credit_back_event(organization, moment + dt.timedelta(minutes=40))
