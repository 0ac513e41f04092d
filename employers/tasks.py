"""Employers' background work.

Invitation e-mails now leave through the outbox (employers.mail.INVITATION_EMAIL). This task
stays one release so that tasks queued by the previous release still run; then it goes.
"""

from smtplib import SMTPException

from celery import shared_task

from . import mail


@shared_task(
    name="employers.tasks.send_invitation_email",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_invitation_email(invitation_id: str) -> bool:
    return mail.send_invitation_email(invitation_id=invitation_id)
