"""Parallel reveals on PostgreSQL: no interleaving spends more than a limit, and every attempt is audited."""

import threading
from collections import Counter

import pytest
import time_machine
from django.db import close_old_connections, connections

from audit import selectors as audit_selectors
from audit.models import AuditEvent
from config.errors import DomainError
from employers.models import QuotaCounter
from resumes.models import Reveal
from resumes.services import reveal_contact
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import ResumeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def reveal_in_parallel(attempts: list[tuple]) -> Counter:
    """Run reveal_contact(recruiter, resume, job) for every attempt at once, each in its own thread and connection."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(recruiter, resume, job):
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            try:
                reveal_contact(recruiter=recruiter, resume=resume, job=job)
                outcome = "granted"
            except DomainError as refusal:
                outcome = f"{refusal.code}:{refusal.fields.get('limit', '')}"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=args) for args in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == len(attempts), "a reveal thread did not finish"
    return Counter(outcomes)


def test_recruiter_daily_limit_holds_under_parallel_reveals():
    organization = VerifiedOrganizationFactory(recruiter_daily_limit=5)
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    resumes = [ResumeFactory() for _ in range(16)]

    outcomes = reveal_in_parallel([(seat.user, resume, job) for resume in resumes])

    assert outcomes == Counter({"granted": 5, "quota_exhausted:recruiter_daily": 11})
    assert Reveal.objects.filter(charged=True).count() == 5
    assert QuotaCounter.objects.get(limit_name="recruiter_daily").used == 5
    assert QuotaCounter.objects.get(limit_name="org_daily").used == 5
    assert AuditEvent.objects.filter(action="reveal.granted").count() == 5
    assert AuditEvent.objects.filter(action="reveal.denied", code="quota_exhausted").count() == 11
    assert audit_selectors.walk_chain().ok


def test_org_daily_limit_holds_across_recruiters():
    organization = VerifiedOrganizationFactory(org_daily_limit=6)
    seats = [SeatFactory(organization=organization) for _ in range(4)]
    job = JobPostingFactory(organization=organization)
    attempts = [(seats[index % 4].user, ResumeFactory(), job) for index in range(16)]

    outcomes = reveal_in_parallel(attempts)

    assert outcomes == Counter({"granted": 6, "quota_exhausted:org_daily": 10})
    assert QuotaCounter.objects.get(limit_name="org_daily").used == 6
    assert sum(QuotaCounter.objects.filter(limit_name="recruiter_daily").values_list("used", flat=True)) == 6
    assert AuditEvent.objects.filter(action__in=["reveal.granted", "reveal.denied"]).count() == 16
    assert audit_selectors.walk_chain().ok


def test_platform_ceiling_holds_across_recruiters(settings):
    settings.PLAN_QUOTAS = {
        **settings.PLAN_QUOTAS,
        "platform_ceiling": {"recruiter_daily": 300, "org_daily": 4, "org_monthly": 9300},
    }
    organization = VerifiedOrganizationFactory(plan="member")
    seats = [SeatFactory(organization=organization) for _ in range(3)]
    job = JobPostingFactory(organization=organization)
    attempts = [(seats[index % 3].user, ResumeFactory(), job) for index in range(12)]

    outcomes = reveal_in_parallel(attempts)

    assert outcomes == Counter({"granted": 4, "quota_exhausted:platform_ceiling": 8})
    assert Reveal.objects.count() == 4
    assert audit_selectors.walk_chain().ok


@pytest.mark.timeout(180)
def test_parallel_reveals_of_one_seeker_by_one_organisation_are_charged_once():
    organization = VerifiedOrganizationFactory()
    seats = [SeatFactory(organization=organization) for _ in range(2)]
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory()

    outcomes = reveal_in_parallel([(seats[index % 2].user, resume, job) for index in range(8)])

    assert outcomes == Counter({"granted": 8})
    assert list(Reveal.objects.values_list("charged", flat=True)).count(True) == 1
    assert QuotaCounter.objects.get(limit_name="org_daily").used == 1
    assert QuotaCounter.objects.get(limit_name="org_monthly").used == 1
    assert sum(QuotaCounter.objects.filter(limit_name="recruiter_daily").values_list("used", flat=True)) == 1
    granted = AuditEvent.objects.filter(action="reveal.granted")
    assert sorted(event.details["charged"] for event in granted) == [False] * 7 + [True]
    assert audit_selectors.walk_chain().ok


@pytest.mark.timeout(180)
@time_machine.travel("2026-11-18 04:00:00+00:00", tick=True)
def test_org_monthly_limit_holds_across_recruiters():
    # Daily limits far above the load, so only the month can bind; four recruiters share it.
    organization = VerifiedOrganizationFactory(recruiter_daily_limit=100, org_daily_limit=100, org_monthly_limit=5)
    seats = [SeatFactory(organization=organization) for _ in range(4)]
    job = JobPostingFactory(organization=organization)
    attempts = [(seats[index % 4].user, ResumeFactory(), job) for index in range(16)]

    outcomes = reveal_in_parallel(attempts)

    assert outcomes == Counter({"granted": 5, "quota_exhausted:org_monthly": 11})
    monthly = QuotaCounter.objects.get(limit_name="org_monthly", subject=f"organization:{organization.pk}")
    assert (monthly.period, monthly.used) == ("2026-11", 5)
    assert QuotaCounter.objects.get(limit_name="org_daily").used == 5
    assert sum(QuotaCounter.objects.filter(limit_name="recruiter_daily").values_list("used", flat=True)) == 5
    charged = Reveal.objects.filter(organization=organization, charged=True)
    assert charged.count() == Reveal.objects.count() == 5
    granted = AuditEvent.objects.filter(action="reveal.granted")
    assert sorted(event.details["reveal_id"] for event in granted) == sorted(charged.values_list("pk", flat=True))
    assert all(event.details["charged"] for event in granted)
    denied = AuditEvent.objects.filter(action="reveal.denied", code="quota_exhausted")
    assert denied.count() == 11
    assert audit_selectors.walk_chain().ok


@pytest.mark.timeout(180)
def test_with_prepared_statements_parallel_reveals_by_two_organisations_are_each_charged_once(monkeypatch):
    """As in production (CONN_MAX_AGE 60: the policy statement PREPAREd per session): each thread reveals for
    both organisations in turn on one session, so a value kept from another reveal would show here."""
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 60)
    organizations = [VerifiedOrganizationFactory(), VerifiedOrganizationFactory()]
    seats = [SeatFactory(organization=organization) for organization in organizations for _ in range(2)]
    jobs = {organization.pk: JobPostingFactory(organization=organization) for organization in organizations}
    resume = ResumeFactory()
    barrier = threading.Barrier(4)
    outcomes: list = []

    def reveal_for_both(first: int):
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            for seat in (seats[first], seats[(first + 2) % 4]):
                result = reveal_contact(recruiter=seat.user, resume=str(resume.pk), job=jobs[seat.organization_id].pk)
                outcomes.append((seat.organization_id, result.reveal.organization_id, result.charged))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reveal_for_both, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(outcomes) == 8
    assert all(asked == got for asked, got, _ in outcomes)
    for organization in organizations:
        charged = [charged for asked, _, charged in outcomes if asked == organization.pk]
        assert sorted(charged) == [False, False, False, True]
        assert QuotaCounter.objects.get(limit_name="org_daily", subject=f"organization:{organization.pk}").used == 1
    assert audit_selectors.walk_chain().ok
