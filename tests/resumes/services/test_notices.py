"""Marking notifications read (resumes/services/notices.py)."""

import pytest

from resumes import services
from resumes.models import Notification
from tests.resumes.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_mark_notifications_read_touches_only_the_seekers_own():
    mine = NotificationFactory.create_batch(2)
    seeker = mine[0].user
    NotificationFactory(user=seeker)
    theirs = NotificationFactory()

    assert services.mark_notifications_read(seeker=seeker, notification_ids=[mine[0].pk, theirs.pk]) == 1
    assert services.mark_notifications_read(seeker=seeker) == 1

    assert Notification.objects.filter(user=seeker, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
