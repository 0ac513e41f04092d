"""Notices to seekers: stored with their parameters, shown in the language the seeker reads the page in."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import Notification

REVEAL = "reveal"
CONTACT_REQUEST = "contact_request"
RELAY_REVOKED = "relay_revoked"

TEXTS = {
    REVEAL: _("%(organization)s received your contact details for the job “%(job)s”."),
    CONTACT_REQUEST: _("%(organization)s asks for your contact details for the job “%(job)s”."),
    RELAY_REVOKED: _(
        "Hirewall revoked the relay contact that %(organization)s held for you: it forwards nothing any more."
    ),
}
MESSAGE_MAX_LENGTH = 500


def build_notification(*, user_id, kind: str, **params: str) -> Notification:
    """An unsaved notice; `message` keeps the English text for exports and e-mails."""
    with translation.override("en"):
        message = str(TEXTS[kind] % params)
    return Notification(user_id=user_id, kind=kind, params=params, message=message[:MESSAGE_MAX_LENGTH])


def notification_text(notification: Notification) -> str:
    """The notice in the active language; the stored English text for kinds without parameters."""
    template = TEXTS.get(notification.kind)
    if template is None or not notification.params:
        return notification.message
    try:
        return str(template % notification.params)
    except (KeyError, TypeError, ValueError):
        return notification.message
