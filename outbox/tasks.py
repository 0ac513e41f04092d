"""Celery tasks of the outbox: deliver one message (retried with backoff), the drain that queues the deliveries
of a burst of commits, the sweep every minute, the daily prune."""

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from .delivery import claim_new_messages, deliver_due_messages, deliver_message, prune_delivered_messages


@shared_task(name="outbox.tasks.deliver_outbox_message", bind=True, max_retries=None)
def deliver_outbox_message(self, message_id: int) -> str:
    """Deliver one message; a failed attempt is retried when the row says, until it is dead.

    The row keeps the count and the time of the next attempt, so a retry that arrives early
    (or twice) finds the message not due and does nothing; the sweep is the safety net.
    """
    delivery = deliver_message(message_id=message_id)
    # Run eagerly (tests), a retry would run at once and raise into the caller: the row's schedule
    # and the sweep take over there.
    if delivery.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=delivery.retry_in, max_retries=settings.OUTBOX["max_attempts"])
    return delivery.outcome


@shared_task(name="outbox.tasks.drain_outbox")
def drain_outbox() -> int:
    """Queue a delivery task for every new message (up to OUTBOX["drain_batch_size"]); returns how many.

    Queued by the first commit of a burst to start OUTBOX["drain_delay_ms"] later (outbox.services.wake_drain),
    while the commits after it find the key that says a drain is on its way (or, before that start, know
    it without asking). The key goes first, then the claim reads: a
    message committed before the delete is among the claimed, one committed after it queues the
    next drain. Whatever this drain fails to queue is claimed, and the sweep's once the claim ends.
    """
    cache.delete(drain_queued_key())
    batch = settings.OUTBOX["drain_batch_size"]
    claimed = claim_new_messages(limit=batch)
    for message_id in claimed:
        deliver_outbox_message.delay(message_id)
    if len(claimed) == batch:
        drain_outbox.delay()  # there may be more
    return len(claimed)


def drain_queued_key() -> str:
    """The cache key that says a drain is queued and has not started yet, holding its start; one per queue."""
    return f"outbox-drain-queued:{drain_outbox.app.conf.task_default_queue}"


@shared_task(name="outbox.tasks.deliver_pending_outbox")
def deliver_pending_outbox() -> int:
    return deliver_due_messages()


@shared_task(name="outbox.tasks.prune_delivered_outbox")
def prune_delivered_outbox() -> int:
    return prune_delivered_messages()
