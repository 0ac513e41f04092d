"""An outbox message handed to a real Celery worker on the Redis broker: a failed attempt is retried by Celery
with the row's backoff, and the retry delivers it (PostgreSQL and Redis, as in CI)."""

import time

import pytest

from employers.mail import INVITATION_EMAIL
from outbox.models import OutboxMessage
from tests.celery_worker import celery_worker, own_queue, run_in_another_process, worker_environment
from tests.employers.factories import InvitationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

WAIT_SECONDS = 90


def wait_for(condition, *, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_real_worker_retries_a_failed_delivery_and_then_delivers_it(transactional_db, tmp_path):
    invitation = InvitationFactory(email="worker.invitee@example.test")
    # Committed, not yet handed over (the test process runs tasks eagerly; the hand-over happens below).
    message = OutboxMessage.objects.create(kind=INVITATION_EMAIL, payload={"invitation_id": str(invitation.pk)})
    # The file mail backend refuses a path that is a file: the first attempt fails for real.
    mail_path = tmp_path / "mail"
    mail_path.write_text("not a folder")
    queue = own_queue()
    env = worker_environment(
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(mail_path),
        OUTBOX_RETRY_BASE_SECONDS="2",
    )
    log = tmp_path / "worker.log"
    with celery_worker(env=env, queue=queue, log=log):
        # The web process's hand-over, through the real broker (its default queue is this test's own).
        run_in_another_process(
            "import django; django.setup()\n"
            "from config.celery_app import app\n"
            f"app.conf.task_default_queue = {queue!r}\n"
            "from outbox.services import hand_to_worker\n"
            f"hand_to_worker(message_id={message.pk})",
            env=env,
        )
        wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).attempts >= 1, what="the first attempt")
        failed = OutboxMessage.objects.get(pk=message.pk)
        # The mail folder becomes usable before Celery's retry (two seconds later) comes.
        mail_path.unlink()
        mail_path.mkdir()
        wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).delivered_at is not None, what="the retry")
    output = log.read_text() if log.exists() else ""

    assert (failed.delivered_at, failed.last_error) == (None, "django.core.exceptions.ImproperlyConfigured")
    delivered = OutboxMessage.objects.get(pk=message.pk)
    assert (delivered.attempts, delivered.payload) == (2, {})
    assert "retry: Retry in 2s" in output
    (sent,) = list(mail_path.iterdir())
    assert "worker.invitee@example.test" in sent.read_text()


def test_a_real_worker_delivers_a_burst_of_commits_from_fewer_drains_than_messages(transactional_db, tmp_path):
    """The web process's commits, as production makes them: one drain per burst, then one delivery per message."""
    invitations = [InvitationFactory(email=f"burst.{number}@example.test") for number in range(10)]
    mail_path = tmp_path / "mail"
    mail_path.mkdir()
    queue = own_queue()
    # The web process and the worker both name the test's queue, as production's name one queue.
    env = worker_environment(
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(mail_path),
        CELERY_TASK_DEFAULT_QUEUE=queue,
    )
    log = tmp_path / "worker.log"
    ids = ", ".join(repr(str(invitation.pk)) for invitation in invitations)
    with celery_worker(env=env, queue=queue, log=log):
        run_in_another_process(
            "import django; django.setup()\n"
            "from django.conf import settings\n"
            "from django.db import transaction\n"
            "assert settings.OUTBOX['wake_seconds'] > 0\n"
            "from outbox.services import enqueue\n"
            f"for invitation_id in [{ids}]:\n"
            "    with transaction.atomic():\n"
            f"        enqueue(kind={INVITATION_EMAIL!r}, payload={{'invitation_id': invitation_id}})\n",
            env=env,
        )
        try:
            wait_for(
                lambda: OutboxMessage.objects.filter(delivered_at__isnull=False).count() == 10, what="ten deliveries"
            )
        finally:
            output = log.read_text() if log.exists() else ""
            print(output)  # shown when the test fails

    drains = output.count("outbox.tasks.drain_outbox[")
    deliveries = output.count("outbox.tasks.deliver_outbox_message[")
    assert 1 <= drains < 10, output
    assert deliveries >= 10, output
    sent = "".join(path.read_text() for path in mail_path.iterdir())
    assert all(f"burst.{number}@example.test" in sent for number in range(10))
