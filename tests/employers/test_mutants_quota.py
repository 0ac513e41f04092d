"""employers.quota pieces that mutmut found unpinned: the read-only pre-check, the limit in force, the day start."""

import datetime as dt

import pytest
import time_machine

from employers import quota
from employers.models import QuotaCounter
from tests.employers.factories import RecruiterFactory, VerifiedOrganizationFactory

pytestmark = pytest.mark.django_db

# 18:00 on 15 March in Shanghai.
NOW = dt.datetime(2026, 3, 15, 10, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_first_full_limit_names_the_first_limit_that_is_used_up_and_none_while_all_have_room():
    organization = VerifiedOrganizationFactory(recruiter_daily_limit=1, org_daily_limit=2)
    recruiter = RecruiterFactory()

    # No counter yet: nothing used, even a limit of 1 has room.
    assert quota.first_full_limit(recruiter=recruiter, organization=organization) is None

    quota.consume(recruiter=recruiter, organization=organization)
    full = quota.first_full_limit(recruiter=recruiter, organization=organization)
    assert (full.name, full.value) == ("recruiter_daily", 1)

    # Another recruiter of the organisation has room of their own, until the organisation's day is full.
    colleague = RecruiterFactory()
    assert quota.first_full_limit(recruiter=colleague, organization=organization) is None
    quota.consume(recruiter=colleague, organization=organization)
    assert quota.first_full_limit(recruiter=RecruiterFactory(), organization=organization).name == "org_daily"
    # Reading never consumed anything.
    assert sorted(QuotaCounter.objects.values_list("limit_name", "used")) == [
        ("org_daily", 2),
        ("org_monthly", 2),
        ("recruiter_daily", 1),
        ("recruiter_daily", 1),
    ]


def test_limit_in_force_is_the_plan_or_the_override_under_the_ceiling(settings):
    standard = VerifiedOrganizationFactory(plan="standard")
    overridden = VerifiedOrganizationFactory(plan="member", org_daily_limit=120)

    assert quota.limit_in_force(organization=standard, name="org_daily") == 50
    assert quota.limit_in_force(organization=standard, name="recruiter_daily") == 20
    assert quota.limit_in_force(organization=overridden, name="org_daily") == 120
    assert quota.limit_in_force(organization=overridden, name="org_monthly") == 3000

    # A ceiling lowered after the override was set still binds.
    settings.PLAN_QUOTAS = {
        **settings.PLAN_QUOTAS,
        "platform_ceiling": {**settings.PLAN_QUOTAS["platform_ceiling"], "org_daily": 100},
    }
    assert quota.limit_in_force(organization=overridden, name="org_daily") == 100


def test_platform_day_start_is_the_last_midnight_in_the_platform_time_zone_of_the_moment_given():
    # 01:00 on 16 March in Shanghai: its day began at 16:00 UTC on the 15th, whatever the real clock says.
    assert quota.platform_day_start(dt.datetime(2026, 3, 15, 17, 0, tzinfo=dt.UTC)) == dt.datetime(
        2026, 3, 15, 16, 0, tzinfo=dt.UTC
    )
    assert quota.platform_day_start(dt.datetime(2026, 3, 15, 15, 59, tzinfo=dt.UTC)) == dt.datetime(
        2026, 3, 14, 16, 0, tzinfo=dt.UTC
    )
