"""Periodic account housekeeping run by Celery beat."""

from celery import shared_task

from . import retention


@shared_task(name="accounts.tasks.purge_expired_api_tokens")
def purge_expired_api_tokens() -> int:
    # Batched and audited like every other prune (accounts/retention.py).
    return retention.prune_expired_api_tokens()
