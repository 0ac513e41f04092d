"""Writing outbox messages in the caller's transaction, and delivering them once, with retries.

The rule they serve: once a transaction has committed, nothing may turn its answer into an
error. The work after it (mail, ledger lines) is a row committed with it; a Celery task
delivers the row, and a sweep every minute delivers whatever the queue lost. Where the workers
share the cache (Redis), a commit does not queue that task itself: the first commit of a burst
queues one drain, which starts a little later and queues a task for each new row (a reveal's
request saves a broker publish, most of what its commit cost after the statements; until the
drain starts, the process's other commits save the cache's round trip too). Delivery is
at least once towards the outside world (a crash between a handler's success and the
commit that records it sends again) and never twice from two workers at once.
"""

import datetime as dt
import functools
import inspect
import json
import logging
import time
from contextlib import suppress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.sql import InsertQuery
from django.utils import timezone

from . import registry
from .models import OutboxMessage
from .tasks import deliver_outbox_message, drain_outbox, drain_queued_key

logger = logging.getLogger(__name__)


class ContactDataInPayload(ValueError):
    """A payload value looks like an e-mail address: store the row's id, or its ciphertext."""


def enqueue(*, kind: str, payload: dict) -> OutboxMessage:
    """Write one message of `kind` in the caller's transaction; after commit, hand it to a Celery worker.

    `payload` must be JSON and must be the keyword arguments of the kind's registered handler
    (checked here, before anything commits). It holds ids, and anything a person wrote only
    encrypted: the outbox table is in every database dump. A rolled-back transaction leaves
    no message. Called outside any transaction, the row commits at once and is handed over
    at once, which is the same thing with a transaction of one statement.

    Handing over never fails the caller: if the broker cannot be reached, the failure is
    logged and the sweep (`deliver_pending_outbox`) delivers the row within a minute or so.
    """
    _check_payload(kind, payload)
    now = timezone.now()
    message = OutboxMessage.objects.create(kind=kind, payload=payload, created_at=now, next_attempt_at=now)
    _hand_over_after_commit(message.pk)
    return message


def enqueue_after_rows(*rows: Model, kind: str, payload: dict, last_row_id_as: str) -> OutboxMessage:
    """Insert `rows` (unsaved model instances, in order), then enqueue a message whose payload names the last one's id.

    The message is `kind` with `payload` plus the last row's new primary key under `last_row_id_as`, checked
    as `enqueue` checks it. On PostgreSQL the rows and the message are one statement (a reveal, the seeker's
    notice and its e-mail: one round trip instead of three); elsewhere the rows are saved one by one and the
    message enqueued after them. Each row gets its primary key, as `save()` would give it.
    """
    if connection.vendor != "postgresql":
        _check_payload(kind, {**payload, last_row_id_as: 0})
        for row in rows:
            row.save(force_insert=True)
        return enqueue(kind=kind, payload={**payload, last_row_id_as: rows[-1].pk})
    written = rows_with_message(*rows, kind=kind, payload=payload, last_row_id_as=last_row_id_as)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {written.sql}\nSELECT {written.ids_sql}", written.params)
        return written.written(cursor.fetchone())


@dataclass(frozen=True)
class RowsWithMessage:
    """`enqueue_after_rows`' rows and message as expressions of a WITH (PostgreSQL), for one statement to write.

    `sql` is "row_0 AS (...), ..., message AS (...)": each row's INSERT returning its id, the message's after
    the last row. `ids_sql` selects the ids they return, for `written` to read back after the statement.
    """

    sql: str
    params: list
    ids_sql: str
    rows: tuple[Model, ...]
    kind: str
    payload: dict
    last_row_id_as: str
    now: dt.datetime

    def written(self, ids: tuple) -> OutboxMessage | None:
        """After the statement: the rows get their ids, and the message (None if nothing was written) its hand-over."""
        *row_ids, message_id = ids
        if message_id is None:
            return None
        for row, row_id in zip(self.rows, row_ids, strict=True):
            row.pk = row_id
            row._state.adding, row._state.db = False, connection.alias
        message = OutboxMessage(
            pk=message_id,
            kind=self.kind,
            payload={**self.payload, self.last_row_id_as: row_ids[-1]},
            created_at=self.now,
            next_attempt_at=self.now,
        )
        message._state.adding, message._state.db = False, connection.alias
        _hand_over_after_commit(message_id)
        return message


def rows_with_message(
    *rows: Model,
    kind: str,
    payload: dict,
    last_row_id_as: str,
    after: str | None = None,
    from_after: dict[str, str] | None = None,
) -> RowsWithMessage:
    """PostgreSQL: `enqueue_after_rows` as WITH expressions that a caller's statement can hold with its own.

    `after`: the name of one of the caller's WITH expressions; the first row is then written once per row it
    returns (none: nothing at all is written), each later row once per row written before it, and
    `from_after` maps a field's attname to an SQL expression over `after` that gives its value (an id only
    the statement knows). The payload is checked here, as `enqueue` checks it.
    """
    _check_payload(kind, {**payload, last_row_id_as: 0})
    inserts, params = [], []
    for number, row in enumerate(rows):
        if after is None:
            sql, row_params = _insert_returning_pk(row)
        else:
            source = after if number == 0 else f"row_{number - 1}"
            sql, row_params = _insert_for_each(row, source=source, from_source=from_after if number == 0 else None)
        inserts.append(f"row_{number} AS ({sql})")
        params.extend(row_params)
    last = f"row_{len(rows) - 1}"
    now = timezone.now()
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    inserts.append(
        f"""message AS (
            INSERT INTO {table} (kind, payload, created_at, attempts, next_attempt_at, last_error)
            SELECT %s, %s::jsonb || jsonb_build_object(%s::text, {last}.id), %s, 0, %s, '' FROM {last}
            RETURNING id
        )"""  # noqa: S608 (the table and the aliases are ours; every value is a parameter)
    )
    params.extend([kind, json.dumps(payload), last_row_id_as, now, now])
    names = [f"row_{number}" for number in range(len(rows))] + ["message"]
    return RowsWithMessage(
        sql=",\n".join(inserts),
        params=params,
        ids_sql=", ".join(f"(SELECT id FROM {name})" for name in names),  # noqa: S608 (our names)
        rows=rows,
        kind=kind,
        payload=payload,
        last_row_id_as=last_row_id_as,
        now=now,
    )


def _insert_for_each(row: Model, *, source: str, from_source: dict[str, str] | None) -> tuple[str, list]:
    """INSERT ... SELECT of one unsaved instance, once per row of `source`, returning the new primary key.

    Plain values only (no expressions, no fields that write their own placeholder): INSERT ... SELECT
    gives each parameter its column's type, as VALUES does.
    """
    meta = row._meta
    from_source = from_source or {}
    columns, placeholders, params = [], [], []
    for field in meta.local_concrete_fields:
        if field is meta.auto_field and row.pk is None:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in from_source:
            placeholders.append(from_source[field.attname])
            continue
        value = field.pre_save(row, add=True)
        if hasattr(value, "resolve_expression") or getattr(field, "get_placeholder", None):
            raise ValueError(f"{meta.label}.{field.attname}: a row written after another takes plain values")
        placeholders.append("%s")
        params.append(field.get_db_prep_save(value, connection=connection))
    table, pk = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(meta.pk.column)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(placeholders)} FROM {source} RETURNING {pk}"  # noqa: S608
    return sql, params


def _check_payload(kind: str, payload: dict) -> None:
    handler = registry.handler_for(kind)
    try:
        _signature(handler).bind(**payload)
    except TypeError as error:
        raise TypeError(f"outbox payload for {kind!r} does not fit its handler: {error}") from None
    _refuse_plain_addresses(payload)


@functools.cache
def _signature(handler) -> inspect.Signature:
    return inspect.signature(handler)  # read on every enqueue (a reveal's notice): worth keeping


def _hand_over_after_commit(message_id: int) -> None:
    transaction.on_commit(lambda: _after_commit(message_id))


def _after_commit(message_id: int) -> None:
    if settings.OUTBOX["wake_seconds"] and not deliver_outbox_message.app.conf.task_always_eager:
        wake_drain()
    else:
        hand_to_worker(message_id=message_id)


# The INSERT text per database, model and fields, as Django's compiler writes it: compiled once, then each
# row only prepares its values (the compiler's work was a third of writing a reveal with its notice).
_insert_sql: dict[tuple, str] = {}


def _insert_returning_pk(row: Model) -> tuple[str, list]:
    """The INSERT of one unsaved instance, as `save()` would send it, returning its primary key."""
    meta = row._meta
    fields = [field for field in meta.local_concrete_fields if not (field is meta.auto_field and row.pk is None)]
    values = [field.pre_save(row, add=True) for field in fields]  # as the compiler does: auto_now and the like
    # One plain placeholder per field, unless a value is an expression or a field writes its own placeholder.
    plain = not any(hasattr(value, "resolve_expression") for value in values) and not any(
        getattr(field, "get_placeholder", None) for field in fields
    )
    key = (connection.alias, type(row), tuple(field.attname for field in fields))
    if plain and key in _insert_sql:
        params = [
            field.get_db_prep_save(value, connection=connection) for field, value in zip(fields, values, strict=True)
        ]
        return _insert_sql[key], params
    query = InsertQuery(type(row))
    query.insert_values(fields, [row])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    ((sql, params),) = compiler.as_sql()
    if plain:
        _insert_sql[key] = sql
    return sql, list(params)


def hand_to_worker(*, message_id: int) -> None:
    """Queue the message's own delivery task; whatever fails here is logged, never raised (the sweep catches up)."""
    app = deliver_outbox_message.app
    try:
        if app.conf.task_always_eager:
            # Tests run tasks in-process: no broker to reach, the delivery runs here and now.
            deliver_outbox_message.delay(message_id)
            return
        _publish(deliver_outbox_message, message_id)
    except Exception as error:  # whatever the broker (or an eager delivery) raises, the commit stands
        logger.warning("outbox message %s not queued (%s); the sweep will deliver it", message_id, type(error).__name__)


# Per queue, the moment (this process's monotonic clock) until which its commits need not tell the cache:
# the drain it last knew queued starts after it. Monotonic, so that a step of the wall clock cannot stretch it.
_skip_wake_until: dict[str, float] = {}
# Less than the queued drain's start by this much: a worker's clock may run a little ahead of this host's.
DRAIN_START_MARGIN_SECONDS = 0.2
# A drain past its start that has not begun is asked about again after this long. A commit in between
# that the drain, beginning meanwhile, does not claim waits for the next drain any commit queues (or the
# sweep): what a worker that late costs, instead of two cache round trips on every commit until it begins.
LATE_DRAIN_RECHECK_SECONDS = 0.2


def wake_drain() -> None:
    """After a commit: queue a drain, unless one is queued and has not started; logged, never raised, if it fails.

    A drain starts OUTBOX["drain_delay_ms"] after the commit that queued it (a Celery countdown, so never
    earlier). The commits of a burst that end before that start need nothing from the cache: the process
    remembers when the queued drain starts. Past that, one cache round trip (SET NX) tells whether a drain
    is still queued; one that is due but has not begun is asked about again only every
    LATE_DRAIN_RECHECK_SECONDS. A drain that finds the key gone (it expires OUTBOX["wake_seconds"] after the start)
    or a second drain is harmless: claims are made under row locks, and a message's task delivers it once.
    """
    key = drain_queued_key()
    if time.monotonic() < _skip_wake_until.get(key, 0.0):
        return  # the drain this process knows of starts after this commit: it will claim its message
    delay = settings.OUTBOX["drain_delay_ms"] / 1000
    starts_at = time.time() + delay  # shared with the other processes through the key: the wall clock
    try:
        if not cache.add(key, starts_at, timeout=delay + settings.OUTBOX["wake_seconds"]):
            # The queued drain deletes the key before it claims: it will claim this commit's message.
            queued_starts_at = cache.get(key)
            if isinstance(queued_starts_at, float):
                until_start = queued_starts_at - time.time()
                if until_start > 0:
                    _skip_wake(key, seconds=min(until_start, delay))
                else:
                    # Due but not begun (its worker is busy, or none runs yet): it may begin any moment, so
                    # this commit's message is its; ask again after a short while, not on every commit.
                    _skip_wake_until[key] = time.monotonic() + LATE_DRAIN_RECHECK_SECONDS
            return
        _publish(drain_outbox, countdown=delay or None)
    except Exception as error:  # the broker or the cache: the commit stands, the sweep delivers
        with suppress(Exception):
            cache.delete(key)  # so that the next commit tries again
        logger.warning("outbox drain not queued (%s); the sweep will deliver the new messages", type(error).__name__)
        return
    _skip_wake(key, seconds=delay)


def _skip_wake(key: str, *, seconds: float) -> None:
    seconds -= DRAIN_START_MARGIN_SECONDS
    if seconds > 0:
        _skip_wake_until[key] = time.monotonic() + seconds


def _publish(task, *args, countdown: float | None = None) -> None:
    # One try, no pause between retries: the caller's request would wait through them (kombu's
    # default waits several seconds on a broker that refuses), and the sweep retries anyway.
    with task.app.pool.acquire(block=True) as connection:
        connection.ensure_connection(max_retries=0)
        task.apply_async(args, connection=connection, retry=False, countdown=countdown)


def retry_now(*, message_ids) -> int:
    """Make undelivered messages due now, dead ones included (one more attempt each); returns how many."""
    with transaction.atomic():
        ids = list(
            # A message a worker holds right now is being delivered: nothing to retry there.
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk__in=message_ids, delivered_at__isnull=True)
            .values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=ids).update(next_attempt_at=timezone.now(), dead_at=None)
        for message_id in ids:
            transaction.on_commit(lambda message_id=message_id: hand_to_worker(message_id=message_id))
    return len(ids)


def _refuse_plain_addresses(value) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _refuse_plain_addresses(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_plain_addresses(item)
    elif isinstance(value, str) and "@" in value:
        raise ContactDataInPayload("an outbox payload holds ids and ciphertext, never an address")
