"""Harvesting shape, breadth, peer outlier, ceiling pressure and no conversation."""

import datetime as dt
import math

import pytest

from detection.detectors.peer_outlier import robust_z
from detection.models import Flag
from detection.services import run_detectors
from employers.categories import JobCategory
from employers.models import Plan
from tests.resumes.factories import ResumeFactory

from .factories import (
    NOW,
    business_day,
    credit_back_event,
    human_moments,
    organization_with_recruiters,
    quota_denial,
    reveal_event,
    search,
    view,
)

pytestmark = pytest.mark.django_db
EVENING = NOW.replace(hour=18)


def flags(detector: str) -> list[Flag]:
    return list(Flag.objects.filter(detector=detector))


# Harvesting shape


def test_harvesting_shape_fires_on_reveals_without_opening_resumes_page_after_page():
    organization, (recruiter,), _ = organization_with_recruiters()
    for index, moment in enumerate(human_moments(NOW, 20, mean_gap_seconds=400, seed=2)):
        if index % 2 == 0:
            search(recruiter, organization, moment - dt.timedelta(seconds=10), result_count=20, cursor=index > 0)
        reveal_event(recruiter, organization, moment)

    run_detectors(now=EVENING)

    (flag,) = flags("harvesting_shape")
    assert flag.subject_type == "recruiter"
    assert flag.evidence["signals"] == ["pages_in_order", "unviewed"]
    assert flag.evidence["unviewed_share"] == 1.0
    assert flag.evidence["strength"] == "strong"


def test_harvesting_shape_stays_quiet_when_resumes_are_read_before_a_shortlist_is_revealed():
    organization, (recruiter,), job = organization_with_recruiters()
    business_day(recruiter, organization, NOW, reveals=18, seed=8, job=job)

    run_detectors(now=EVENING)

    assert flags("harvesting_shape") == []


# Breadth


def reveal_resumes(recruiter, organization, resumes) -> None:
    for resume, moment in zip(resumes, human_moments(NOW, len(resumes), mean_gap_seconds=600, seed=3), strict=True):
        view(recruiter, organization, moment - dt.timedelta(minutes=1), resume_id=resume.pk)
        reveal_event(recruiter, organization, moment, resume_id=str(resume.pk))


def test_breadth_fires_when_most_reveals_match_no_open_job():
    organization, (recruiter,), _ = organization_with_recruiters()  # one software job in Shanghai
    elsewhere = [ResumeFactory(category=JobCategory.SALES, city="Chengdu") for _ in range(12)]
    matching = [ResumeFactory() for _ in range(6)]

    reveal_resumes(recruiter, organization, elsewhere + matching)
    run_detectors(now=EVENING)

    (flag,) = flags("breadth")
    assert flag.organization_id == organization.pk
    assert flag.evidence["off_target_reveals"] == 12
    assert flag.evidence["off_target_share"] == pytest.approx(0.67)


def test_breadth_stays_quiet_when_reveals_match_the_open_jobs():
    organization, (recruiter,), _ = organization_with_recruiters()
    matching = [ResumeFactory(city="shanghai ") for _ in range(15)]
    neighbouring = [ResumeFactory(category=JobCategory.DATA_SCIENCE) for _ in range(3)]

    reveal_resumes(recruiter, organization, matching + neighbouring)
    run_detectors(now=EVENING)

    assert flags("breadth") == []


# Peer outlier


def busy_day(organization, recruiter, reveals: int) -> None:
    for moment in human_moments(NOW, reveals, mean_gap_seconds=60, seed=reveals):
        reveal_event(recruiter, organization, moment, charged=False)


def test_peer_outlier_fires_on_an_organisation_far_above_its_plan_peers():
    for reveals in (5, 8, 12, 6, 9, 7):
        organization, (recruiter,), _ = organization_with_recruiters()
        busy_day(organization, recruiter, reveals)
    outlier, (recruiter,), _ = organization_with_recruiters()
    busy_day(outlier, recruiter, 45)
    member, (member_recruiter,), _ = organization_with_recruiters(plan=Plan.MEMBER)
    busy_day(member, member_recruiter, 60)  # no member peers: not judged

    run_detectors(now=EVENING)

    (flag,) = flags("peer_outlier")
    assert flag.organization_id == outlier.pk
    assert flag.evidence["reveals_today"] == 45
    assert flag.evidence["peers"] == 6
    assert flag.evidence["robust_z"] > 3.5
    assert flag.evidence["spread_estimate"] == "median_absolute_deviation"


def test_peer_outlier_stays_quiet_among_busy_peers():
    for reveals in (30, 38, 45, 33, 41, 36, 40):
        organization, (recruiter,), _ = organization_with_recruiters()
        busy_day(organization, recruiter, reveals)

    run_detectors(now=EVENING)

    assert flags("peer_outlier") == []


def test_robust_z_falls_back_when_the_median_absolute_deviation_is_zero():
    # Most peers equal: MAD is 0, the mean absolute deviation (x 1.253314) stands in.
    z, method = robust_z(40, [5, 5, 5, 5, 5, 9], fallback_multiple=5)
    assert method == "mean_absolute_deviation"
    assert z == pytest.approx((math.log1p(40) - math.log1p(5)) / (1.253314 * (math.log1p(9) - math.log1p(5)) / 6))
    # All peers equal: only a multiple of the median decides.
    assert robust_z(50, [10] * 6, fallback_multiple=5) == (math.inf, "multiple_of_median")
    assert robust_z(40, [10] * 6, fallback_multiple=5) == (0.0, "multiple_of_median")
    assert robust_z(12, [5, 8, 12, 6, 9, 7], fallback_multiple=5)[1] == "median_absolute_deviation"


# Ceiling pressure


def test_ceiling_pressure_fires_on_quota_refusals_three_days_running():
    organization, (recruiter,), _ = organization_with_recruiters()
    for days_ago in (2, 1, 0):
        quota_denial(recruiter, organization, NOW - dt.timedelta(days=days_ago), limit="org_daily")
    quota_denial(recruiter, organization, NOW + dt.timedelta(minutes=1), limit="recruiter_daily")

    run_detectors(now=EVENING)

    (flag,) = flags("ceiling_pressure")
    assert flag.evidence["consecutive_days"] == 3
    assert [day["limits"] for day in flag.evidence["days"]] == [
        {"org_daily": 1},
        {"org_daily": 1},
        {"org_daily": 1, "recruiter_daily": 1},
    ]
    assert flag.window_start == (NOW - dt.timedelta(days=2)).replace(hour=0)


def test_ceiling_pressure_stays_quiet_for_busy_days_that_are_not_consecutive():
    organization, (recruiter,), _ = organization_with_recruiters()
    for days_ago in (4, 2, 0):
        quota_denial(recruiter, organization, NOW - dt.timedelta(days=days_ago))

    run_detectors(now=EVENING)

    assert flags("ceiling_pressure") == []


# No conversation


def test_no_conversation_fires_on_charged_reveals_nobody_answers():
    organization, recruiters, _ = organization_with_recruiters(2)
    yesterday = NOW - dt.timedelta(days=1)
    for index, moment in enumerate(human_moments(yesterday, 36, mean_gap_seconds=700, seed=1)):
        reveal_event(recruiters[index % 2], organization, moment)
    credit_back_event(organization, yesterday + dt.timedelta(hours=5))
    reveal_event(recruiters[0], organization, NOW)  # eight hours ago: within the grace period

    run_detectors(now=EVENING)

    (flag,) = flags("no_conversation")
    assert flag.organization_id == organization.pk
    assert flag.evidence["charged_reveals_past_grace"] == 36
    assert flag.evidence["replies_and_approvals"] == 1
    assert flag.evidence["reply_rate"] == pytest.approx(0.028)


def test_no_conversation_waits_for_replies_to_recent_reveals():
    organization, recruiters, _ = organization_with_recruiters(2)
    for index, moment in enumerate(human_moments(EVENING - dt.timedelta(hours=8), 40, mean_gap_seconds=600, seed=1)):
        reveal_event(recruiters[index % 2], organization, min(moment, EVENING))

    run_detectors(now=EVENING)

    assert flags("no_conversation") == []


def test_no_conversation_stays_quiet_when_seekers_answer():
    organization, (recruiter,), job = organization_with_recruiters()
    for days_ago in (3, 2, 1):
        business_day(recruiter, organization, NOW - dt.timedelta(days=days_ago), reveals=15, seed=days_ago, job=job)

    run_detectors(now=EVENING)

    assert flags("no_conversation") == []
