"""The detectors' periodic job, run by Celery beat every five minutes (CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import services


@shared_task(name="detection.tasks.run_detectors")
def run_detectors() -> int:
    """Returns the run's id; the run and its flags are in the database."""
    return services.run_detectors().pk
