"""Retention of relay webhook receipts: kept only as long as the replay window needs them."""

from celery import shared_task

from audit.retention import prune_before

from .models import RelayWebhookReceipt


def prune_relay_webhook_receipts() -> int:
    """Receipts older than RETENTION_DAYS["relay_webhook_receipts"]: their signatures are stale anyway."""
    return prune_before(
        queryset=RelayWebhookReceipt.objects.all(), date_field="received_at", period="relay_webhook_receipts"
    )


@shared_task(name="resumes.retention.prune_relay_webhook_receipts")
def prune_relay_webhook_receipts_task() -> int:
    return prune_relay_webhook_receipts()
