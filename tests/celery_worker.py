"""A real Celery worker in its own process, on the Redis broker and this test's database (PostgreSQL tests)."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_database_url() -> str:
    # The test database (test_<name>), not the one DATABASE_URL names: the worker must see this test's rows.
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def own_queue() -> str:
    """A queue of the test's own, so that no other worker on the same Redis takes its messages."""
    return f"hirewall-test-{uuid.uuid4().hex[:12]}"


def worker_environment(**extra: str) -> dict[str, str]:
    """The environment of `make run`'s settings pointed at this test's database and Redis, plus `extra`."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        BLIND_INDEX_KEY=settings.BLIND_INDEX_KEY,
        **extra,
    )
    return env


@contextmanager
def celery_worker(*, env: dict[str, str], queue: str, log: Path) -> Iterator[subprocess.Popen]:
    """A solo worker consuming `queue`, logging to `log`; stopped when the block ends, however it ends."""
    command = [str(BIN / "celery"), "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"]
    worker = subprocess.Popen(  # noqa: S603
        [*command, f"--queues={queue}", f"--logfile={log}"],
        cwd=PROJECT_ROOT,
        env=env,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def run_in_another_process(code: str, *, env: dict[str, str]) -> None:
    """Python `code` in a process of its own (a web process, beat), with the worker's environment."""
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, check=True, timeout=60)  # noqa: S603
