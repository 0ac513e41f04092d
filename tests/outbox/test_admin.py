"""Operators watch the outbox in the admin and retry what failed; they never see a payload."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from config.admin_tools import ReadOnlyAdmin
from outbox.models import OutboxMessage
from tests.factories import UserFactory
from tests.outbox import kinds

pytestmark = pytest.mark.django_db

PAYLOAD_MARKER = "Pv8-payload-marker-Rm3"


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(role="operator", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def dead_message():
    return OutboxMessage.objects.create(
        kind=kinds.NOTE,
        payload={"text": PAYLOAD_MARKER},
        attempts=10,
        dead_at=timezone.now(),
        next_attempt_at=timezone.now(),
        last_error="smtplib.SMTPServerDisconnected",
    )


def test_the_outbox_admin_is_read_only():
    assert isinstance(admin.site._registry[OutboxMessage], ReadOnlyAdmin)


def test_list_and_page_show_state_and_error_but_never_the_payload(operator_client, dead_message):
    listing = operator_client.get(reverse("admin:outbox_outboxmessage_changelist"))
    page = operator_client.get(reverse("admin:outbox_outboxmessage_change", args=[dead_message.pk]))
    dead_only = operator_client.get(reverse("admin:outbox_outboxmessage_changelist"), {"state": "dead"})

    for response in (listing, page, dead_only):
        assert response.status_code == 200
        text = response.content.decode()
        assert "smtplib.SMTPServerDisconnected" in text and kinds.NOTE in text
        assert PAYLOAD_MARKER not in text
    assert "dead" in listing.content.decode()


def test_retry_now_delivers_a_dead_message(
    operator_client, dead_message, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            reverse("admin:outbox_outboxmessage_changelist"),
            {"action": "retry_now", "_selected_action": [dead_message.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert "1 message(s) queued for delivery now." in response.content.decode()
    dead_message.refresh_from_db()
    assert dead_message.delivered_at is not None and dead_message.dead_at is None
    assert dead_message.attempts == 11
    assert [sent.body for sent in mailoutbox] == [PAYLOAD_MARKER]
