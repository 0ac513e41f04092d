"""The Celery app (cookiecutter-django shape): configured from Django settings, CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("hirewall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each app's retention.py holds its pruning tasks (records kept as long as the law asks, no longer).
app.autodiscover_tasks(related_name="retention")
