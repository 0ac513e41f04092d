"""The invitation e-mails, sent to the invited address itself: the one place employers decrypts an address."""

from datetime import UTC

from django.conf import settings
from django.core.mail import send_mail

from accounts import crypto
from outbox.registry import handler as outbox_handler

from .models import Invitation, InvitationStatus

INVITATION_EMAIL = "employers.invitation_email"
INVITATION_ACCEPTED_EMAIL = "employers.invitation_accepted_email"


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
    _mail_the_invited_address(invitation, "Hirewall: an invitation to join an organisation", body)
    return True


@outbox_handler(INVITATION_ACCEPTED_EMAIL)
def send_invitation_accepted_email(*, invitation_id: str) -> bool:
    """Tell the invited address that an account under it took the seat; False if the invitation is not accepted.

    An account's address is not proven when it registers: whoever registers an address first receives the
    invitations sent to it. The mailbox's owner learns here that a seat was taken in their name, and can
    say so before the account reveals anything more.
    """
    invitation = (
        Invitation.objects.filter(pk=invitation_id, status=InvitationStatus.ACCEPTED)
        .select_related("organization")
        .first()
    )
    if invitation is None:
        return False
    accepted = invitation.responded_at.astimezone(UTC)
    body = (
        f"The Hirewall account registered under this address accepted {invitation.organization.legal_name}'s "
        f"invitation on {accepted:%Y-%m-%d at %H:%M} UTC and now holds a seat there as "
        f"{invitation.get_role_display().lower()}.\n\n"
        "If that was you, there is nothing to do.\n\n"
        "If it was not, someone else registered a Hirewall account under your address and took the seat meant "
        f"for you: tell {invitation.organization.legal_name}'s administrators at once, so that they ask Hirewall's "
        "operators to deactivate it."
    )
    _mail_the_invited_address(invitation, "Hirewall: an invitation sent to you was accepted", body)
    return True


def _mail_the_invited_address(invitation: Invitation, subject: str, body: str) -> None:
    # Decrypted for the recipients alone; a failure is retried by the outbox.
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [crypto.decrypt(invitation.email_ciphertext)])
