"""Two workers delivering the same outbox message at once send it once (PostgreSQL row locks, real threads)."""

import pytest

from outbox import delivery
from outbox.models import OutboxMessage
from tests.outbox import kinds
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def lost_message(text: str) -> OutboxMessage:
    """A committed message whose hand-over to the queue never happened (in autocommit, enqueue's would run at once)."""
    return OutboxMessage.objects.create(kind=kinds.SLOW, payload={"text": text})


def test_two_concurrent_deliveries_of_one_message_send_it_once(mailoutbox):
    message = lost_message("only once")

    results = run_together(
        lambda: delivery.deliver_message(message_id=message.pk),
        lambda: delivery.deliver_message(message_id=message.pk),
    )

    assert sorted(result.outcome for result in results) == ["delivered", "skipped"]
    assert [sent.body for sent in mailoutbox] == ["only once"]
    message.refresh_from_db()
    assert message.attempts == 1 and message.delivered_at is not None


def test_the_sweep_and_a_late_task_racing_for_lost_messages_send_each_once(mailoutbox):
    messages = [lost_message(f"lost {n}") for n in range(3)]

    run_together(
        delivery.deliver_due_messages,
        delivery.deliver_due_messages,
        lambda: delivery.deliver_message(message_id=messages[0].pk),
    )

    assert sorted(sent.body for sent in mailoutbox) == ["lost 0", "lost 1", "lost 2"]
    assert OutboxMessage.objects.filter(delivered_at__isnull=False, attempts=1).count() == 3
