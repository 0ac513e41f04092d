"""The Celery app (cookiecutter-django shape): configured from Django settings, CELERY_ namespace."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("hirewall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each app's retention.py holds its pruning tasks (records kept as long as the law asks, no longer).
app.autodiscover_tasks(related_name="retention")


@signals.worker_init.connect
def use_batch_database_timeouts(**kwargs) -> None:
    """A worker's tasks (the detectors, retention) may run statements longer than a web request's bound.

    Sent once in the worker's main process before its pool forks, so every child inherits it;
    CELERY_TASK_TIME_LIMIT bounds each task instead (config/db.py).
    """
    from config.db import BATCH, use_timeout_profile

    use_timeout_profile(BATCH)
