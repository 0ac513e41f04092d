"""The outbox (outbox/services.py, delivery.py, tasks.py): one row in the transaction, delivered once, retried."""

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from celery.exceptions import Retry
from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Now
from django.db.models.sql import InsertQuery
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outbox import registry, services
from outbox.models import OutboxMessage
from outbox.tasks import deliver_outbox_message, deliver_pending_outbox, prune_delivered_outbox
from resumes.models import Notification
from tests.employers.factories import SeekerFactory
from tests.outbox import kinds

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _healthy_provider():
    kinds.flaky_failures_left["count"] = 0
    yield
    kinds.flaky_failures_left["count"] = 0


def test_enqueue_writes_one_row_in_the_callers_transaction_and_hands_it_over_after_commit(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        message = services.enqueue(kind=kinds.NOTE, payload={"text": "hello"})
        # Written now, in this transaction; nothing sent before the commit.
        assert OutboxMessage.objects.filter(pk=message.pk).count() == 1
        assert mailoutbox == []

    stored = OutboxMessage.objects.get()
    assert (stored.kind, stored.payload, stored.attempts) == (kinds.NOTE, {"text": "hello"}, 0)
    assert stored.delivered_at is None
    assert len(callbacks) == 1 and mailoutbox == []


def test_a_rolled_back_transaction_leaves_no_message_and_sends_nothing(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.enqueue(kind=kinds.NOTE, payload={"text": "never"})
        raise RuntimeError("the caller's transaction fails")

    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


def test_delivery_sends_exactly_once_and_empties_the_payload(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.enqueue(kind=kinds.NOTE, payload={"text": "once"})

    assert [(sent.subject, sent.body, sent.to) for sent in mailoutbox] == [
        ("outbox note", "once", [kinds.OPERATOR_MAILBOX])
    ]
    message.refresh_from_db()
    assert message.delivered_at is not None and message.attempts == 1 and message.payload == {}
    # The task running again (a duplicate from the queue) and the sweep find it delivered.
    assert deliver_outbox_message.delay(message.pk).get() == "skipped"
    assert deliver_pending_outbox.delay().get() == 0
    assert len(mailoutbox) == 1


def test_a_failing_handler_records_the_attempt_and_the_retry_time(
    mailoutbox, django_capture_on_commit_callbacks, caplog
):
    kinds.flaky_failures_left["count"] = 1
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            message = services.enqueue(kind=kinds.FLAKY, payload={"text": "try again"})

        message.refresh_from_db()
        # One attempt only: the task's own retry (run at once in eager mode) finds the message not yet due.
        assert message.attempts == 1
        assert message.last_error == "tests.outbox.kinds.ProviderDown"
        assert message.next_attempt_at == NOW + timedelta(seconds=settings.OUTBOX["retry_base_seconds"])
        assert (message.delivered_at, message.dead_at) == (None, None)
        assert message.payload == {"text": "try again"}
        assert mailoutbox == []
        # Not due yet: the sweep leaves it.
        assert deliver_pending_outbox.delay().get() == 0
    # The log names the message and the error's class, never the error's text (it quoted an address).
    assert "ProviderDown" in caplog.text and kinds.OPERATOR_MAILBOX not in caplog.text

    with time_machine.travel(message.next_attempt_at, tick=False):
        assert deliver_pending_outbox.delay().get() == 1

    message.refresh_from_db()
    assert (message.attempts, message.last_error, message.payload) == (2, "", {})
    assert [sent.body for sent in mailoutbox] == ["try again"]


def test_retries_back_off_and_give_up_after_the_last_attempt(settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.OUTBOX = {**settings.OUTBOX, "max_attempts": 3, "retry_base_seconds": 10, "retry_max_seconds": 15}
    kinds.flaky_failures_left["count"] = 99
    with time_machine.travel(NOW, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            message = services.enqueue(kind=kinds.FLAKY, payload={"text": "doomed"})
        waits = []
        for _ in range(2):
            message.refresh_from_db()
            waits.append((message.next_attempt_at - timezone.now()).total_seconds())
            clock.move_to(message.next_attempt_at)
            deliver_pending_outbox.delay().get()

    message.refresh_from_db()
    assert waits == [10, 15]  # doubling from the base, capped
    assert message.attempts == 3 and message.dead_at == NOW + timedelta(seconds=25)
    assert mailoutbox == []
    # Dead: neither the sweep nor a late task tries again.
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert deliver_pending_outbox.delay().get() == 0
        assert deliver_outbox_message.delay(message.pk).get() == "skipped"
    assert kinds.flaky_failures_left["count"] == 96


def test_the_sweep_delivers_a_message_whose_hand_over_was_lost(mailoutbox, django_capture_on_commit_callbacks):
    # The commit happens, but its on-commit hand-over never runs (a process killed right after COMMIT).
    with django_capture_on_commit_callbacks(execute=False):
        message = services.enqueue(kind=kinds.NOTE, payload={"text": "lost and found"})
    assert mailoutbox == []

    assert deliver_pending_outbox.delay().get() == 1

    message.refresh_from_db()
    assert message.delivered_at is not None
    assert [sent.body for sent in mailoutbox] == ["lost and found"]


def test_an_unknown_kind_a_misfit_payload_and_a_plain_address_are_refused_before_anything_is_written():
    with pytest.raises(registry.UnknownKind):
        services.enqueue(kind="tests.outbox.nobody", payload={})
    with pytest.raises(TypeError):
        services.enqueue(kind=kinds.NOTE, payload={"txt": "typo"})
    with pytest.raises(services.ContactDataInPayload):
        services.enqueue(kind=kinds.NOTE, payload={"text": "write to someone@example.test"})

    assert not OutboxMessage.objects.exists()


def test_a_kind_has_one_handler():
    with pytest.raises(Exception, match="two handlers"):

        @registry.handler(kinds.NOTE)
        def another_note(*, text: str) -> None:  # pragma: no cover - refused at registration
            pass

    assert registry.handler_for(kinds.NOTE) is kinds.send_note


def test_every_kind_the_project_sends_has_its_handler_registered_at_start_up():
    assert {
        "reveal.seeker_email",
        "exposure.seeker_email",
        "relay.forwarded_email",
        "employers.invitation_email",
        "accounts.erasure_ledger_line",
    } <= set(registry.registered_kinds())


def test_the_outbox_imports_no_project_app():
    """Apps import the outbox and register into it; the other way round would be a cycle waiting to happen."""
    project_apps = {app.split(".")[0] for app in settings.INSTALLED_APPS} - {"outbox", "config", "django"}
    imported = set()
    for path in Path(settings.BASE_DIR, "outbox").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])

    assert imported & project_apps == set()
    assert "django" in imported  # the scan does see the imports


def test_the_delivery_task_records_a_failure_without_raising_into_its_caller(django_capture_on_commit_callbacks):
    kinds.flaky_failures_left["count"] = 1
    with django_capture_on_commit_callbacks(execute=False):
        message = services.enqueue(kind=kinds.FLAKY, payload={"text": "later"})

    assert deliver_outbox_message.delay(message.pk).get() == "failed"

    message.refresh_from_db()
    assert (message.attempts, message.delivered_at) == (1, None)


def test_in_a_worker_the_task_asks_celery_to_retry_a_failed_attempt(django_capture_on_commit_callbacks):
    kinds.flaky_failures_left["count"] = 1
    with django_capture_on_commit_callbacks(execute=False):
        message = services.enqueue(kind=kinds.FLAKY, payload={"text": "later"})

    # Called as a worker calls it (not eagerly): the failure becomes Celery's retry, on top of the sweep.
    with pytest.raises(Retry):
        deliver_outbox_message(message.pk)

    message.refresh_from_db()
    assert message.attempts == 1


def test_the_daily_prune_drops_only_messages_delivered_long_enough_ago(settings):
    now = timezone.now()
    keep = timedelta(days=settings.OUTBOX["keep_delivered_days"])

    def row(**fields):
        return OutboxMessage.objects.create(kind=kinds.NOTE, payload={}, **fields)

    old = row(delivered_at=now - keep - timedelta(hours=1))
    recent = row(delivered_at=now - keep + timedelta(hours=1))
    dead = row(created_at=now - keep * 3, dead_at=now - keep * 2, attempts=10)
    waiting = row(created_at=now - keep * 3, attempts=3)

    assert prune_delivered_outbox.delay().get() == 1

    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, dead.pk, waiting.pk}
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()


def test_a_sweep_starts_no_delivery_past_its_time_budget(settings, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        for text in ("first", "second"):
            services.enqueue(kind=kinds.NOTE, payload={"text": text})

    settings.OUTBOX = {**settings.OUTBOX, "sweep_seconds": 0}
    assert deliver_pending_outbox.delay().get() == 0
    assert mailoutbox == []

    settings.OUTBOX = {**settings.OUTBOX, "sweep_seconds": 60}
    assert deliver_pending_outbox.delay().get() == 2


# enqueue_after_rows: rows and the message that names the last of them, in one statement on PostgreSQL


ROW_ID = "notification_id"


def notices(user, *messages):
    return [Notification(user=user, kind="reveal", message=message) for message in messages]


def test_rows_written_with_a_message_get_their_ids_and_the_message_names_the_last_one(
    mailoutbox, django_capture_on_commit_callbacks
):
    seeker = SeekerFactory()
    first, second = notices(seeker, "first notice", "second notice")

    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        message = services.enqueue_after_rows(
            first, second, kind=kinds.NOTICE_MAIL, payload={"subject": "news"}, last_row_id_as="notification_id"
        )
        assert mailoutbox == []

    assert first.pk is not None and second.pk is not None and first.pk != second.pk
    assert not first._state.adding and not second._state.adding
    assert sorted(Notification.objects.values_list("pk", "message")) == [
        (first.pk, "first notice"),
        (second.pk, "second notice"),
    ]
    stored = OutboxMessage.objects.get()
    assert (stored.pk, stored.kind, stored.payload) == (
        message.pk,
        kinds.NOTICE_MAIL,
        {"subject": "news", "notification_id": second.pk},
    )
    assert message.payload == stored.payload
    assert (stored.attempts, stored.delivered_at, stored.dead_at, stored.last_error) == (0, None, None, "")
    assert len(callbacks) == 1

    callbacks[0]()  # the hand-over after commit: tests deliver in-process

    assert [(sent.subject, sent.body) for sent in mailoutbox] == [("news", "second notice")]
    assert OutboxMessage.objects.get().delivered_at is not None


def test_a_payload_that_does_not_fit_its_handler_or_holds_an_address_writes_no_row():
    seeker = SeekerFactory()

    with pytest.raises(TypeError):
        services.enqueue_after_rows(
            *notices(seeker, "x"), kind=kinds.NOTICE_MAIL, payload={}, last_row_id_as="notification_id"
        )
    with pytest.raises(services.ContactDataInPayload):
        services.enqueue_after_rows(
            *notices(seeker, "x"),
            kind=kinds.NOTICE_MAIL,
            payload={"subject": "to seeker@example.test"},
            last_row_id_as="notification_id",
        )

    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_rows_and_message_written_together_roll_back_together(mailoutbox, django_capture_on_commit_callbacks):
    seeker = SeekerFactory()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.enqueue_after_rows(
            *notices(seeker, "never"), kind=kinds.NOTICE_MAIL, payload={"subject": "s"}, last_row_id_as=ROW_ID
        )
        raise RuntimeError("the caller's transaction fails")

    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


@pytest.mark.postgres
def test_on_postgresql_the_rows_and_the_message_are_one_statement():
    seeker = SeekerFactory()
    rows = notices(seeker, "one", "two", "three")

    with CaptureQueriesContext(connection) as captured:
        services.enqueue_after_rows(*rows, kind=kinds.NOTICE_MAIL, payload={"subject": "s"}, last_row_id_as=ROW_ID)

    assert len(captured.captured_queries) == 1
    assert Notification.objects.count() == 3
    assert OutboxMessage.objects.get().payload["notification_id"] == rows[-1].pk


def compiled_by_django(row) -> tuple[str, list]:
    """What Django's own compiler writes for the row (services._insert_returning_pk keeps its text)."""
    meta = row._meta
    fields = [field for field in meta.local_concrete_fields if not (field is meta.auto_field and row.pk is None)]
    query = InsertQuery(type(row))
    query.insert_values(fields, [row])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    ((sql, params),) = compiler.as_sql()
    return sql, plain(params)


def plain(params) -> list:
    return [getattr(param, "obj", param) for param in params]  # psycopg's Jsonb wrapper: compare what it wraps


@pytest.mark.postgres
def test_a_row_written_with_a_message_is_the_insert_django_writes_whether_compiled_now_or_before():
    seeker = SeekerFactory()
    services._insert_returning_pk(Notification(user=seeker, kind="reveal", params={"job": "first"}, message="a"))
    again = Notification(user=seeker, kind="reveal", params={"job": "second"}, message="b", created_at=NOW)

    sql, params = services._insert_returning_pk(again)

    assert (sql, plain(params)) == compiled_by_django(again)
    assert plain(params)[1:4] == ["reveal", {"job": "second"}, "b"] and NOW in params


@pytest.mark.postgres
def test_a_row_holding_an_expression_is_compiled_as_it_is_not_from_the_kept_text():
    seeker = SeekerFactory()
    services._insert_returning_pk(Notification(user=seeker, kind="reveal", message="plain"))
    with_expression = Notification(user=seeker, kind="reveal", message="at the database's time", created_at=Now())

    sql, params = services._insert_returning_pk(with_expression)

    assert "STATEMENT_TIMESTAMP()" in sql.upper() or "NOW()" in sql.upper()
    assert (sql, plain(params)) == compiled_by_django(with_expression)


# rows_with_message(after=...): the same writes inside a caller's statement, once per row of one of its expressions


def write_after(source_rows: int, *rows) -> tuple:
    written = services.rows_with_message(
        *rows, kind=kinds.NOTICE_MAIL, payload={"subject": "s"}, last_row_id_as=ROW_ID, after="source"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH source AS (SELECT n FROM generate_series(1, %s) AS n), {written.sql} SELECT {written.ids_sql}",  # noqa: S608 (the statement's own parts)
            [source_rows, *written.params],
        )
        ids = cursor.fetchone()
    return written, ids


@pytest.mark.postgres
def test_rows_written_after_an_expression_with_one_row_are_written_once_with_their_message(
    django_capture_on_commit_callbacks,
):
    seeker = SeekerFactory()
    rows = notices(seeker, "after one", "after two")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        written, ids = write_after(1, *rows)
        message = written.written(ids)

    assert [row.pk for row in rows] == list(ids[:2]) and None not in ids
    assert sorted(Notification.objects.values_list("message", flat=True)) == ["after one", "after two"]
    assert OutboxMessage.objects.get().payload == {"subject": "s", ROW_ID: rows[-1].pk} == message.payload
    assert len(callbacks) == 1


@pytest.mark.postgres
def test_rows_written_after_an_expression_without_rows_write_nothing_and_hand_nothing_over(
    django_capture_on_commit_callbacks,
):
    seeker = SeekerFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        written, ids = write_after(0, *notices(seeker, "never"))
        assert written.written(ids) is None

    assert ids == (None, None)
    assert not Notification.objects.exists() and not OutboxMessage.objects.exists()
    assert callbacks == []


@pytest.mark.postgres
def test_a_row_written_after_an_expression_takes_plain_values_only():
    seeker = SeekerFactory()
    with_expression = Notification(user=seeker, kind="reveal", message="now", created_at=Now())

    with pytest.raises(ValueError, match="plain values"):
        services.rows_with_message(
            with_expression, kind=kinds.NOTICE_MAIL, payload={"subject": "s"}, last_row_id_as=ROW_ID, after="source"
        )
