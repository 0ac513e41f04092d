"""The invitation e-mail, sent to the invited address itself: the one place employers decrypts an address."""

from datetime import UTC

from django.conf import settings
from django.core.mail import send_mail

from accounts import crypto
from outbox.registry import handler as outbox_handler

from .models import Invitation

INVITATION_EMAIL = "employers.invitation_email"


@outbox_handler(INVITATION_EMAIL)
def send_invitation_email(*, invitation_id: str) -> bool:
    """Tell the invited address about an open invitation; False when it closed before the mail went out.

    Delivered by the outbox (employers.services.invite_recruiter enqueues it). The address
    appears only in the message's recipients, never in a log line.
    """
    invitation = Invitation.objects.open().select_related("organization").filter(pk=invitation_id).first()
    if invitation is None:
        return False
    expires = invitation.expires_at.astimezone(UTC)
    body = (
        f"{invitation.organization.legal_name} invites you to join its team on Hirewall as "
        f"{invitation.get_role_display().lower()}.\n\n"
        "Log in to the employers' API with a recruiter account under this address (or register one), "
        "then list your invitations (GET /api/v1/invitations) and accept or decline this one "
        f"(id {invitation.pk}) before {expires:%Y-%m-%d %H:%M} UTC.\n\n"
        "Nobody joins an organisation on Hirewall without accepting. If you did not expect this, ignore it."
    )
    send_mail(
        "Hirewall: an invitation to join an organisation",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [crypto.decrypt(invitation.email_ciphertext)],
        fail_silently=False,
    )
    return True
