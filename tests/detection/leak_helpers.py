"""Leak forensics test helpers: relay webhooks posted as the provider would, at a chosen moment."""

import datetime as dt
import json

import time_machine
from django.test import Client

from resumes.models import RelayContact
from resumes.webhooks import sign_webhook_body


def post_webhook(url: str, payload: dict, at: dt.datetime):
    """A signed, fresh provider webhook posted at `at`; returns the response."""
    with time_machine.travel(at, tick=False):
        body = json.dumps({**payload, "timestamp": int(at.timestamp())}).encode()
        return Client().post(
            url, body, content_type="application/json", HTTP_X_HIREWALL_SIGNATURE=sign_webhook_body(body)
        )


def email_to(relay: RelayContact, sender: str, at: dt.datetime):
    payload = {"alias": relay.email_alias, "sender": sender, "subject": "A job for you", "body": "Call us today."}
    return post_webhook("/relay/email/inbound", payload, at)


def call_to(relay: RelayContact, caller: str, at: dt.datetime):
    payload = {"number": relay.phone_number, "extension": relay.phone_extension, "caller": caller}
    return post_webhook("/relay/voice/resolve", payload, at)
