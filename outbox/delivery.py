"""Delivering outbox messages: once, under a row lock, with retries, and pruning them once delivered.

At least once towards the outside world (a crash between a handler's success and the commit
that records it sends again), never twice from two workers at once.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import registry
from .models import PENDING, OutboxMessage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """What one delivery attempt did; `retry_in` (seconds) when it failed and will be tried again."""

    outcome: str  # "delivered", "failed", "dead", or "skipped" (delivered, dead, not due, or held by another worker)
    retry_in: int | None = None


SKIPPED = Delivery("skipped")


def deliver_message(*, message_id: int) -> Delivery:
    """Run the message's handler and mark it delivered in the same transaction, or record the failure.

    The row is locked with SKIP LOCKED: a second worker that reaches the same message while the
    first is delivering it skips it instead of sending again, and afterwards finds it delivered.
    A message is due on its first attempt, then from `next_attempt_at` on.
    """
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(PENDING, Q(attempts=0) | Q(next_attempt_at__lte=now), pk=message_id)
            .first()
        )
        if message is None:
            return SKIPPED
        try:
            with transaction.atomic():
                registry.handler_for(message.kind)(**message.payload)
        except Exception as error:
            return _record_failure(message, error=error, now=now)
        message.attempts += 1
        message.delivered_at = now
        message.last_error = ""
        message.payload = {}  # delivered: nothing of it is needed any more
        message.save(update_fields=["attempts", "delivered_at", "last_error", "payload"])
    return Delivery("delivered")


def claim_new_messages(*, limit: int) -> list[int]:
    """The ids of up to `limit` messages never tried, oldest first, marked as handed over to their tasks.

    A drain (outbox.tasks.drain_outbox) queues a task for each. The sweep leaves them alone for
    OUTBOX["claim_seconds"] and then delivers any whose task was lost; the task itself finds its
    message due all the same, since a first attempt is always due. Messages tried before are the
    sweep's and their own retries' (a claim would push their retry back).
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(PENDING, attempts=0, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)[:limit]
        )
        claimed_until = now + timedelta(seconds=settings.OUTBOX["claim_seconds"])
        OutboxMessage.objects.filter(pk__in=ids).update(next_attempt_at=claimed_until)
    return ids


def deliver_due_messages(*, limit: int | None = None) -> int:
    """Deliver undelivered messages whose time has come, oldest due first; returns how many were delivered.

    This is the sweep: it catches messages whose hand-over to the queue was lost and failed
    ones whose retry time has passed. Each message is delivered in its own transaction. It starts
    no delivery after OUTBOX["sweep_seconds"], so that a slow mail server cannot carry one run
    into the task's time limit; the next run goes on where it stopped.
    """
    options = settings.OUTBOX
    deadline = time.monotonic() + options["sweep_seconds"]
    due = (
        OutboxMessage.objects.filter(PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[: limit or options["sweep_batch_size"]]
    )
    delivered = 0
    for message_id in list(due):
        if time.monotonic() > deadline:
            break
        delivered += deliver_message(message_id=message_id).outcome == "delivered"
    return delivered


def prune_delivered_messages() -> int:
    """Delete messages delivered more than OUTBOX["keep_delivered_days"] ago, in short batches; returns how many.

    A delivered row keeps no payload, only when and after how many attempts: operators read it
    for a while, then it goes. Dead and waiting rows stay until they are delivered.
    """
    options = settings.OUTBOX
    cutoff = timezone.now() - timedelta(days=options["keep_delivered_days"])
    expired = OutboxMessage.objects.filter(delivered_at__lt=cutoff).order_by("pk").values_list("pk", flat=True)
    pruned = 0
    for _ in range(settings.RETENTION_PRUNE_MAX_BATCHES):
        batch = list(expired[: settings.RETENTION_PRUNE_BATCH_SIZE])
        if not batch:
            break
        pruned += OutboxMessage.objects.filter(pk__in=batch).delete()[0]
    return pruned


def retry_delay(attempts: int) -> int:
    """Seconds before attempt `attempts + 1`: doubling from OUTBOX["retry_base_seconds"], capped."""
    options = settings.OUTBOX
    return min(options["retry_base_seconds"] * 2 ** max(attempts - 1, 0), options["retry_max_seconds"])


def _record_failure(message: OutboxMessage, *, error: Exception, now: datetime) -> Delivery:
    message.attempts += 1
    # The class only: an exception's text may quote an address or a body.
    message.last_error = f"{type(error).__module__}.{type(error).__qualname__}"[:200]
    dead = message.attempts >= settings.OUTBOX["max_attempts"]
    delay = retry_delay(message.attempts)
    message.next_attempt_at = now + timedelta(seconds=delay)
    if dead:
        message.dead_at = now
    message.save(update_fields=["attempts", "last_error", "next_attempt_at", "dead_at"])
    logger.warning(
        "outbox message %s (%s) failed attempt %s with %s%s",
        message.pk,
        message.kind,
        message.attempts,
        message.last_error,
        "; giving up" if dead else f"; next attempt in {delay} s",
    )
    return Delivery("dead") if dead else Delivery("failed", retry_in=delay)
