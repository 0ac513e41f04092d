"""The seeker's notices: marking them read."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from ..models import Notification


def mark_notifications_read(*, seeker: User, notification_ids: list[int] | None = None) -> int:
    """Mark the given (or all) unread notifications of the seeker read; returns how many."""
    unread = Notification.objects.filter(user=seeker, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    with transaction.atomic():
        return unread.update(read_at=timezone.now())
