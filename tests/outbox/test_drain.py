"""One drain per burst of commits (outbox.services.wake_drain, outbox.tasks.drain_outbox), on a real Redis broker.

A commit queues no task of its own where the workers share the cache: the first commit of a burst queues
a drain that starts OUTBOX["drain_delay_ms"] later, the others find it queued (or, before it starts, need
not ask), and the drain queues a delivery task for every new message. No worker runs here: what the broker
holds is read off its Redis list, and the drain is called as a worker would, at its start time.
"""

import base64
import datetime as dt
import json
import time
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
import redis
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from outbox import services
from outbox.models import OutboxMessage
from outbox.tasks import deliver_outbox_message, deliver_pending_outbox, drain_outbox, drain_queued_key
from tests.celery_worker import own_queue
from tests.outbox import kinds
from tests.outbox.broker import unreachable_broker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

DRAIN = "outbox.tasks.drain_outbox"
DELIVER = "outbox.tasks.deliver_outbox_message"


@pytest.fixture
def broker_queue():
    """Tasks published, not run eagerly, to a queue of this test's own on the Redis broker; emptied after."""
    conf = deliver_outbox_message.app.conf
    saved = conf.task_always_eager, conf.broker_url, conf.task_default_queue
    queue = own_queue()
    conf.task_always_eager, conf.broker_url, conf.task_default_queue = False, settings.REDIS_URL, queue
    forget_connections()
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        yield lambda *, headers=False: queued_messages(client, queue) if headers else queued(client, queue)
    finally:
        client.delete(queue)
        conf.task_always_eager, conf.broker_url, conf.task_default_queue = saved
        forget_connections()
        services._skip_wake_until.clear()


def forget_connections() -> None:
    # Both pools are built from broker_url on first use: hand-overs use the connection pool, .delay() the producers.
    app = deliver_outbox_message.app
    app._pool = None
    app.amqp._producer_pool = None


def queued(client: redis.Redis, queue: str) -> list[tuple[str, list]]:
    """The tasks waiting in `queue`, oldest first, as (task name, positional arguments)."""
    return [(headers["task"], args) for headers, args in queued_messages(client, queue)]


def queued_messages(client: redis.Redis, queue: str) -> list[tuple[dict, list]]:
    """The tasks waiting in `queue`, oldest first, as (headers, positional arguments)."""
    messages = []
    for raw in reversed(client.lrange(queue, 0, -1)):  # kombu pushes on the left
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        messages.append((message["headers"], args))
    return messages


@contextmanager
def at_the_drain_start():
    """The clocks moved to where the queued drain may start (a worker runs it no earlier).

    time-machine moves the wall clock only: the monotonic one, which says how long a process skips
    the cache, is moved by as much.
    """
    delay = settings.OUTBOX["drain_delay_ms"] / 1000 + 0.05
    real_monotonic = time.monotonic
    with (
        time_machine.travel(time.time() + delay, tick=True),
        mock.patch.object(services.time, "monotonic", lambda: real_monotonic() + delay),
    ):
        yield


def commit_one(text: str) -> OutboxMessage:
    with transaction.atomic():
        return services.enqueue(kind=kinds.NOTE, payload={"text": text})


def test_a_burst_of_commits_queues_one_drain_which_queues_each_new_message_once(broker_queue):
    assert settings.OUTBOX["wake_seconds"] > 0
    messages = [commit_one(f"burst {number}") for number in range(5)]

    assert broker_queue() == [(DRAIN, [])]

    assert drain_outbox() == 5  # as the worker runs it

    assert broker_queue() == [(DRAIN, []), *((DELIVER, [message.pk]) for message in messages)]
    # Handed over: the sweep leaves them to their tasks for the claim's time.
    claimed_until = {message.next_attempt_at for message in OutboxMessage.objects.all()}
    assert min(claimed_until) > timezone.now() + timedelta(seconds=settings.OUTBOX["claim_seconds"] - 60)
    # A second drain (a duplicate, or one queued after the key expired) finds nothing new.
    assert drain_outbox() == 0
    assert len(broker_queue()) == 6


def test_a_commit_after_the_drain_started_queues_the_next_drain(broker_queue):
    commit_one("before")
    with at_the_drain_start():
        drain_outbox()

        late = commit_one("after the drain read")

        assert broker_queue()[-1] == (DRAIN, [])
        assert drain_outbox() == 1
        assert broker_queue()[-1] == (DELIVER, [late.pk])


def test_the_queued_drain_is_what_the_burst_waits_for_until_its_key_expires(broker_queue):
    commit_one("first")
    assert cache.get(drain_queued_key()) is not None

    with at_the_drain_start():
        cache.delete(drain_queued_key())  # as if wake_seconds had passed with the drain still not started
        commit_one("second")

        assert [name for name, _ in broker_queue()] == [DRAIN, DRAIN]
        assert drain_outbox() == 2
        assert drain_outbox() == 0  # the second drain: nothing is queued twice


def test_the_drain_starts_its_delay_after_the_commit_that_queued_it(broker_queue):
    committed_at = timezone.now()
    commit_one("first of a burst")

    ((headers, _args),) = broker_queue(headers=True)
    delay = timedelta(milliseconds=settings.OUTBOX["drain_delay_ms"])
    assert settings.OUTBOX["drain_delay_ms"] > 0
    assert dt.datetime.fromisoformat(headers["eta"]) >= committed_at + delay


def test_commits_before_the_queued_drain_starts_do_not_ask_the_cache_and_are_claimed_by_it(broker_queue):
    commit_one("queues the drain")
    # Were the next commits to ask the cache, they would find no drain queued and queue one each.
    cache.delete(drain_queued_key())

    commit_one("second")
    commit_one("third")

    assert broker_queue() == [(DRAIN, [])]
    with at_the_drain_start():
        assert drain_outbox() == 3


def test_a_process_that_finds_the_drain_queued_learns_when_it_starts(broker_queue):
    commit_one("queued by another process")
    services._skip_wake_until.clear()  # this process has not seen that drain queued

    commit_one("finds it queued")  # asks the cache, which holds the drain's start
    cache.delete(drain_queued_key())
    commit_one("needs not ask")

    assert broker_queue() == [(DRAIN, [])]
    with at_the_drain_start():
        assert drain_outbox() == 3


def test_a_drain_due_but_not_begun_is_asked_about_again_only_after_a_short_while(broker_queue):
    """A late drain (its worker busy) claims what commits meanwhile: the process does not ask on every commit."""
    commit_one("queues the drain")
    services._skip_wake_until.clear()  # another process, which has not seen the drain queued
    with at_the_drain_start():
        commit_one("finds it due, not begun")  # asks the cache: the key is still there
        cache.delete(drain_queued_key())  # were the next commit to ask, it would queue a second drain

        commit_one("within the recheck")

        assert broker_queue() == [(DRAIN, [])]
        later = services.time.monotonic() + services.LATE_DRAIN_RECHECK_SECONDS + 0.01
        with mock.patch.object(services.time, "monotonic", lambda: later):
            commit_one("after the recheck")  # asks again: the drain has begun, a new one is queued

        assert broker_queue() == [(DRAIN, []), (DRAIN, [])]
        assert drain_outbox() == 4


def test_without_a_drain_delay_every_commit_asks_the_cache(broker_queue, settings):
    settings.OUTBOX = {**settings.OUTBOX, "drain_delay_ms": 0}
    commit_one("first")
    cache.delete(drain_queued_key())  # as if the drain had started

    commit_one("second")

    assert broker_queue() == [(DRAIN, []), (DRAIN, [])]
    assert [headers.get("eta") for headers, _args in broker_queue(headers=True)] == [None, None]


def test_a_drain_hands_over_at_most_a_batch_and_queues_the_next_drain_for_the_rest(broker_queue, settings):
    settings.OUTBOX = {**settings.OUTBOX, "drain_batch_size": 2}
    messages = [commit_one(f"batch {number}") for number in range(3)]

    assert drain_outbox() == 2
    assert drain_outbox() == 1

    delivers = [args[0] for name, args in broker_queue() if name == DELIVER]
    assert delivers == [message.pk for message in messages]
    assert [name for name, _ in broker_queue()].count(DRAIN) == 2  # the burst's, and the one for the rest


def test_the_drain_leaves_a_message_tried_before_to_its_retry(broker_queue):
    tried = commit_one("failed once")
    OutboxMessage.objects.filter(pk=tried.pk).update(attempts=1, next_attempt_at=timezone.now())

    assert drain_outbox() == 0
    assert OutboxMessage.objects.get(pk=tried.pk).next_attempt_at <= timezone.now()


def test_the_sweep_delivers_a_claimed_message_whose_task_was_lost(broker_queue, mailoutbox):
    commit_one("claimed, then lost")
    drain_outbox()
    assert deliver_pending_outbox() == 0  # claimed: its task is on the way

    later = timezone.now() + timedelta(seconds=settings.OUTBOX["claim_seconds"] + 1)
    with time_machine.travel(later, tick=False):
        assert deliver_pending_outbox() == 1

    assert [sent.body for sent in mailoutbox] == ["claimed, then lost"]


def test_the_claimed_message_s_own_task_delivers_it(broker_queue, mailoutbox):
    message = commit_one("delivered by its task")
    drain_outbox()

    assert deliver_outbox_message(message.pk) == "delivered"
    assert [sent.body for sent in mailoutbox] == ["delivered by its task"]


def test_when_no_drain_can_be_queued_the_commit_stands_and_the_next_commit_tries_again(caplog, mailoutbox):
    with unreachable_broker():
        commit_one("broker down")
        # Released: a commit after the broker is back queues a drain at once.
        assert cache.get(drain_queued_key()) is None
        commit_one("still down")

    assert caplog.text.count("outbox drain not queued") == 2
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 2
    assert deliver_pending_outbox() == 2
    assert sorted(sent.body for sent in mailoutbox) == ["broker down", "still down"]


def test_without_a_shared_cache_each_commit_queues_its_own_delivery(broker_queue, settings):
    settings.OUTBOX = {**settings.OUTBOX, "wake_seconds": 0}
    messages = [commit_one(f"own task {number}") for number in range(2)]

    assert broker_queue() == [(DELIVER, [message.pk]) for message in messages]
    assert cache.get(drain_queued_key()) is None
