"""quota.give_back: one unit back to the counters a reveal was charged to, never below zero, nothing created."""

import datetime as dt

import pytest

from employers import quota
from employers.models import QuotaCounter
from tests.employers.factories import RecruiterFactory, VerifiedOrganizationFactory

pytestmark = pytest.mark.django_db

# 01:00 on 16 March in Shanghai (17:00 UTC on the 15th): the reveal belongs to Shanghai's day and month.
CHARGED_AT = dt.datetime(2026, 3, 15, 17, 0, tzinfo=dt.UTC)
DAY = "2026-03-16"
MONTH = "2026-03"


def counters() -> dict[tuple[str, str, str], int]:
    return {
        (counter.limit_name, counter.subject, counter.period): counter.used for counter in QuotaCounter.objects.all()
    }


def seed(**used: int) -> tuple:
    """An organisation and a recruiter whose counters for DAY and MONTH stand at `used` (by limit name)."""
    organization, recruiter = VerifiedOrganizationFactory(), RecruiterFactory()
    subjects = {
        "recruiter_daily": (f"recruiter:{recruiter.pk}", DAY),
        "org_daily": (f"organization:{organization.pk}", DAY),
        "org_monthly": (f"organization:{organization.pk}", MONTH),
    }
    for name, value in used.items():
        subject, period = subjects[name]
        QuotaCounter.objects.create(limit_name=name, subject=subject, period=period, used=value)
    return organization, recruiter


def test_a_counter_already_at_zero_stays_at_zero_while_the_others_give_one_back():
    organization, recruiter = seed(recruiter_daily=0, org_daily=2, org_monthly=1)

    quota.give_back(recruiter=recruiter, organization=organization, charged_at=CHARGED_AT)

    assert counters() == {
        ("recruiter_daily", f"recruiter:{recruiter.pk}", DAY): 0,
        ("org_daily", f"organization:{organization.pk}", DAY): 1,
        ("org_monthly", f"organization:{organization.pk}", MONTH): 0,
    }


def test_giving_back_twice_to_counters_at_zero_changes_nothing():
    organization, recruiter = seed(recruiter_daily=0, org_daily=0, org_monthly=0)

    quota.give_back(recruiter=recruiter, organization=organization, charged_at=CHARGED_AT)
    quota.give_back(recruiter=recruiter, organization=organization, charged_at=CHARGED_AT)

    assert set(counters().values()) == {0}
    assert len(counters()) == 3


def test_missing_counters_are_not_created():
    organization, recruiter = seed()

    quota.give_back(recruiter=recruiter, organization=organization, charged_at=CHARGED_AT)

    assert counters() == {}


def test_a_reveal_without_a_recruiter_gives_back_to_the_organisation_only():
    # The recruiter's account may be gone (erased) by the time the seeker answers.
    organization, recruiter = seed(recruiter_daily=3, org_daily=3, org_monthly=3)

    quota.give_back(recruiter=None, organization=organization, charged_at=CHARGED_AT)

    assert counters() == {
        ("recruiter_daily", f"recruiter:{recruiter.pk}", DAY): 3,
        ("org_daily", f"organization:{organization.pk}", DAY): 2,
        ("org_monthly", f"organization:{organization.pk}", MONTH): 2,
    }


def test_only_the_periods_the_reveal_was_charged_in_give_back():
    organization, recruiter = seed(recruiter_daily=1, org_daily=1, org_monthly=1)
    other_subjects = [f"recruiter:{recruiter.pk}", f"organization:{organization.pk}", f"organization:{organization.pk}"]
    for name, subject, period in zip(
        ("recruiter_daily", "org_daily", "org_monthly"),
        other_subjects,
        ("2026-03-15", "2026-03-15", "2026-02"),
        strict=True,
    ):
        QuotaCounter.objects.create(limit_name=name, subject=subject, period=period, used=1)

    # 15:59 UTC on the 15th is still the 15th in Shanghai: only the 15th's counters (and March's) move.
    quota.give_back(
        recruiter=recruiter, organization=organization, charged_at=dt.datetime(2026, 3, 15, 15, 59, tzinfo=dt.UTC)
    )

    assert counters() == {
        ("recruiter_daily", f"recruiter:{recruiter.pk}", DAY): 1,
        ("org_daily", f"organization:{organization.pk}", DAY): 1,
        ("org_monthly", f"organization:{organization.pk}", MONTH): 0,
        ("recruiter_daily", f"recruiter:{recruiter.pk}", "2026-03-15"): 0,
        ("org_daily", f"organization:{organization.pk}", "2026-03-15"): 0,
        ("org_monthly", f"organization:{organization.pk}", "2026-02"): 1,
    }


def test_other_recruiters_and_organisations_keep_their_counters():
    organization, recruiter = seed(recruiter_daily=1, org_daily=1, org_monthly=1)
    bystanders, bystander = seed(recruiter_daily=1, org_daily=1, org_monthly=1)

    quota.give_back(recruiter=recruiter, organization=organization, charged_at=CHARGED_AT)

    assert counters() == {
        ("recruiter_daily", f"recruiter:{recruiter.pk}", DAY): 0,
        ("org_daily", f"organization:{organization.pk}", DAY): 0,
        ("org_monthly", f"organization:{organization.pk}", MONTH): 0,
        ("recruiter_daily", f"recruiter:{bystander.pk}", DAY): 1,
        ("org_daily", f"organization:{bystanders.pk}", DAY): 1,
        ("org_monthly", f"organization:{bystanders.pk}", MONTH): 1,
    }
