"""Celery tasks of the outbox: deliver one message (retried with backoff), the sweep every minute, the daily prune."""

from celery import shared_task
from django.conf import settings

from .delivery import deliver_due_messages, deliver_message, prune_delivered_messages


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


@shared_task(name="outbox.tasks.deliver_pending_outbox")
def deliver_pending_outbox() -> int:
    return deliver_due_messages()


@shared_task(name="outbox.tasks.prune_delivered_outbox")
def prune_delivered_outbox() -> int:
    return prune_delivered_messages()
