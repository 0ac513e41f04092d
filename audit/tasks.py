"""Periodic audit jobs run by Celery beat."""

from celery import shared_task

from . import services


@shared_task(name="audit.tasks.write_chain_digest")
def write_chain_digest() -> int:
    return services.write_chain_digest().seq
