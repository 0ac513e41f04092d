"""Retention of login events and API tokens."""

import datetime as dt

import pytest
import time_machine
from knox.models import AuthToken

from accounts.models import LoginEvent
from accounts.retention import prune_login_events_task
from accounts.tasks import purge_expired_api_tokens
from audit.models import AuditEvent

NOW = dt.datetime(2025, 6, 1, 3, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


def login_at(moment: dt.datetime, user=None) -> LoginEvent:
    return LoginEvent.objects.create(user=user, success=True, channel="api", ip="203.0.113.9", created_at=moment)


def test_login_events_older_than_six_months_are_pruned(recruiter):
    login_at(NOW - dt.timedelta(days=185), recruiter)
    kept = login_at(NOW - dt.timedelta(days=100), recruiter)

    with time_machine.travel(NOW, tick=False):
        assert prune_login_events_task.delay().get() == 1

    assert list(LoginEvent.objects.all()) == [kept]
    event = AuditEvent.objects.get()
    assert (event.action, event.target_id, event.details["rows"], event.details["period"]) == (
        "retention.pruned",
        "accounts.LoginEvent",
        1,
        "login_events",
    )


def test_expired_api_tokens_are_pruned_and_the_prune_audited(recruiter):
    with time_machine.travel(NOW - dt.timedelta(hours=12), tick=False):
        AuthToken.objects.create(user=recruiter)  # ten-hour lifetime: expired by NOW
    with time_machine.travel(NOW, tick=False):
        live, _ = AuthToken.objects.create(user=recruiter)
        assert purge_expired_api_tokens.delay().get() == 1

    assert list(AuthToken.objects.all()) == [live]
    event = AuditEvent.objects.get()
    assert (event.target_id, event.details["rows"], event.details["retention_days"]) == ("knox.AuthToken", 1, 0)
