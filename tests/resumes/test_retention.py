"""Relay webhook receipts are kept only as long as the replay window needs them."""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEvent
from resumes.models import RelayWebhookReceipt
from resumes.retention import prune_relay_webhook_receipts_task

NOW = dt.datetime(2025, 6, 1, 3, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_receipts_older_than_a_day_are_pruned_and_the_prune_audited():
    RelayWebhookReceipt.objects.create(signature_digest="a" * 64, received_at=NOW - dt.timedelta(days=2))
    kept = RelayWebhookReceipt.objects.create(signature_digest="b" * 64, received_at=NOW - dt.timedelta(minutes=10))

    with time_machine.travel(NOW, tick=False):
        assert prune_relay_webhook_receipts_task.delay().get() == 1

    assert list(RelayWebhookReceipt.objects.all()) == [kept]
    event = AuditEvent.objects.get()
    assert (event.target_id, event.outcome, event.details["period"]) == (
        "resumes.RelayWebhookReceipt",
        "pruned",
        "relay_webhook_receipts",
    )
