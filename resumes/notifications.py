"""Notices to seekers: stored with their parameters, shown in the language the seeker reads the page in."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import Notification

REVEAL = "reveal"
CONTACT_REQUEST = "contact_request"
RELAY_REVOKED = "relay_revoked"
RELAY_RESTORED = "relay_restored"
# PIPL art. 57: an organisation found harvesting tells each seeker what it obtained, when, and who.
EXPOSURE_RELAY = "exposure_relay"
EXPOSURE_DIRECT = "exposure_direct"
# Someone outside the organisation used the relay contact it holds for the seeker (resumes/services/relay_use.py).
RELAY_OUTSIDE_EMAIL = "relay_outside_email"
RELAY_OUTSIDE_CALL = "relay_outside_call"

TEXTS = {
    REVEAL: _("%(organization)s received your contact details for the job “%(job)s”."),
    CONTACT_REQUEST: _("%(organization)s asks for your contact details for the job “%(job)s”."),
    RELAY_REVOKED: _(
        "Hirewall revoked the relay contact that %(organization)s held for you: it forwards nothing any more."
    ),
    RELAY_RESTORED: _(
        "Hirewall restored the relay contact that %(organization)s holds for you: a review found nothing wrong. "
        "You can revoke it yourself at any time."
    ),
    EXPOSURE_RELAY: _(
        "Hirewall found that job seekers' contact details were harvested through the account of %(organization)s. "
        "Between %(first)s and %(last)s (%(time_zone)s) it received your name and your relay contact (an email "
        "alias and a phone extension), %(count)s time(s). Hirewall has stopped that account; you can revoke the "
        "relay contact in your account at any time."
    ),
    EXPOSURE_DIRECT: _(
        "Hirewall found that job seekers' contact details were harvested through the account of %(organization)s. "
        "Between %(first)s and %(last)s (%(time_zone)s) it received your name, phone number and email address, "
        "%(count)s time(s). Hirewall has stopped that account."
    ),
    RELAY_OUTSIDE_EMAIL: _(
        "A message reached you through the relay address that %(organization)s holds for you, from an address "
        "outside %(organization)s: they may have passed your contact on. You can report misuse in your access log "
        "or revoke that relay contact."
    ),
    RELAY_OUTSIDE_CALL: _(
        "A call reached you through the relay extension that %(organization)s holds for you, from a number "
        "%(organization)s has not registered: they may have passed your contact on. You can report misuse in your "
        "access log or revoke that relay contact."
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
