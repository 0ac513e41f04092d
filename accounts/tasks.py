"""Periodic account housekeeping run by Celery beat."""

from celery import shared_task

from . import services


@shared_task(name="accounts.tasks.purge_expired_api_tokens")
def purge_expired_api_tokens() -> int:
    return services.purge_expired_api_tokens()
