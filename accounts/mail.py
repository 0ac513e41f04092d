"""The e-mail telling an account's holder that its password changed, sent to the account's own address."""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail

from outbox.registry import handler as outbox_handler

from .models import User

PASSWORD_CHANGED_EMAIL = "accounts.password_changed_email"  # noqa: S105 (an outbox kind, not a secret)

# What the message says happened, by the audit action that recorded it.
HOW_IT_CHANGED = {
    "user.password_changed": "was changed from your account's password page",
    "user.password_reset": "was set through a reset link e-mailed to this address",
}


@outbox_handler(PASSWORD_CHANGED_EMAIL)
def send_password_changed_email(*, user_id: str, how: str, changed_at: str) -> bool:
    """Tell the holder, so that a change they did not make does not go unnoticed; False for an account gone.

    Delivered by the outbox (accounts.services.set_new_password enqueues it). The address is decrypted
    for the holder's own use and appears only in the message's recipients.
    """
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email_ciphertext="").first()
    if user is None:
        return False
    when = dt.datetime.fromisoformat(changed_at).astimezone(dt.UTC)
    body = (
        f"The password of your Hirewall account {HOW_IT_CHANGED.get(how, 'was changed')} "
        f"on {when:%Y-%m-%d at %H:%M} UTC.\n\n"
        "Every other session of your account was signed out, and every API token it held stopped working.\n\n"
        "If you did not do this, someone else may know your password: choose a new one at once with "
        '"Forgot your password?" on the login page, then look at your access log.'
    )
    send_mail(
        "Hirewall: your password was changed",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.decrypt_email()],
        fail_silently=False,  # a failure is retried by the outbox
    )
    return True
