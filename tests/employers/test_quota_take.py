"""employers.quota.take on PostgreSQL: all three counters or none in one statement, even if one appears mid-way."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from employers import quota
from employers.models import QuotaCounter
from tests.employers.factories import SeatFactory, VerifiedOrganizationFactory
from tests.employers.quota_race import take_while_a_counter_is_created_full

pytestmark = pytest.mark.postgres


def counters(limits) -> dict[str, int]:
    stored = {
        counter.limit_name: counter.used
        for counter in QuotaCounter.objects.filter(
            subject__in={limit.subject for limit in limits}, period__in={limit.period for limit in limits}
        )
    }
    return {limit.name: stored.get(limit.name) for limit in limits}


@pytest.mark.django_db
def test_one_statement_takes_all_three_and_returns_the_usage():
    seat = SeatFactory(organization=VerifiedOrganizationFactory())

    with CaptureQueriesContext(connection) as captured:
        taking = quota.take(recruiter=seat.user, organization=seat.organization)

    assert len(captured.captured_queries) == 1
    assert taking.charged is True
    assert {name: usage["used"] for name, usage in taking.usage.items()} == {
        "recruiter_daily": 1,
        "org_daily": 1,
        "org_monthly": 1,
    }
    assert taking.usage == quota.usage(recruiter=seat.user, organization=seat.organization)


@pytest.mark.django_db
def test_a_full_counter_takes_nothing_and_is_named():
    organization = VerifiedOrganizationFactory(org_daily_limit=1)
    first, second = SeatFactory(organization=organization), SeatFactory(organization=organization)
    quota.take(recruiter=first.user, organization=organization)
    limits = quota.limits_for(recruiter=second.user, organization=organization)

    with pytest.raises(quota.QuotaExhausted) as refused:
        quota.take(recruiter=second.user, organization=organization)

    assert refused.value.limit_name == "org_daily"
    # The second recruiter's own day was not taken either (its counter may be created, at 0).
    assert counters(limits) == {"recruiter_daily": None, "org_daily": 1, "org_monthly": 1}


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_a_counter_created_full_while_the_statement_runs_gives_back_the_others():
    # given the recruiter's day and the organisation's month on record, and the organisation's day not yet
    organization = VerifiedOrganizationFactory(org_daily_limit=2)
    seat = SeatFactory(organization=organization)
    limits = {limit.name: limit for limit in quota.limits_for(recruiter=seat.user, organization=organization)}
    for name in ("recruiter_daily", "org_monthly"):
        limit = limits[name]
        QuotaCounter.objects.create(limit_name=name, subject=limit.subject, period=limit.period, used=0)
    # when the take starts while another transaction creates the organisation's day full, before it commits
    outcome = take_while_a_counter_is_created_full(
        seat=seat, organization=organization, limit=limits["org_daily"], used=2
    )

    # then it is refused on that day, and the counters it had taken are given back
    assert outcome == {"refused": "org_daily"}
    assert counters(list(limits.values())) == {"recruiter_daily": 0, "org_daily": 2, "org_monthly": 0}
