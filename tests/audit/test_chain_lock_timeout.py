"""A chain append waits for the head at most AUDIT_CHAIN_LOCK_TIMEOUT_MS and leaves the caller's lock timeout alone."""

import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction
from psycopg import errors as psycopg_errors

from audit.chain import GENESIS_HASH
from audit.models import AuditChainHead, AuditEvent
from audit.services import CHAIN_HEAD_ID, record_event

pytestmark = pytest.mark.postgres


def lock_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_callers_lock_timeout_is_back_after_an_append(settings):
    settings.AUDIT_CHAIN_LOCK_TIMEOUT_MS = 500

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', '7s', true)")
        record_event(action="audit.chain_verified", outcome="intact")

        assert lock_timeout() == "7s"


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_an_append_behind_a_held_head_fails_within_the_chain_lock_timeout(settings):
    # The test settings' general lock timeout (30 s) is far longer: only the chain's own can end the wait in time.
    settings.AUDIT_CHAIN_LOCK_TIMEOUT_MS = 300
    AuditChainHead.objects.get_or_create(pk=CHAIN_HEAD_ID, defaults={"seq": 0, "hash": GENESIS_HASH})
    locked, release = threading.Event(), threading.Event()

    def hold_head():
        try:
            with transaction.atomic():
                AuditChainHead.objects.select_for_update().get(pk=CHAIN_HEAD_ID)
                locked.set()
                release.wait(20)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_head)
    holder.start()
    assert locked.wait(timeout=30)
    started = time.monotonic()
    try:
        with pytest.raises(OperationalError) as refused:
            record_event(action="audit.chain_verified", outcome="intact")
        elapsed = time.monotonic() - started
    finally:
        release.set()
        holder.join(timeout=30)

    assert isinstance(refused.value.__cause__, psycopg_errors.LockNotAvailable)
    assert elapsed < 5
    assert not AuditEvent.objects.filter(action="audit.chain_verified").exists()
    # Once the head is free, appends go on, and the chain has no gap.
    record_event(action="audit.chain_verified", outcome="intact")
    assert AuditChainHead.objects.get(pk=CHAIN_HEAD_ID).seq == AuditEvent.objects.count()
