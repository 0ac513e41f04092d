"""Retention: delete rows past their period in short batches, each batch a chained audit event.

The periods and their legal floors are settings (RETENTION_DAYS, RETENTION_MINIMUM_DAYS in
config/settings/base.py). The chained audit log itself is never pruned.

On PostgreSQL a trigger keeps the activity log append-only (audit/migrations/0004) but for
one DELETE: a row older than the legal floor for network logs (184 days, written into the
trigger function, not read from anything the application's role can change). Pruning thus
needs no maintenance role, and no one can delete a row the law asks to keep.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone

from .actions import AuditAction, AuditOutcome
from .models import ActivityEvent
from .services import record_event


@dataclass(frozen=True)
class Retention:
    period: str
    days: int
    cutoff: datetime


def retention_for(period: str) -> Retention:
    """The period's length and the moment before which its rows go; refuses a period under its legal floor."""
    days = settings.RETENTION_DAYS[period]
    minimum = settings.RETENTION_MINIMUM_DAYS[period]
    if days < minimum:
        raise ImproperlyConfigured(f"RETENTION_DAYS[{period!r}] is {days}; the law asks for at least {minimum} days.")
    return Retention(period=period, days=days, cutoff=timezone.now() - timedelta(days=days))


def prune_before(*, queryset: models.QuerySet, date_field: str, period: str) -> int:
    """Delete the rows of `queryset` whose `date_field` is past the period; returns how many.

    Each batch of RETENTION_PRUNE_BATCH_SIZE rows is deleted in its own transaction
    together with its `retention.pruned` audit event, so a run that stops half-way
    leaves no deletion unrecorded, and no lock is held longer than one batch.
    """
    retention = retention_for(period)
    expired = queryset.filter(**{f"{date_field}__lt": retention.cutoff}).order_by("pk")
    model = queryset.model
    pruned = 0
    for _ in range(settings.RETENTION_PRUNE_MAX_BATCHES):
        with transaction.atomic():
            batch = list(expired.values_list("pk", flat=True)[: settings.RETENTION_PRUNE_BATCH_SIZE])
            if not batch:
                break
            deleted, _ = model._base_manager.filter(pk__in=batch).delete()
            record_event(
                action=AuditAction.RETENTION_PRUNED,
                outcome=AuditOutcome.PRUNED,
                target_type="table",
                target_id=model._meta.label,
                details={
                    "rows": deleted,
                    "period": retention.period,
                    "retention_days": retention.days,
                    "older_than": retention.cutoff.isoformat(),
                },
            )
        pruned += deleted
    return pruned


def prune_activity_log() -> int:
    """Searches and masked views older than the network-log period."""
    return prune_before(queryset=ActivityEvent.objects.all(), date_field="created_at", period="activity_log")


@shared_task(name="audit.retention.prune_activity_log")
def prune_activity_log_task() -> int:
    return prune_activity_log()
