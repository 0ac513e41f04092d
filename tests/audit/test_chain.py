"""The audit hash chain: links, verification, tamper detection, triggers, digests, fail-closed reveals."""

import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from audit import selectors
from audit.actions import AuditAction
from audit.chain import GENESIS_HASH, event_hash
from audit.models import ActivityEvent, AuditChainHead, AuditDigest, AuditEvent
from audit.services import record_event, write_chain_digest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def append(count: int) -> list[AuditEvent]:
    actor = UserFactory(role="operator")
    return [
        record_event(action=AuditAction.ORGANIZATION_LICENCE_VIEWED, actor=actor, details={"n": index})
        for index in range(count)
    ]


def run_verify() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_chain", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def tamper(sql: str, params: list) -> None:
    """Change a row behind the application's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


def test_each_event_links_to_the_one_before():
    first, second, third = append(3)

    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    stored = AuditEvent.objects.get(seq=2)
    assert event_hash(stored) == stored.hash  # the hash survives the round trip through the database
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (3, third.hash)


def test_verify_reports_an_intact_chain():
    append(5)

    status, output = run_verify()

    assert status == 0
    assert "5 events verified" in output


def test_verify_names_the_first_edited_event():
    events = append(5)
    tamper("UPDATE audit_auditevent SET code = %s WHERE seq = %s", ["forged", events[2].seq])

    status, output = run_verify()

    assert status == 1
    assert "BROKEN at event #3" in output
    assert "2 events verified" in output


def test_verify_notices_a_deleted_event():
    events = append(4)
    tamper("DELETE FROM audit_auditevent WHERE seq = %s", [events[1].seq])

    status, output = run_verify()

    assert status == 1
    assert "#2" in output and "missing" in output


def test_verify_notices_a_dropped_tail():
    events = append(4)
    tamper("DELETE FROM audit_auditevent WHERE seq = %s", [events[-1].seq])

    status, output = run_verify()

    assert status == 1
    assert "chain head" in output


def test_the_orm_refuses_to_change_events():
    from audit.models import AppendOnlyError

    (event,) = append(1)

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(code="x")
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET code = 'forged'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
        "UPDATE audit_auditdigest SET hash = 'x'",
        "TRUNCATE audit_auditdigest",
    ],
)
def test_postgres_triggers_refuse_changes(statement):
    from django.db.utils import ProgrammingError

    append(2)
    write_chain_digest()

    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        # Test connections may truncate (to empty the database between tests); a deployment may not.
        cursor.execute("SET LOCAL hirewall.allow_audit_truncate = 'off'")
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 2


def test_daily_digest_writes_the_head_to_the_table_and_the_file(settings, tmp_path):
    settings.AUDIT_DIGEST_FILE = str(tmp_path / "digests.log")
    *_, last = append(3)

    from audit.tasks import write_chain_digest as digest_task

    digest_task.delay()

    digest = AuditDigest.objects.get()
    assert (digest.seq, digest.hash) == (3, last.hash)
    assert Path(settings.AUDIT_DIGEST_FILE).read_text().strip().endswith(f"seq=3 sha256={last.hash}")


def test_digest_task_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["write-audit-chain-digest"]

    assert entry["task"] == "audit.tasks.write_chain_digest"
    assert entry["schedule"].days == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_appends_make_one_unbroken_chain():
    actor = UserFactory(role="operator")
    barrier = threading.Barrier(8)
    failures = []

    def append_some():
        try:
            barrier.wait(timeout=30)
            for index in range(10):
                with transaction.atomic():
                    record_event(action=AuditAction.ORGANIZATION_LICENCE_VIEWED, actor=actor, details={"n": index})
        except Exception as error:  # reported below, so that a thread's failure fails the test
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append_some) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 81))
    assert selectors.walk_chain().ok


def test_activity_log_keeps_searches_off_the_chain():
    assert ActivityEvent.objects.count() == 0 and AuditEvent.objects.count() == 0
