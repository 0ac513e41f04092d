"""The seeker's notices: which reveals are news to them, and marking notices read."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from ..models import Notification, Reveal


def reveal_is_news(*, reveal: Reveal) -> bool:
    """Whether the seeker is told of this (just created) reveal, in the app and by e-mail.

    A charged reveal opens a free re-reveal window (FREE_REREVEAL_DAYS) and is always news. A free
    one is news only when the organisation revealed nothing of this seeker in the window before it:
    repeated free re-reveals would otherwise repeat the same notice and e-mail. The access log still
    lists every reveal.
    """
    if reveal.charged:
        return True
    since = reveal.created_at - dt.timedelta(days=settings.FREE_REREVEAL_DAYS)
    earlier = Reveal.objects.filter(
        resume_id=reveal.resume_id, organization_id=reveal.organization_id, created_at__gte=since
    ).exclude(pk=reveal.pk)
    return not earlier.exists()


def mark_notifications_read(*, seeker: User, notification_ids: list[int] | None = None) -> int:
    """Mark the given (or all) unread notifications of the seeker read; returns how many."""
    unread = Notification.objects.filter(user=seeker, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    with transaction.atomic():
        return unread.update(read_at=timezone.now())
