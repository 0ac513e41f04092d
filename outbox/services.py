"""Writing outbox messages in the caller's transaction, and delivering them once, with retries.

The rule they serve: once a transaction has committed, nothing may turn its answer into an
error. The work after it (mail, ledger lines) is a row committed with it; a Celery task
delivers the row, and a sweep every minute delivers whatever the queue lost. Delivery is
at least once towards the outside world (a crash between a handler's success and the
commit that records it sends again) and never twice from two workers at once.
"""

import inspect
import logging

from django.db import transaction
from django.utils import timezone

from . import registry
from .models import OutboxMessage
from .tasks import deliver_outbox_message

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
    handler = registry.handler_for(kind)
    try:
        inspect.signature(handler).bind(**payload)
    except TypeError as error:
        raise TypeError(f"outbox payload for {kind!r} does not fit its handler: {error}") from None
    _refuse_plain_addresses(payload)
    now = timezone.now()
    message = OutboxMessage.objects.create(kind=kind, payload=payload, created_at=now, next_attempt_at=now)
    message_id = message.pk
    transaction.on_commit(lambda: hand_to_worker(message_id=message_id))
    return message


def hand_to_worker(*, message_id: int) -> None:
    """Queue the delivery task; whatever fails here is logged, never raised (the sweep catches up)."""
    app = deliver_outbox_message.app
    try:
        if app.conf.task_always_eager:
            # Tests run tasks in-process: no broker to reach, the delivery runs here and now.
            deliver_outbox_message.delay(message_id)
            return
        # One try, no pause between retries: the caller's request would wait through them (kombu's
        # default waits several seconds on a broker that refuses), and the sweep retries anyway.
        with app.pool.acquire(block=True) as connection:
            connection.ensure_connection(max_retries=0)
            deliver_outbox_message.apply_async((message_id,), connection=connection, retry=False)
    except Exception as error:  # whatever the broker (or an eager delivery) raises, the commit stands
        logger.warning("outbox message %s not queued (%s); the sweep will deliver it", message_id, type(error).__name__)


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
