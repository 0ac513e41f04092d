"""Outbox kinds of the test suite's own, registered at import: one that mails, one that fails on demand."""

import time

from django.core.mail import send_mail

from outbox.registry import handler

NOTE = "tests.outbox.note"
FLAKY = "tests.outbox.flaky"
OPERATOR_MAILBOX = "ops@outbox.example.test"

# How many times the flaky handler still fails before it succeeds; tests set it.
flaky_failures_left = {"count": 0}


@handler(NOTE)
def send_note(*, text: str) -> None:
    send_mail("outbox note", text, None, [OPERATOR_MAILBOX])


class ProviderDown(ConnectionError):
    """What a mail provider that refuses connections raises."""


@handler(FLAKY)
def send_flaky_note(*, text: str) -> None:
    if flaky_failures_left["count"] > 0:
        flaky_failures_left["count"] -= 1
        raise ProviderDown(f"refused while sending {text} to {OPERATOR_MAILBOX}")
    send_mail("outbox flaky note", text, None, [OPERATOR_MAILBOX])


SLOW = "tests.outbox.slow"
# Long enough that a second worker arrives while the first is still sending.
SLOW_SECONDS = 0.5


@handler(SLOW)
def send_slowly(*, text: str) -> None:
    time.sleep(SLOW_SECONDS)
    send_mail("outbox slow note", text, None, [OPERATOR_MAILBOX])


NOTICE_MAIL = "tests.outbox.notice_mail"


@handler(NOTICE_MAIL)
def mail_a_notice(*, subject: str, notification_id: int) -> None:
    """Reads the row written with the message (outbox.services.enqueue_after_rows) by its id."""
    from resumes.models import Notification

    send_mail(subject, Notification.objects.get(pk=notification_id).message, None, [OPERATOR_MAILBOX])
