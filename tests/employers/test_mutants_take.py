"""quota.take and give_back_taking off PostgreSQL (the SQLite path); written for mutation-testing survivors.

The PostgreSQL statement has its own tests (test_quota_take.py); these pin what a caller gets back
on the other path: whether it was charged, the usage the response shows, the limits it took from,
and that a give-back returns exactly those units and no others. The last test is PostgreSQL's: the
race of test_quota_take.py on the first limit, which the statement's row order makes a case of its own.
"""

import datetime as dt

import pytest
import time_machine

from employers import quota
from employers.models import Organization, QuotaCounter
from tests.employers.factories import RecruiterFactory, SeatFactory, VerifiedOrganizationFactory
from tests.employers.quota_race import take_while_a_counter_is_created_full

pytestmark = pytest.mark.django_db

# 18:00 on 15 March in Shanghai; the day before is 14 March, the same month.
NOW = dt.datetime(2026, 3, 15, 10, 0, tzinfo=dt.UTC)


def counters() -> dict[tuple[str, str, str], int]:
    return {(c.limit_name, c.subject, c.period): c.used for c in QuotaCounter.objects.all()}


@time_machine.travel(NOW, tick=False)
def test_a_take_charges_one_unit_of_every_limit_and_returns_them_with_the_usage_after():
    organization = VerifiedOrganizationFactory(recruiter_daily_limit=5, org_daily_limit=10)
    recruiter = RecruiterFactory()

    taking = quota.take(recruiter=recruiter, organization=organization, unless=Organization.objects.filter(pk=-1))

    assert taking.charged is True
    assert taking.limits == tuple(quota.limits_for(recruiter=recruiter, organization=organization))
    assert taking.usage == quota.usage(recruiter=recruiter, organization=organization)
    assert taking.usage["recruiter_daily"]["used"] == 1
    assert set(counters().values()) == {1}


@time_machine.travel(NOW, tick=False)
def test_a_take_that_nothing_is_owed_for_charges_nothing_and_returns_the_usage_as_it_is():
    organization = VerifiedOrganizationFactory(recruiter_daily_limit=5, org_daily_limit=10)
    recruiter = RecruiterFactory()
    quota.take(recruiter=recruiter, organization=organization)
    before = counters()

    taking = quota.take(
        recruiter=recruiter, organization=organization, unless=Organization.objects.filter(pk=organization.pk)
    )

    assert taking.charged is False
    assert taking.usage == quota.usage(recruiter=recruiter, organization=organization)
    assert {name: shown["used"] for name, shown in taking.usage.items()} == {
        "recruiter_daily": 1,
        "org_daily": 1,
        "org_monthly": 1,
    }
    assert counters() == before


def test_a_give_back_returns_exactly_the_units_that_taking_took():
    organization = VerifiedOrganizationFactory(recruiter_daily_limit=5, org_daily_limit=10)
    recruiter, colleague = RecruiterFactory(), RecruiterFactory()
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        quota.take(recruiter=recruiter, organization=organization)  # yesterday's counters, the same month
    with time_machine.travel(NOW, tick=False):
        quota.take(recruiter=colleague, organization=organization)
        taking = quota.take(recruiter=recruiter, organization=organization)
    org = f"organization:{organization.pk}"
    mine, theirs = f"recruiter:{recruiter.pk}", f"recruiter:{colleague.pk}"
    assert counters() == {
        ("recruiter_daily", mine, "2026-03-14"): 1,
        ("org_daily", org, "2026-03-14"): 1,
        ("recruiter_daily", theirs, "2026-03-15"): 1,
        ("org_daily", org, "2026-03-15"): 2,
        ("org_monthly", org, "2026-03"): 3,
        ("recruiter_daily", mine, "2026-03-15"): 1,
    }

    quota.give_back_taking(taking)

    assert counters() == {
        ("recruiter_daily", mine, "2026-03-14"): 1,
        ("org_daily", org, "2026-03-14"): 1,
        ("recruiter_daily", theirs, "2026-03-15"): 1,
        ("org_daily", org, "2026-03-15"): 1,
        ("org_monthly", org, "2026-03"): 2,
        ("recruiter_daily", mine, "2026-03-15"): 0,
    }

    # Never below zero, and a taking that charged nothing gives nothing back.
    quota.give_back_taking(taking)
    quota.give_back_taking(quota.Taking(charged=False, usage={}, limits=taking.limits))
    assert counters()[("recruiter_daily", mine, "2026-03-15")] == 0
    assert counters()[("org_daily", org, "2026-03-15")] == 0
    assert counters()[("org_monthly", org, "2026-03")] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
@time_machine.travel(NOW, tick=False)
def test_a_recruiters_day_created_full_while_the_statement_runs_is_named_and_the_others_given_back():
    # The statement's first row is the recruiter's day: when it is the counter another transaction created full,
    # that row has no taken id while the other two do. take() must still refuse naming it and give back the others.
    organization = VerifiedOrganizationFactory(recruiter_daily_limit=2, org_daily_limit=10)
    seat = SeatFactory(organization=organization)
    limits = {limit.name: limit for limit in quota.limits_for(recruiter=seat.user, organization=organization)}
    for name in ("org_daily", "org_monthly"):
        QuotaCounter.objects.create(limit_name=name, subject=limits[name].subject, period=limits[name].period, used=0)
    outcome = take_while_a_counter_is_created_full(
        seat=seat, organization=organization, limit=limits["recruiter_daily"], used=2
    )

    assert outcome == {"refused": "recruiter_daily"}
    assert {c.limit_name: c.used for c in QuotaCounter.objects.all()} == {
        "recruiter_daily": 2,
        "org_daily": 0,
        "org_monthly": 0,
    }
