"""The detectors' beat task through a real Celery worker on the Redis broker, against the test database."""

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery_app import app
from detection.models import DetectionRun

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TASK = "detection.tasks.run_detectors"
WAIT_SECONDS = 90


def _database_url() -> str:
    # The test database (test_<name>), not the one DATABASE_URL names: the worker must see this test's rows.
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_beat_sends_the_detectors_every_five_minutes():
    """`make run` starts its worker with --beat, so this entry runs the detectors there too."""
    app.loader.import_default_modules()

    entry = settings.CELERY_BEAT_SCHEDULE["run-detectors"]

    assert (entry["task"], entry["schedule"]) == (TASK, dt.timedelta(minutes=5))
    assert TASK in app.tasks


@pytest.mark.postgres
@pytest.mark.redis
def test_beat_task_runs_the_detectors_in_a_real_worker_on_redis(transactional_db, tmp_path):
    # A queue of this test's own, so that no other worker on the same Redis takes the message.
    queue = f"hirewall-test-{uuid.uuid4().hex[:12]}"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        BLIND_INDEX_KEY=settings.BLIND_INDEX_KEY,
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
        # Sent from another process through the Redis broker, as beat would send it.
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-c",
                f"from config.celery_app import app; app.send_task({TASK!r}, queue={queue!r})",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            timeout=60,
        )
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and not DetectionRun.objects.exists():
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    output = log.read_text() if log.exists() else ""

    run = DetectionRun.objects.get()
    assert run.finished_at is not None
    assert f"Task {TASK}" in output
    assert "succeeded" in output
