"""Periodic resume housekeeping run by Celery beat."""

from celery import shared_task

from . import relay_pool, services


@shared_task(name="resumes.tasks.expire_contact_requests")
def expire_contact_requests() -> int:
    return services.expire_contact_requests()


@shared_task(name="resumes.tasks.release_relay_extensions")
def release_relay_extensions() -> int:
    """Return to the relay pool the extensions of relay contacts revoked longer ago than the quarantine."""
    return relay_pool.release_quarantined_extensions()
