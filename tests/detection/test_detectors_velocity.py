"""Velocity: a recruiter's last hour against their own pace and an absolute floor."""

import datetime as dt

import pytest

from detection.models import Flag, Severity
from detection.services import run_detectors

from .factories import NOW, business_day, human_moments, organization_with_recruiters, reveal_event

pytestmark = pytest.mark.django_db


def test_fires_on_an_hour_far_above_the_floor_and_own_baseline():
    organization, (recruiter,), _ = organization_with_recruiters()
    for moment in human_moments(NOW - dt.timedelta(minutes=59), 45, mean_gap_seconds=75, seed=3):
        reveal_event(recruiter, organization, min(moment, NOW))

    run_detectors(now=NOW)

    flag = Flag.objects.get(detector="velocity")
    assert flag.recruiter_id == recruiter.pk
    assert flag.organization_id == organization.pk
    assert flag.severity in (Severity.MEDIUM, Severity.HIGH)
    assert flag.evidence["reveals_last_hour"] == 45
    assert flag.evidence["own_baseline_per_active_hour"] == 0
    assert flag.evidence["strength"] == "strong"
    assert flag.window_end == NOW


def test_an_extreme_hour_is_high_on_its_own():
    organization, (recruiter,), _ = organization_with_recruiters()
    for second in range(0, 3500, 25):  # 140 in an hour
        reveal_event(recruiter, organization, NOW - dt.timedelta(seconds=3500 - second))

    run_detectors(now=NOW)

    flag = Flag.objects.get(detector="velocity")
    assert flag.severity == Severity.HIGH
    assert flag.evidence["strength"] == "extreme"


def test_quiet_for_a_business_hours_recruiter():
    organization, (recruiter,), job = organization_with_recruiters()
    for days_ago in range(5, 0, -1):
        business_day(recruiter, organization, NOW - dt.timedelta(days=days_ago), reveals=15, seed=days_ago, job=job)
    business_day(recruiter, organization, NOW.replace(hour=18), reveals=15, seed=9, job=job)

    run = run_detectors(now=NOW.replace(hour=18))

    assert run.events_read == 6 * (15 * 3 + 5)
    assert not Flag.objects.exists()


def test_quiet_when_the_hour_is_within_the_recruiters_own_usual_pace():
    organization, (recruiter,), _ = organization_with_recruiters()
    yesterday = NOW - dt.timedelta(days=1)
    for moment in human_moments(yesterday - dt.timedelta(hours=1), 30, mean_gap_seconds=110, seed=4):
        reveal_event(recruiter, organization, moment)
    for moment in human_moments(NOW - dt.timedelta(minutes=59), 30, mean_gap_seconds=110, seed=5):
        reveal_event(recruiter, organization, min(moment, NOW))

    run_detectors(now=NOW)

    assert not Flag.objects.filter(detector="velocity").exists()
