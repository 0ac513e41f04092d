"""Rewriting the audit tables behind the application's back, as an attacker with database write access would.

The strongest such attacker owns the tables (or is a superuser) and so can switch
the append-only triggers off; these helpers do exactly that, then use the project's
own hash function to make the rewrite look consistent. What verification still
catches, it catches because of the signed heads, not because the rewrite was clumsy.
"""

from contextlib import contextmanager

from django.db import connection
from django.db.models import QuerySet

from audit.chain import GENESIS_HASH, event_hash
from audit.models import AuditChainHead, AuditDigest, AuditEvent

TABLES = ("audit_auditevent", "audit_auditchainhead", "audit_auditdigest", "audit_activityevent")


@contextmanager
def triggers_disabled():
    """Switch the audit tables' user triggers off (PostgreSQL; SQLite has none) and back on afterwards."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            for table in TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        try:
            yield
        finally:
            if postgres:
                for table in TABLES:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def set_fields(event: AuditEvent, **values) -> None:
    """Overwrite stored fields of one event, past the append-only manager's `update` to the plain one."""
    with triggers_disabled():
        QuerySet.update(AuditEvent.objects.filter(pk=event.pk), **values)


def rehash(event: AuditEvent) -> str:
    """Recompute one stored event's hash with the project's function and store it; returns the new hash."""
    stored = AuditEvent.objects.get(pk=event.pk)
    new_hash = event_hash(stored)
    set_fields(stored, hash=new_hash)
    return new_hash


def rechain_from(seq: int) -> None:
    """Renumber and re-link every event from `seq` on so that the links hold again, and move the head to the end."""
    previous = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS_HASH
    expected_seq = seq
    with triggers_disabled():
        for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
            event.seq, event.prev_hash = expected_seq, previous
            event.hash = event_hash(event)
            QuerySet.update(
                AuditEvent.objects.filter(pk=event.pk), seq=event.seq, prev_hash=event.prev_hash, hash=event.hash
            )
            previous, expected_seq = event.hash, expected_seq + 1
        move_head(seq=expected_seq - 1, hash=previous)


def delete_events(*seqs: int) -> None:
    with triggers_disabled(), connection.cursor() as cursor:
        for seq in seqs:
            cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [seq])


def move_head(*, seq: int, hash: str) -> None:
    """Put the chain head anywhere, backwards too."""
    with triggers_disabled():
        AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=hash)


def delete_head() -> None:
    with triggers_disabled():
        AuditChainHead.objects.all().delete()


def rewrite_digests(**values) -> None:
    """Edit every digest row in the database."""
    with triggers_disabled():
        AuditDigest.objects.all().update(**values)


def delete_digests() -> None:
    with triggers_disabled():
        AuditDigest.objects.all().delete()
