"""Hirewall project package (settings, root URLs, Celery app, WSGI/ASGI)."""

# Importing the Celery app here makes @shared_task use it in every process.
from .celery_app import app as celery_app

__all__ = ("celery_app",)
