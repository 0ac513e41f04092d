"""Employers' background work: invitation e-mails, sent after the invitation is committed."""

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
