"""Showing the quota reads the three counters in force, not every counter a platform has kept.

A counter is kept per recruiter per day and per organisation per day and month, so a running platform
holds millions. GET organizations/me and every granted reveal's response show the usage; read by
subject and period alone (not the counter's whole key, which its unique index leads with), PostgreSQL
read all of them each time (BENCHMARKS.md, "Statistics of a running platform").
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from employers import quota
from employers.models import QuotaCounter
from tests.employers.factories import SeatFactory, VerifiedOrganizationFactory
from tests.plans import rows_read

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def midday():
    """Far from the platform's midnight, when the counters in force change."""
    with time_machine.travel(datetime(2026, 11, 29, 4, 0, tzinfo=UTC), tick=False):  # noon in Shanghai
        yield


def counters_read() -> int:
    """Rows of the counters' table this transaction has read so far, by index or by scan."""
    return rows_read(QuotaCounter._meta.db_table)


@pytest.mark.postgres
def test_usage_reads_the_counters_in_force_and_not_the_years_before():
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    recruiter, organization = seat.user, seat.organization
    today = quota.platform_today(timezone.now())
    in_force = {
        limit.name: (limit.subject, limit.period)
        for limit in quota.limits_for(recruiter=recruiter, organization=organization)
    }
    past_days = [(today - timedelta(days=days)).isoformat() for days in range(1, 400)]
    kept = [
        QuotaCounter(limit_name=name, subject=in_force[name][0], period=day, used=7)
        for name in ("recruiter_daily", "org_daily")
        for day in past_days
    ]
    kept += [
        QuotaCounter(
            limit_name="recruiter_daily", subject=f"recruiter:other-{number}", period=today.isoformat(), used=1
        )
        for number in range(1000)
    ]
    kept += [
        QuotaCounter(limit_name=name, subject=subject, period=period, used=used)
        for (name, (subject, period)), used in zip(in_force.items(), (2, 3, 5), strict=True)
    ]
    QuotaCounter.objects.bulk_create(kept)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {QuotaCounter._meta.db_table}")

    before = counters_read()
    usage = quota.usage(recruiter=recruiter, organization=organization)
    read = counters_read() - before

    assert {name: shown["used"] for name, shown in usage.items()} == {
        "recruiter_daily": 2,
        "org_daily": 3,
        "org_monthly": 5,
    }
    assert read <= 3, f"{read} counters read to show three"


def test_usage_shows_the_counters_in_force_among_others_of_the_same_subjects_and_periods():
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    recruiter, organization = seat.user, seat.organization
    in_force = quota.limits_for(recruiter=recruiter, organization=organization)
    yesterday = (quota.platform_today(timezone.now()) - timedelta(days=1)).isoformat()
    QuotaCounter.objects.bulk_create(
        [
            *(
                QuotaCounter(limit_name=limit.name, subject=limit.subject, period=limit.period, used=4)
                for limit in in_force
            ),
            # The same subjects and periods under the other limits' names, and yesterday's: none of them shown.
            QuotaCounter(limit_name="org_daily", subject=in_force[0].subject, period=in_force[0].period, used=50),
            QuotaCounter(limit_name="recruiter_daily", subject=in_force[1].subject, period=in_force[1].period, used=60),
            QuotaCounter(limit_name="recruiter_daily", subject=in_force[0].subject, period=yesterday, used=70),
        ]
    )

    usage = quota.usage(recruiter=recruiter, organization=organization)

    assert {name: shown["used"] for name, shown in usage.items()} == dict.fromkeys(
        ("recruiter_daily", "org_daily", "org_monthly"), 4
    )


def test_usage_counts_nothing_before_the_first_reveal():
    seat = SeatFactory(organization=VerifiedOrganizationFactory())

    usage = quota.usage(recruiter=seat.user, organization=seat.organization)

    assert {name: shown["used"] for name, shown in usage.items()} == dict.fromkeys(
        ("recruiter_daily", "org_daily", "org_monthly"), 0
    )
