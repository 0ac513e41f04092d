"""Retention: rows past their period are pruned in batches, each batch a chained audit event."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from audit.models import ActivityEvent, AuditEvent
from audit.retention import prune_activity_log, prune_activity_log_task
from audit.selectors import walk_chain

# In the past: on PostgreSQL the trigger judges a row's age by the database's own clock, not the pinned one.
NOW = dt.datetime(2025, 6, 1, 3, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


def activity_at(moment: dt.datetime) -> ActivityEvent:
    return ActivityEvent.objects.create(
        kind="search", actor_id=uuid.uuid4(), organization_id=1, result_count=3, created_at=moment
    )


def test_prunes_activity_older_than_six_months_and_keeps_the_rest():
    old = [activity_at(NOW - dt.timedelta(days=185)), activity_at(NOW - dt.timedelta(days=400))]
    kept = [activity_at(NOW - dt.timedelta(days=183)), activity_at(NOW - dt.timedelta(hours=1))]

    with time_machine.travel(NOW, tick=False):
        pruned = prune_activity_log()

    assert pruned == len(old)
    assert set(ActivityEvent.objects.values_list("pk", flat=True)) == {row.pk for row in kept}


def test_each_prune_is_a_chained_audit_event_naming_rows_and_period():
    activity_at(NOW - dt.timedelta(days=200))

    with time_machine.travel(NOW, tick=False):
        prune_activity_log()

    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.actor_id) == ("retention.pruned", "pruned", None)
    assert (event.target_type, event.target_id) == ("table", "audit.ActivityEvent")
    assert event.details == {
        "rows": 1,
        "period": "activity_log",
        "retention_days": 184,
        "older_than": (NOW - dt.timedelta(days=184)).isoformat(),
    }
    assert walk_chain().ok


def test_deletes_in_batches_each_with_its_own_event(settings):
    settings.RETENTION_PRUNE_BATCH_SIZE = 2
    for days in (190, 191, 192, 193, 194):
        activity_at(NOW - dt.timedelta(days=days))

    with time_machine.travel(NOW, tick=False):
        pruned = prune_activity_log_task.delay().get()

    assert pruned == 5
    assert not ActivityEvent.objects.exists()
    rows = [event.details["rows"] for event in AuditEvent.objects.order_by("seq")]
    assert rows == [2, 2, 1]


def test_a_run_stops_after_its_batches_and_the_next_goes_on(settings):
    settings.RETENTION_PRUNE_BATCH_SIZE = 1
    settings.RETENTION_PRUNE_MAX_BATCHES = 2
    for days in (190, 191, 192):
        activity_at(NOW - dt.timedelta(days=days))

    with time_machine.travel(NOW, tick=False):
        first, second = prune_activity_log(), prune_activity_log()

    assert (first, second) == (2, 1)
    assert not ActivityEvent.objects.exists()


def test_nothing_to_prune_records_nothing():
    activity_at(NOW - dt.timedelta(days=10))

    with time_machine.travel(NOW, tick=False):
        assert prune_activity_log() == 0

    assert not AuditEvent.objects.exists()
    assert ActivityEvent.objects.count() == 1


def test_a_period_shorter_than_the_law_asks_is_refused(settings):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "activity_log": 30}
    activity_at(NOW - dt.timedelta(days=60))

    with time_machine.travel(NOW, tick=False), pytest.raises(ImproperlyConfigured, match="at least 184 days"):
        prune_activity_log()

    assert ActivityEvent.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_a_longer_period_keeps_rows_longer(settings):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "activity_log": 365}
    kept = activity_at(NOW - dt.timedelta(days=300))
    activity_at(NOW - dt.timedelta(days=366))

    with time_machine.travel(NOW, tick=False):
        assert prune_activity_log() == 1

    assert list(ActivityEvent.objects.all()) == [kept]


def test_the_chained_audit_log_is_never_a_retention_target(settings):
    assert "audit_log" not in settings.RETENTION_DAYS
    assert settings.RECRUITMENT_RECORDS_MINIMUM_DAYS >= 3 * 365


def test_retention_tasks_are_on_the_beat_schedule(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {
        "audit.retention.prune_activity_log",
        "accounts.retention.prune_login_events",
        "resumes.retention.prune_relay_webhook_receipts",
        "accounts.tasks.purge_expired_api_tokens",
    } <= scheduled


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM audit_activityevent",
        "DELETE FROM audit_activityevent WHERE created_at > now() - interval '184 days'",
        "UPDATE audit_activityevent SET result_count = 0",
    ],
)
def test_postgres_trigger_refuses_to_delete_or_change_activity_younger_than_the_floor(statement):
    from django.db import connection, transaction
    from django.db.utils import ProgrammingError

    activity_at(dt.datetime.now(dt.UTC) - dt.timedelta(days=183))

    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert ActivityEvent.objects.count() == 1


@pytest.mark.postgres
def test_postgres_trigger_lets_retention_delete_rows_past_the_floor():
    from django.db import connection

    old = activity_at(dt.datetime.now(dt.UTC) - dt.timedelta(days=185))
    kept = activity_at(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_activityevent WHERE id = %s", [old.pk])

    assert list(ActivityEvent.objects.all()) == [kept]
