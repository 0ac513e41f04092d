"""The audit hash chain: links, verification of the links, parallel appends, and what stays off the chain."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections, transaction

from audit import selectors
from audit.actions import AuditAction
from audit.chain import GENESIS_HASH, event_hash
from audit.models import ActivityEvent, AuditChainHead, AuditEvent
from audit.services import record_event
from tests.audit import tampering
from tests.employers.conftest import client_for
from tests.employers.factories import SeatFactory, VerifiedOrganizationFactory
from tests.factories import UserFactory
from tests.resumes.factories import ResumeFactory

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
    tampering.set_fields(events[2], code="forged")

    status, output = run_verify()

    assert status == 1
    assert "BROKEN at event #3" in output
    assert "2 events verified" in output


def test_verify_notices_a_deleted_event():
    append(4)
    tampering.delete_events(2)

    status, output = run_verify()

    assert status == 1
    assert "#2" in output and "missing" in output


def test_verify_notices_a_dropped_tail():
    append(4)
    tampering.delete_events(4)

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
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    ResumeFactory(headline="Data engineer")
    # A chain that is not empty, so that "no new event" means something.
    record_event(action="organization.limits_changed")
    head_before = AuditChainHead.objects.get()

    response = client_for(seat.user).get("/api/v1/resumes", {"q": "data"})

    assert response.status_code == 200
    search = ActivityEvent.objects.get()
    assert (search.kind, search.actor_id, search.organization_id) == ("search", seat.user.pk, seat.organization_id)
    assert search.result_count == 1
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["organization.limits_changed"]
    assert AuditChainHead.objects.get().seq == head_before.seq
