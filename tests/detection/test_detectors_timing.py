"""Burst, regularity and night activity: when a recruiter's reveals happen."""

import datetime as dt
import random

import pytest

from detection.detectors.regularity import coefficient_of_variation, working_gaps
from detection.models import Flag, Severity
from detection.services import run_detectors

from .factories import NOW, business_day, human_moments, organization_with_recruiters, reveal_event

pytestmark = pytest.mark.django_db


def flags(detector: str) -> list[Flag]:
    return list(Flag.objects.filter(detector=detector))


# Burst


def test_burst_fires_on_many_reveals_within_minutes():
    organization, (recruiter,), _ = organization_with_recruiters()
    rng = random.Random(2)
    for index in range(18):
        reveal_event(
            recruiter,
            organization,
            NOW - dt.timedelta(minutes=10) + dt.timedelta(seconds=13 * index + rng.uniform(0, 5)),
        )

    run_detectors(now=NOW)

    (flag,) = flags("burst")
    assert flag.recruiter_id == recruiter.pk
    assert flag.evidence["most_reveals_within_window"] == 18
    assert flag.evidence["strength"] == "strong"
    assert NOW - dt.timedelta(minutes=10) <= flag.window_start < NOW - dt.timedelta(minutes=9)
    assert flag.severity in (Severity.MEDIUM, Severity.HIGH)


def test_burst_stays_quiet_at_a_human_pace():
    organization, (recruiter,), job = organization_with_recruiters()
    business_day(recruiter, organization, NOW, reveals=20, seed=4, job=job)

    run_detectors(now=NOW.replace(hour=18))

    assert flags("burst") == []


# Regularity


def test_regularity_fires_on_gaps_a_timer_would_leave():
    organization, (recruiter,), _ = organization_with_recruiters()
    rng = random.Random(7)
    moment = NOW - dt.timedelta(hours=4)
    for _ in range(20):
        moment += dt.timedelta(seconds=600 * rng.uniform(0.9, 1.1))
        reveal_event(recruiter, organization, moment)

    run_detectors(now=moment + dt.timedelta(minutes=1))

    (flag,) = flags("regularity")
    assert flag.evidence["gaps"] == 19
    assert flag.evidence["coefficient_of_variation"] < 0.1
    assert flag.evidence["strength"] == "strong"  # under 30 gaps: not yet a clock for certain


def test_regularity_of_a_clock_over_thirty_gaps_is_high_on_its_own():
    organization, (recruiter,), _ = organization_with_recruiters()
    for index in range(35):
        reveal_event(recruiter, organization, NOW - dt.timedelta(seconds=300 * (35 - index)))

    run_detectors(now=NOW)

    (flag,) = flags("regularity")
    assert flag.evidence["coefficient_of_variation"] == 0
    assert flag.severity == Severity.HIGH


def test_regularity_stays_quiet_for_a_person():
    organization, (recruiter,), _ = organization_with_recruiters()
    for moment in human_moments(NOW - dt.timedelta(hours=5), 25, mean_gap_seconds=600, seed=11):
        reveal_event(recruiter, organization, moment)

    run_detectors(now=NOW)

    assert flags("regularity") == []


def test_gaps_leave_out_breaks_and_measure_spread_against_the_mean():
    moments = [NOW + dt.timedelta(seconds=seconds) for seconds in (0, 60, 120, 180, 4000, 4060)]

    gaps = working_gaps(moments, max_gap_seconds=3600)

    assert gaps == [60, 60, 60, 60]
    assert coefficient_of_variation(gaps) == 0
    assert coefficient_of_variation([30, 90]) == pytest.approx(0.5)


# Night activity


def test_night_activity_fires_on_reveals_through_the_night():
    organization, (recruiter,), _ = organization_with_recruiters()
    night = NOW.replace(hour=1)
    for moment in human_moments(night, 14, mean_gap_seconds=800, seed=5):
        reveal_event(recruiter, organization, moment)

    run_detectors(now=NOW.replace(hour=6))

    (flag,) = flags("night_activity")
    assert flag.evidence["night_reveals"] == 14
    assert flag.evidence["night_hours_active"] >= 3
    assert flag.evidence["strength"] == "strong"


def test_night_activity_stays_quiet_for_an_evening_that_ran_past_midnight():
    organization, (recruiter,), job = organization_with_recruiters()
    late = NOW.replace(hour=23) - dt.timedelta(days=1)
    for moment in human_moments(late, 8, mean_gap_seconds=400, seed=6):
        reveal_event(recruiter, organization, moment)
    business_day(recruiter, organization, NOW, reveals=10, seed=3, job=job)

    run_detectors(now=NOW.replace(hour=18))

    assert flags("night_activity") == []
