"""Writes to the audit log: chained events, the activity log, signed head digests, operators' chain checks."""

import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.request_info import canonical_ip

from . import digests, selectors, signing
from .actions import AuditAction, AuditOutcome, declared_action, declared_outcome
from .chain import GENESIS_HASH, canonical_json_around_link, event_hash
from .models import ActivityEvent, ActivityKind, AuditChainHead, AuditDigest, AuditEvent

# The single row of AuditChainHead, created by migration 0002.
CHAIN_HEAD_ID = 1

# Keys that would name contact-grade values; details carry ids, codes and counts instead.
CONTACT_GRADE_KEYS = frozenset(
    {"name", "full_name", "email", "phone", "mobile", "address", "birth_date", "photo", "contact"}
)
_EMAIL_PATTERN = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
USER_AGENT_MAX_LENGTH = 512
# An operator ran the check from the admin (the vocabulary in audit/actions.py may declare it).


class ContactDataInAuditDetails(ValueError):
    """A caller tried to put a contact-grade value into an audit event."""


def contains_contact_data(value: Any) -> bool:
    """True when a value (or anything nested in it) is keyed like, or looks like, contact data."""
    if isinstance(value, dict):
        return any(str(key).lower() in CONTACT_GRADE_KEYS or contains_contact_data(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(contains_contact_data(item) for item in value)
    if isinstance(value, str):
        return bool(_EMAIL_PATTERN.search(value))
    return False


def record_event(
    *,
    action: AuditAction,
    actor: models.Model | None = None,
    organization: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    job: models.Model | int | None = None,
    outcome: AuditOutcome | str = "",
    code: str = "",
    ip: str | None = None,
    user_agent: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the hash chain in the caller's transaction; `actor` None means the platform.

    If the append fails, the caller's transaction fails with it: nothing that needs
    its audit event happens without one.

    Raises UndeclaredAuditValue for an action or outcome not declared in audit/actions.py,
    and ContactDataInAuditDetails rather than store a name, an email or a phone.
    """
    event = _new_event(
        action=action,
        actor=actor,
        organization=organization,
        target_type=target_type,
        target_id=target_id,
        job=job,
        outcome=outcome,
        code=code,
        ip=ip,
        user_agent=user_agent,
        details=details,
    )
    if connection.vendor == "postgresql":
        _append_in_one_statement(event)
        return event
    with transaction.atomic():
        # The head row lock serialises appends until the caller's transaction ends.
        head = _locked_chain_head()
        event.seq = head.seq + 1
        event.prev_hash = head.hash
        event.hash = event_hash(event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=CHAIN_HEAD_ID).update(seq=event.seq, hash=event.hash)
    return event


def _new_event(
    *,
    action: AuditAction,
    actor: models.Model | None = None,
    organization: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    job: models.Model | int | None = None,
    outcome: AuditOutcome | str = "",
    code: str = "",
    ip: str | None = None,
    user_agent: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """The unsaved event `record_event` appends, its vocabulary and details checked (see there)."""
    action, outcome = declared_action(action).value, declared_outcome(outcome)
    # A JSON round trip now, so the hash covers exactly what the database gives back later.
    details = json.loads(json.dumps(details or {}, default=str))
    if contains_contact_data(details):
        raise ContactDataInAuditDetails(f"audit details of {action!r} must not hold contact-grade values")
    return AuditEvent(
        action=action,
        actor_id=actor.pk if actor is not None else None,
        actor_role=getattr(actor, "role", "") if actor is not None else "",
        organization_id=organization.pk if organization is not None else None,
        target_type=target_type,
        target_id=str(target_id),
        job_id=getattr(job, "pk", job),
        outcome=outcome,
        code=code,
        ip=_normalised_ip(ip),
        user_agent=(user_agent or "")[:USER_AGENT_MAX_LENGTH],
        details=details,
        created_at=timezone.now(),
    )


# The values in a VALUES list, so that the statement reads the same whatever they are (logs, query shapes).
# The canonical JSON's three parts go as three texts: psycopg would escape a Python list's quotes one by
# one in Python, a third of the append's own cost.
APPEND_EVENT = """\
SELECT appended.* FROM (
    VALUES (%s::timestamptz, %s, %s::uuid, %s, %s::bigint, %s, %s, %s::bigint, %s, %s, %s::inet, %s, %s::jsonb,
            ARRAY[%s::text, %s::text, %s::text], %s::integer)
) AS event (created_at, action, actor_id, actor_role, organization_id, target_type, target_id, job_id, outcome,
            code, ip, user_agent, details, canonical_parts, lock_timeout_ms)
CROSS JOIN LATERAL audit_append_event(
    event.created_at, event.action, event.actor_id, event.actor_role, event.organization_id, event.target_type,
    event.target_id, event.job_id, event.outcome, event.code, event.ip, event.user_agent, event.details,
    event.canonical_parts, event.lock_timeout_ms
) AS appended"""


def _append_in_one_statement(event: AuditEvent) -> None:
    """PostgreSQL: lock the head, link, hash, insert and move the head in one statement (audit migration 0008).

    One statement needs no savepoint: if it fails, the caller's transaction fails with it. The head's
    lock is held until the caller's transaction ends, so callers append as late as they can. The head
    lock waits at most AUDIT_CHAIN_LOCK_TIMEOUT_MS (when set); the function restores the session's
    lock_timeout once it holds the head.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            APPEND_EVENT,
            [
                *_event_values(event),
                json.dumps(event.details),
                *canonical_json_around_link(event),
                int(settings.AUDIT_CHAIN_LOCK_TIMEOUT_MS) or None,
            ],
        )
        _appended(event, cursor.fetchone())


def _event_values(event: AuditEvent) -> list:
    """The event's own fields as audit_append_event takes them, up to its details."""
    return [
        event.created_at,
        event.action,
        event.actor_id,
        event.actor_role,
        event.organization_id,
        event.target_type,
        event.target_id,
        event.job_id,
        event.outcome,
        event.code,
        event.ip,
        event.user_agent,
    ]


def _appended(event: AuditEvent, row: tuple) -> None:
    """The event as saved, from audit_append_event's row: (id, seq, prev_hash, hash)."""
    event.pk, event.seq, event.prev_hash, event.hash = row
    event._state.adding = False
    event._state.db = connection.alias


# audit_append_event over each row of a statement's WITH expression `{source}` (rows with an `id`): the event
# is the one `record_event` would append, and its details get that row's id under the key named, which only the
# statement knows. The canonical JSON carries a stand-in number for it, replaced with the id in SQL.
APPEND_AFTER_ROW = """\
SELECT appended.* FROM {source} CROSS JOIN LATERAL audit_append_event(
    %s::timestamptz, %s, %s::uuid, %s, %s::bigint, %s, %s, %s::bigint, %s, %s, %s::inet, %s,
    %s::jsonb || jsonb_build_object(%s::text, {source}.id),
    ARRAY[replace(%s::text, %s::text, {source}.id::text), replace(%s::text, %s::text, {source}.id::text),
          replace(%s::text, %s::text, {source}.id::text)],
    %s::integer
) AS appended"""


@dataclass(frozen=True)
class AppendAfterRow:
    """An append that a larger statement runs after it inserts one row: its SQL, values and the event appended."""

    event: AuditEvent
    id_key: str
    sql: str
    params: list

    def appended(self, *, row_id: int, row: tuple) -> AuditEvent:
        """The event as saved: the row's id in its details, then audit_append_event's (id, seq, prev_hash, hash)."""
        self.event.details[self.id_key] = row_id
        _appended(self.event, row)
        return self.event


def append_after_row(*, source: str, id_key: str, **fields: Any) -> AppendAfterRow:
    """PostgreSQL: `record_event(**fields)` as a SELECT that appends once per row of `source`, its id in the details.

    For a write and its audit event in one statement (a reveal): `source` names a WITH expression of the
    caller's statement that returns `id`. The append still runs last in the caller's transaction as far as
    the chain head is concerned: it holds the head until commit, so the statement should be the last.
    """
    event = _new_event(**fields)
    if id_key in event.details:
        raise ValueError(f"{id_key!r} is given by the statement, not by the caller")
    stand_in = secrets.randbits(62) | 1 << 62  # 19 digits
    event.details[id_key] = stand_in
    parts = canonical_json_around_link(event)
    del event.details[id_key]
    if "".join(parts).count(str(stand_in)) != 1:
        raise ValueError("the row id's stand-in is not unique in the canonical JSON")
    sql = APPEND_AFTER_ROW.format(source=source)
    params = [*_event_values(event), json.dumps(event.details), id_key]
    for part in parts:
        params.extend([part, str(stand_in)])
    params.append(int(settings.AUDIT_CHAIN_LOCK_TIMEOUT_MS) or None)
    return AppendAfterRow(event=event, id_key=id_key, sql=sql, params=params)


def _locked_chain_head() -> AuditChainHead:
    heads = AuditChainHead.objects.select_for_update()
    with _with_chain_lock_timeout():
        try:
            return heads.get(pk=CHAIN_HEAD_ID)
        except AuditChainHead.DoesNotExist:
            # Migration 0002 creates the head; an emptied database (tests) starts a new chain.
            # If events remained, seq 1 would collide with them and the append would fail: fail closed.
            AuditChainHead.objects.bulk_create(
                [AuditChainHead(pk=CHAIN_HEAD_ID, seq=0, hash=GENESIS_HASH)], ignore_conflicts=True
            )
            return heads.get(pk=CHAIN_HEAD_ID)


@contextmanager
def _with_chain_lock_timeout() -> Iterator[None]:
    """Inside the caller's transaction: wait at most AUDIT_CHAIN_LOCK_TIMEOUT_MS for the chain head's lock.

    The head serialises every append of the platform; without a bound, one transaction stuck while
    holding it stops every organisation's reveals. A waiter past the bound gets LockNotAvailable, its
    transaction rolls back whole and the API answers 503 with nothing written. Once the lock is
    held, the transaction's own lock_timeout is put back for what follows; after an error the
    rollback discards the setting anyway. PostgreSQL only (SQLite serialises writers itself).
    An append written as one SQL statement or function can instead run
    `set_config('lock_timeout', '<AUDIT_CHAIN_LOCK_TIMEOUT_MS>ms', true)` before taking the head.
    """
    connection = transaction.get_connection()
    timeout_ms = settings.AUDIT_CHAIN_LOCK_TIMEOUT_MS
    if connection.vendor != "postgresql" or not timeout_ms:
        yield
        return
    with connection.cursor() as cursor:
        # set_config(..., true) is SET LOCAL: it ends with the transaction (or the savepoint rolled back).
        cursor.execute(
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)", [f"{int(timeout_ms)}ms"]
        )
        previous = cursor.fetchone()[0]
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])


def _normalised_ip(ip: str | None) -> str | None:
    return canonical_ip(ip) if ip else None


def record_activity(
    *,
    kind: str,
    actor: models.Model,
    organization: models.Model,
    resume_id=None,
    filters: dict[str, Any] | None = None,
    result_count: int | None = None,
    ip: str | None = None,
) -> None:
    """One search or masked view, for the detectors: a plain insert, no chain, no lock."""
    ActivityEvent.objects.create(
        kind=kind,
        actor_id=actor.pk,
        organization_id=organization.pk,
        resume_id=resume_id,
        filters=json.loads(json.dumps(filters or {}, default=str)),
        result_count=result_count,
        ip=_normalised_ip(ip),
    )


def record_rate_limited(
    *, actor_id=None, organization_id: int | None = None, route: str, limit: str, ip: str | None = None
) -> None:
    """One request refused by an HTTP rate limit, for the detectors: who, which route and limit; never the body.

    Ids rather than rows: the refusal path stays one insert however hard it is hammered.
    """
    ActivityEvent.objects.create(
        kind=ActivityKind.RATE_LIMITED,
        actor_id=actor_id,
        organization_id=organization_id,
        route=route[:100],
        filters={"limit": limit},
        ip=_normalised_ip(ip),
    )


def write_chain_digest() -> AuditDigest:
    """Sign the chain head (seq, hash, time) and write it to the digest table, the digest file and its mirror.

    The signature needs AUDIT_SIGNING_KEY, which the database does not hold: whoever
    rewrites the chain later cannot produce a matching signed head, and the copies
    outside the database keep the old ones. If the file or the mirror cannot be
    written, the digest row is rolled back with them and the task fails loudly.
    """
    with transaction.atomic():
        head = AuditChainHead.objects.get(pk=CHAIN_HEAD_ID)
        signed_at = timezone.now()
        signature = signing.sign_head(seq=head.seq, hash=head.hash, signed_at=signed_at)
        digest = AuditDigest.objects.create(seq=head.seq, hash=head.hash, created_at=signed_at, signature=signature)
        line = digests.digest_line(seq=head.seq, hash=head.hash, signed_at=signed_at, signature=signature)
        digests.write_mirror_copy(line=line, seq=head.seq, signed_at=signed_at)
        digests.append_to_digest_file(line)
    return digest


def verify_chain_for_operator(*, operator: models.Model, ip: str | None = None) -> selectors.ChainVerification:
    """Run the chain check from the admin and chain its outcome, so that who checked when is on record too."""
    verification = selectors.verify_chain()
    problem = verification.problem
    record_event(
        action=AuditAction.AUDIT_CHAIN_VERIFIED,
        actor=operator,
        outcome=AuditOutcome.INTACT if problem is None else AuditOutcome.BROKEN,
        code="" if problem is None else problem.kind,
        ip=ip,
        details={
            "events_verified": verification.verified,
            "signed_heads_checked": verification.signed_heads,
            "first_problem_seq": None if problem is None else problem.seq,
        },
    )
    return verification
