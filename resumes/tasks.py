"""Periodic resume housekeeping run by Celery beat."""

from celery import shared_task

from . import services


@shared_task(name="resumes.tasks.expire_contact_requests")
def expire_contact_requests() -> int:
    return services.expire_contact_requests()
