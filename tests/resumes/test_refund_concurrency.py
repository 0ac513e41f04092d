"""Parallel credit-back on PostgreSQL: each charged reveal is refunded at most once, its counters given back once."""

import threading

import pytest
import time_machine
from django.db import close_old_connections, connections

from audit import selectors as audit_selectors
from audit.models import AuditEvent
from employers.models import QuotaCounter
from resumes.models import Reveal
from resumes.services import reveal_contact
from resumes.services.refunds import credit_back
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import ResumeFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(180),
]


@pytest.fixture(autouse=True)
def platform_day():
    # One platform day and month for every counter, whatever the real clock says (ticking: threads wait on it).
    with time_machine.travel("2026-11-18 04:00:00+00:00", tick=True):
        yield


def credit_back_in_parallel(attempts: list[tuple]) -> list[int | None]:
    """Run credit_back(resume, organization) for every attempt at once; the credited reveal ids (None: nothing)."""
    barrier = threading.Barrier(len(attempts))
    credited: list[int | None] = []
    lock = threading.Lock()

    def attempt(resume, organization):
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            reveal = credit_back(resume=resume, organization=organization, reason="seeker_replied")
            with lock:
                credited.append(reveal.pk if reveal is not None else None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=args) for args in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(credited) == len(attempts), "a credit-back thread did not finish"
    return credited


def used(organization, seats) -> dict[str, int]:
    """What the organisation's counters show: its day, its month and each recruiter's day."""
    counters = {
        (counter.limit_name, counter.subject): counter.used
        for counter in QuotaCounter.objects.filter(period__in=["2026-11-18", "2026-11"])
    }
    shown = {
        "org_daily": counters[("org_daily", f"organization:{organization.pk}")],
        "org_monthly": counters[("org_monthly", f"organization:{organization.pk}")],
    }
    for index, seat in enumerate(seats):
        shown[f"recruiter_daily:{index}"] = counters[("recruiter_daily", f"recruiter:{seat.user.pk}")]
    return shown


def charged_reveals(organization, seats, count: int) -> list[Reveal]:
    job = JobPostingFactory(organization=organization)
    return [
        reveal_contact(recruiter=seats[index % len(seats)].user, resume=ResumeFactory(), job=job).reveal
        for index in range(count)
    ]


def test_parallel_credit_backs_of_one_seeker_refund_the_reveal_once():
    organization = VerifiedOrganizationFactory()
    seats = [SeatFactory(organization=organization)]
    # Two other charged reveals keep the counters above zero, so a second refund would show.
    refunded, *_others = charged_reveals(organization, seats, 3)
    assert used(organization, seats) == {"org_daily": 3, "org_monthly": 3, "recruiter_daily:0": 3}

    credited = credit_back_in_parallel([(refunded.resume, organization)] * 8)

    assert sorted(credited, key=str) == [refunded.pk] + [None] * 7
    assert used(organization, seats) == {"org_daily": 2, "org_monthly": 2, "recruiter_daily:0": 2}
    assert list(Reveal.objects.exclude(credited_back_at=None).values_list("pk", flat=True)) == [refunded.pk]
    events = AuditEvent.objects.filter(action="reveal.credited_back")
    assert [(event.target_id, event.details) for event in events] == [
        (str(refunded.resume_id), {"reveal_id": refunded.pk, "reason": "seeker_replied"})
    ]
    assert audit_selectors.walk_chain().ok


def test_parallel_credit_backs_of_one_organisations_seekers_refund_each_reveal_once():
    organization = VerifiedOrganizationFactory()
    seats = [SeatFactory(organization=organization) for _ in range(2)]
    *refunded, kept = charged_reveals(organization, seats, 7)
    assert used(organization, seats) == {
        "org_daily": 7,
        "org_monthly": 7,
        "recruiter_daily:0": 4,
        "recruiter_daily:1": 3,
    }

    # Two attempts per seeker, all at once: each reveal is refunded by exactly one of its two.
    credited = credit_back_in_parallel([(reveal.resume, organization) for reveal in refunded for _ in range(2)])

    assert sorted(pk for pk in credited if pk is not None) == sorted(reveal.pk for reveal in refunded)
    assert credited.count(None) == 6
    # The one reveal left charged still counts: one unit each, on its recruiter (the first seat).
    assert used(organization, seats) == {
        "org_daily": 1,
        "org_monthly": 1,
        "recruiter_daily:0": 1,
        "recruiter_daily:1": 0,
    }
    assert Reveal.objects.get(credited_back_at=None) == kept
    events = AuditEvent.objects.filter(action="reveal.credited_back")
    assert sorted(event.details["reveal_id"] for event in events) == sorted(reveal.pk for reveal in refunded)
    assert audit_selectors.walk_chain().ok
