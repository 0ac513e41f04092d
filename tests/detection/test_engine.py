"""The engine: the watermark, folding into aggregates once, the run's record, dedupe, cost, overlapping runs."""

import datetime as dt
import random
import threading

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection, connections
from django.test.utils import CaptureQueriesContext

from detection.models import ActivityAggregate, DetectionRun, DetectionState, Flag, FlagStatus, Granularity
from detection.services import run_detectors
from detection.tasks import run_detectors as run_detectors_task

from .factories import NOW, organization_with_recruiters, quota_denial, reveal_event, search, view

pytestmark = pytest.mark.django_db


def recruiter_hour(recruiter, moment):
    return ActivityAggregate.objects.get(
        subject_type="recruiter", subject_id=str(recruiter.pk), granularity=Granularity.HOUR, bucket_start=moment
    )


def test_a_run_folds_new_events_once_and_advances_the_watermark():
    organization, (recruiter,), _ = organization_with_recruiters()
    hour = NOW - dt.timedelta(hours=2)
    search(recruiter, organization, hour + dt.timedelta(minutes=1), result_count=20, cursor=True)
    view(recruiter, organization, hour + dt.timedelta(minutes=2), resume_id="00000000-0000-4000-8000-0000000000aa")
    reveal_event(
        recruiter, organization, hour + dt.timedelta(minutes=3), resume_id="00000000-0000-4000-8000-0000000000aa"
    )
    last = reveal_event(recruiter, organization, hour + dt.timedelta(minutes=4), charged=False)
    quota_denial(recruiter, organization, hour + dt.timedelta(minutes=5), limit="recruiter_daily")

    first = run_detectors(now=NOW)
    second = run_detectors(now=NOW + dt.timedelta(minutes=5))

    assert (first.events_read, second.events_read) == (5, 0)
    assert first.window_start == hour + dt.timedelta(minutes=1)
    assert first.window_end == NOW
    assert DetectionState.objects.get().last_audit_seq >= last.seq
    row = recruiter_hour(recruiter, hour)
    # The free reveal (an applicant, say) was not opened masked first: that is not held against anyone.
    assert (row.reveals, row.charged_reveals, row.unviewed_reveals) == (2, 1, 0)
    assert (row.searches, row.paged_searches, row.search_results, row.views) == (1, 1, 20, 1)
    assert (row.denied_reveals, row.quota_denials) == (1, 1)
    assert row.extra["t"] == [180, 240]
    day = ActivityAggregate.objects.get(subject_type="organization", subject_id=str(organization.pk), granularity="day")
    assert day.bucket_start == NOW.replace(hour=0)
    assert day.reveals == 2
    assert day.extra["limits"] == {"recruiter_daily": 1}
    assert DetectionRun.objects.count() == 2


def test_events_after_a_run_are_added_to_the_same_buckets():
    organization, (recruiter,), _ = organization_with_recruiters()
    hour = NOW - dt.timedelta(hours=1)
    reveal_event(recruiter, organization, hour + dt.timedelta(minutes=1))
    run_detectors(now=hour + dt.timedelta(minutes=2))
    reveal_event(recruiter, organization, hour + dt.timedelta(minutes=3))

    run = run_detectors(now=hour + dt.timedelta(minutes=4))

    assert run.events_read == 1
    row = recruiter_hour(recruiter, hour)
    assert row.reveals == 2
    assert row.extra["t"] == [60, 180]


def test_a_backlog_longer_than_a_run_is_read_over_the_next_runs(settings):
    settings.DETECTION = {**settings.DETECTION, "max_events_per_run": 3}
    organization, (recruiter,), _ = organization_with_recruiters()
    for minute in range(5):
        reveal_event(recruiter, organization, NOW - dt.timedelta(minutes=30 - minute))
        search(recruiter, organization, NOW - dt.timedelta(minutes=30 - minute))

    runs = [run_detectors(now=NOW + dt.timedelta(minutes=5 * index)).events_read for index in range(3)]

    assert runs == [6, 4, 0]
    day = ActivityAggregate.objects.get(subject_type="recruiter", granularity="day", subject_id=str(recruiter.pk))
    assert (day.reveals, day.searches) == (5, 5)


def test_a_night_reveal_counts_in_platform_time():
    organization, (recruiter,), _ = organization_with_recruiters()
    night = NOW.replace(hour=2)  # 02:00 in Shanghai is 18:00 UTC the day before
    reveal_event(recruiter, organization, night)

    run_detectors(now=NOW)

    assert recruiter_hour(recruiter, night).night_reveals == 1
    assert ActivityAggregate.objects.get(
        subject_type="recruiter", granularity="day", subject_id=str(recruiter.pk)
    ).bucket_start == NOW.replace(hour=0)


def test_the_first_run_of_a_platform_day_drops_hour_buckets_past_their_keeping(settings):
    settings.DETECTION = {**settings.DETECTION, "hour_buckets_kept_days": 2}
    organization, (recruiter,), _ = organization_with_recruiters()
    old, recent = NOW - dt.timedelta(days=3), NOW - dt.timedelta(hours=5)
    reveal_event(recruiter, organization, old)
    reveal_event(recruiter, organization, recent)
    run_detectors(now=NOW - dt.timedelta(days=1))
    assert ActivityAggregate.objects.filter(granularity="hour").count() == 4

    run_detectors(now=NOW)

    hours = ActivityAggregate.objects.filter(granularity="hour")
    assert set(hours.values_list("bucket_start", flat=True)) == {recent.replace(minute=0)}
    assert ActivityAggregate.objects.filter(granularity="day", bucket_start=old.replace(hour=0)).count() == 2


@pytest.mark.postgres
def test_the_daily_prune_seeks_the_old_hour_buckets_not_every_day_bucket_ever_kept():
    # Day buckets are kept forever: years of them, under a prune that runs every platform day.
    organization, recruiters, _ = organization_with_recruiters(2)
    ActivityAggregate.objects.bulk_create(
        ActivityAggregate(
            subject_type="recruiter",
            subject_id=str(recruiter.pk),
            organization_id=organization.pk,
            granularity=Granularity.DAY,
            bucket_start=NOW.replace(hour=0) - dt.timedelta(days=day),
        )
        for recruiter in recruiters
        for day in range(1, 1501)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE detection_activityaggregate")
    with CaptureQueriesContext(connection) as queries:
        run_detectors(now=NOW)
    [prune] = [
        query["sql"] for query in queries if query["sql"].startswith('DELETE FROM "detection_activityaggregate"')
    ]

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {prune}")
        plan = [line for (line,) in cursor.fetchall()]

    seek = next(line for line in plan if "Index Cond" in line)
    assert all(column in seek for column in ("subject_type", "granularity", "bucket_start")), plan
    assert ActivityAggregate.objects.filter(granularity=Granularity.DAY).count() == 3000


def test_the_same_window_is_flagged_once_and_never_again_after_a_dismissal():
    organization, (recruiter,), _ = organization_with_recruiters()
    for second in range(0, 3000, 100):  # 30 in 50 minutes
        reveal_event(recruiter, organization, NOW - dt.timedelta(seconds=3000 - second))
    run_detectors(now=NOW)
    flag = Flag.objects.get(detector="velocity")
    Flag.objects.filter(pk=flag.pk).update(status=FlagStatus.DISMISSED)
    reveal_event(recruiter, organization, NOW + dt.timedelta(minutes=1))

    run = run_detectors(now=NOW + dt.timedelta(minutes=2))

    assert run.flags_raised == 0
    assert Flag.objects.filter(detector="velocity").count() == 1


def test_a_run_over_ten_new_events_costs_the_same_whatever_the_history():
    rng = random.Random(5)

    def run_over_ten_new_events(old_events: int) -> int:
        organization, recruiters, _ = organization_with_recruiters(2)
        for index in range(old_events):
            # Up to 100 a day, between 10:00 and 17:00 on the days before: history, not today.
            day = NOW.replace(hour=10) - dt.timedelta(days=1 + index // 100)
            moment = day + dt.timedelta(minutes=rng.uniform(0, 420))
            reveal_event(recruiters[index % 2], organization, moment, charged=False)
        run_detectors(now=NOW - dt.timedelta(hours=2))
        for index in range(10):
            moment = NOW - dt.timedelta(minutes=50 - 5 * index)
            if index % 2:
                reveal_event(recruiters[index % 4 // 2], organization, moment)
            else:
                search(recruiters[index % 4 // 2], organization, moment)
        with CaptureQueriesContext(connection) as queries:
            run = run_detectors(now=NOW)
        assert run.events_read == 10
        return len(queries)

    with_little_history = run_over_ten_new_events(10)
    with_long_history = run_over_ten_new_events(1000)

    assert with_long_history == with_little_history
    assert with_little_history <= 25


def test_the_task_and_the_command_run_the_detectors(capsys):
    organization, (recruiter,), _ = organization_with_recruiters()
    reveal_event(recruiter, organization, NOW - dt.timedelta(minutes=5))

    run_id = run_detectors_task.delay().get()
    call_command("run_detectors")

    assert DetectionRun.objects.get(pk=run_id).events_read == 1
    assert "0 new events, 0 flags raised" in capsys.readouterr().out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_never_fold_an_event_twice():
    organization, (recruiter,), _ = organization_with_recruiters()
    for minute in range(40):
        reveal_event(recruiter, organization, NOW - dt.timedelta(minutes=50 - minute))
    barrier = threading.Barrier(4)
    runs: list[int] = []
    lock = threading.Lock()

    def run() -> None:
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            finished = run_detectors(now=NOW)
            with lock:
                runs.append(finished.events_read)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(runs) == [0, 0, 0, 40]
    day = ActivityAggregate.objects.get(subject_type="recruiter", granularity="day", subject_id=str(recruiter.pk))
    assert day.reveals == 40
    assert Flag.objects.filter(detector="velocity").count() == 1
