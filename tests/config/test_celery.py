"""Celery: JSON only, time limits, a beat schedule of real tasks, and a broker that needs no server."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from knox.models import AuthToken

from accounts.tasks import purge_expired_api_tokens
from config.celery_app import app

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_celery_speaks_json_with_time_limits():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled
    assert scheduled <= set(app.tasks)


@pytest.mark.django_db
def test_purge_task_deletes_only_expired_tokens(recruiter):
    AuthToken.objects.create(user=recruiter, expiry=dt.timedelta(seconds=-5))
    live, _ = AuthToken.objects.create(user=recruiter)

    deleted = purge_expired_api_tokens.delay().get()

    assert deleted == 1
    assert list(AuthToken.objects.all()) == [live]


def test_worker_with_beat_runs_tasks_on_the_serverless_local_broker(tmp_path):
    """What `make run` does without REDIS_URL: a worker with beat on the filesystem broker."""
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_FILESYSTEM_BROKER_DIR=str(tmp_path / "celery"),
    )
    for folder in ("queue", "processed", "control"):
        (tmp_path / "celery" / folder).mkdir(parents=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=PROJECT_ROOT, env=env, check=True, timeout=120)
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "--beat",
            "--pool=solo",
            "--loglevel=INFO",
            f"--logfile={log}",
            f"--schedule={tmp_path / 'beat'}",
        ],
        cwd=PROJECT_ROOT,
        env=env,
    )
    try:
        # Sent from another process, as the web process would.
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from config.celery_app import app; app.send_task('accounts.tasks.purge_expired_api_tokens')",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            timeout=60,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "succeeded" not in (log.read_text() if log.exists() else ""):
            time.sleep(0.5)
        output = log.read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert "beat: Starting" in output
    assert "Task accounts.tasks.purge_expired_api_tokens" in output
    assert "succeeded" in output
