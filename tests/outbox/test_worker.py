"""An outbox message handed to a real Celery worker on the Redis broker: a failed attempt is retried by Celery
with the row's backoff, and the retry delivers it (PostgreSQL and Redis, as in CI)."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings

from employers.mail import INVITATION_EMAIL
from outbox.models import OutboxMessage
from tests.config.test_celery_worker import BIN, PROJECT_ROOT, _database_url
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
    queue = f"hirewall-test-{uuid.uuid4().hex[:12]}"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        BLIND_INDEX_KEY=settings.BLIND_INDEX_KEY,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(mail_path),
        OUTBOX_RETRY_BASE_SECONDS="2",
    )
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            f"--queues={queue}",
            f"--logfile={log}",
        ],
        cwd=PROJECT_ROOT,
        env=env,
    )
    try:
        # The web process's hand-over, through the real broker (its default queue is this test's own).
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-c",
                "import django; django.setup()\n"
                "from config.celery_app import app\n"
                f"app.conf.task_default_queue = {queue!r}\n"
                "from outbox.services import hand_to_worker\n"
                f"hand_to_worker(message_id={message.pk})",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            timeout=60,
        )
        wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).attempts >= 1, what="the first attempt")
        failed = OutboxMessage.objects.get(pk=message.pk)
        # The mail folder becomes usable before Celery's retry (two seconds later) comes.
        mail_path.unlink()
        mail_path.mkdir()
        wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).delivered_at is not None, what="the retry")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    output = log.read_text() if log.exists() else ""

    assert (failed.delivered_at, failed.last_error) == (None, "django.core.exceptions.ImproperlyConfigured")
    delivered = OutboxMessage.objects.get(pk=message.pk)
    assert (delivered.attempts, delivered.payload) == (2, {})
    assert "retry: Retry in 2s" in output
    (sent,) = list(mail_path.iterdir())
    assert "worker.invitee@example.test" in sent.read_text()
