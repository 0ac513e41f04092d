"""The chain append in one statement (PostgreSQL, migration 0008): Python's hash, one statement, a lock timeout."""

import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from audit import selectors
from audit.actions import AuditAction
from audit.chain import canonical_json, canonical_json_around_link, event_hash
from audit.models import AuditChainHead, AuditEvent
from audit.services import record_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_parts_around_the_link_put_together_are_the_canonical_json():
    # Awkward values where the placeholders go: the link must still be cut at the right place.
    event = AuditEvent(
        seq=12,
        prev_hash="ab" * 32,
        action="reveal.granted",
        target_id="12",
        user_agent='"seq":12, "prev_hash":"' + "ab" * 32 + '"',
        details={"seq": 12, "prev_hash": "ab" * 32, "名": "值"},
    )

    before, between, after = canonical_json_around_link(event)

    assert before + "ab" * 32 + between + "12" + after == canonical_json(event)


@pytest.mark.postgres
def test_an_append_is_one_statement_and_its_hash_is_the_one_python_computes():
    actor = UserFactory(role="operator")
    record_event(action=AuditAction.ORGANIZATION_LICENCE_VIEWED, actor=actor)

    with CaptureQueriesContext(connection) as captured:
        event = record_event(
            action=AuditAction.ORGANIZATION_LICENCE_VIEWED,
            actor=actor,
            ip="2001:db8::1",
            user_agent="agent “quoted” \\ 工具",
            details={"n": 2, "note": "ünïcode ✓", "nested": {"b": [1, None, True]}},
        )

    assert len(captured.captured_queries) == 1, captured.captured_queries
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (event.seq, event.prev_hash, event.hash)
    assert event_hash(stored) == stored.hash
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (stored.seq, stored.hash)
    assert selectors.verify_chain().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_head_lock_waits_no_longer_than_the_setting(settings):
    settings.AUDIT_CHAIN_LOCK_TIMEOUT_MS = 200
    record_event(action=AuditAction.ORGANIZATION_LICENCE_VIEWED)
    holding, release = threading.Event(), threading.Event()

    def hold_the_head():
        try:
            with transaction.atomic():
                AuditChainHead.objects.select_for_update().get(pk=1)
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_head)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        started = time.monotonic()
        with pytest.raises(OperationalError), transaction.atomic():
            record_event(action=AuditAction.ORGANIZATION_LICENCE_VIEWED)
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join(timeout=30)

    assert waited < 5
    assert AuditEvent.objects.count() == 1
    assert selectors.walk_chain().ok
