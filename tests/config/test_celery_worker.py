"""The detectors' beat task through a real Celery worker on the Redis broker, against the test database."""

import datetime as dt
import time

import pytest
from django.conf import settings

from config.celery_app import app
from detection.models import DetectionRun
from tests.celery_worker import celery_worker, own_queue, run_in_another_process, worker_environment

TASK = "detection.tasks.run_detectors"
WAIT_SECONDS = 90


def test_beat_sends_the_detectors_every_five_minutes():
    """`make run` starts its worker with --beat, so this entry runs the detectors there too."""
    app.loader.import_default_modules()

    entry = settings.CELERY_BEAT_SCHEDULE["run-detectors"]

    assert (entry["task"], entry["schedule"]) == (TASK, dt.timedelta(minutes=5))
    assert TASK in app.tasks


@pytest.mark.postgres
@pytest.mark.redis
def test_beat_task_runs_the_detectors_in_a_real_worker_on_redis(transactional_db, tmp_path):
    queue = own_queue()
    env = worker_environment()
    log = tmp_path / "worker.log"
    with celery_worker(env=env, queue=queue, log=log):
        # Sent from another process through the Redis broker, as beat would send it.
        run_in_another_process(f"from config.celery_app import app; app.send_task({TASK!r}, queue={queue!r})", env=env)
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and not DetectionRun.objects.exists():
            time.sleep(0.5)
    output = log.read_text() if log.exists() else ""

    run = DetectionRun.objects.get()
    assert run.finished_at is not None
    assert f"Task {TASK}" in output
    assert "succeeded" in output
