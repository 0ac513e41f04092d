"""Retention of account records: login events after the network-log period, API tokens once expired."""

from celery import shared_task
from knox.models import AuthToken

from audit.retention import prune_before

from .models import LoginEvent


def prune_login_events() -> int:
    """Login attempts older than the network-log period (RETENTION_DAYS["login_events"])."""
    return prune_before(queryset=LoginEvent.objects.all(), date_field="created_at", period="login_events")


def prune_expired_api_tokens() -> int:
    """Tokens past their expiry (knox only drops them when they are presented)."""
    return prune_before(queryset=AuthToken.objects.all(), date_field="expiry", period="expired_api_tokens")


@shared_task(name="accounts.retention.prune_login_events")
def prune_login_events_task() -> int:
    return prune_login_events()
