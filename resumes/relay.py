"""Relay contacts: an email alias and a virtual phone extension unique to one organisation and one seeker."""

import hashlib
import hmac
import json
import secrets
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import crypto
from audit.services import contains_contact_data, record_event
from employers.errors import ReasonRequired
from employers.models import Organization

from . import errors, notifications
from .models import Notification, RelayContact, RelayWebhookReceipt, Resume
from .notifications import build_notification

ALIAS_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no look-alikes (l, 1, o, 0)
ALIAS_LENGTH = 12
EXTENSION_DIGITS = 5
ISSUE_ATTEMPTS = 8


def _new_alias() -> str:
    local = "".join(secrets.choice(ALIAS_ALPHABET) for _ in range(ALIAS_LENGTH))
    return f"{local}@{settings.RELAY_EMAIL_DOMAIN}"


def _new_extension() -> str:
    return f"{secrets.randbelow(10**EXTENSION_DIGITS):0{EXTENSION_DIGITS}d}"


def relay_contact_for(*, resume: Resume, organization: Organization) -> RelayContact:
    """The organisation's relay contact for this seeker, issued on first use.

    Random aliases and extensions may collide or race with another request for
    the same pair; each attempt runs in a savepoint and the unique constraints decide.
    """
    for _ in range(ISSUE_ATTEMPTS):
        existing = RelayContact.objects.filter(resume=resume, organization=organization).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return RelayContact.objects.create(
                    resume=resume,
                    organization=organization,
                    email_alias=_new_alias(),
                    phone_number=secrets.choice(settings.RELAY_PHONE_NUMBERS),
                    phone_extension=_new_extension(),
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not issue a unique relay contact")


# Provider webhooks: signed, fresh, accepted once.

SIGNATURE_HEADER = "HTTP_X_HIREWALL_SIGNATURE"


def sign_webhook_body(body: bytes) -> str:
    """The signature a provider sends: "sha256=" + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(settings.RELAY_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()


def accept_webhook(*, body: bytes, signature: str, required: tuple[str, ...]) -> dict:
    """Check signature, freshness and single use; return the JSON payload. Call inside a transaction."""
    if not settings.RELAY_WEBHOOK_SECRET or not hmac.compare_digest(sign_webhook_body(body), signature or ""):
        raise errors.InvalidSignature()
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise errors.WebhookInvalid("The body is not JSON.") from None
    if not isinstance(payload, dict):
        raise errors.WebhookInvalid("The body is not a JSON object.")
    missing = [field for field in (*required, "timestamp") if not isinstance(payload.get(field), str | int)]
    if missing:
        raise errors.WebhookInvalid(f"Missing or malformed: {', '.join(missing)}.")
    try:
        sent_at = int(payload["timestamp"])
    except (TypeError, ValueError):
        raise errors.WebhookInvalid("timestamp must be seconds since the epoch.") from None
    if abs(time.time() - sent_at) > settings.RELAY_WEBHOOK_TOLERANCE_SECONDS:
        raise errors.StaleTimestamp()
    digest = hashlib.sha256(signature.encode()).hexdigest()
    try:
        with transaction.atomic():
            RelayWebhookReceipt.objects.create(signature_digest=digest)
    except IntegrityError:
        raise errors.Replayed() from None
    return payload


def _active_relay(queryset) -> RelayContact | None:
    relay = queryset.select_related("resume__seeker", "organization").first()
    if relay is None or not relay.is_active or relay.resume is None or not relay.resume.seeker.is_active:
        return None
    return relay


def forward_inbound_email(*, alias: str, sender: str, subject: str, body: str) -> str:
    """Forward a message to an alias: an employer's to the seeker, the seeker's reply to the recruiter.

    A reply from the seeker is the sign of a real conversation: the reveal's quota unit comes back.
    Returns "to_seeker" or "to_recruiter"; raises RelayInactive for a revoked or unknown alias.
    """
    from .reveal import credit_back

    relay = _active_relay(RelayContact.objects.filter(email_alias=crypto.normalise_email(alias)))
    sender_index = crypto.email_blind_index(sender)
    audit_common = {"target_type": "relay_contact", "details": {"sender_index": sender_index[:16]}}
    if relay is None:
        record_event(action="relay.email.refused", outcome="denied", code="not_found", **audit_common)
        raise errors.RelayInactive()
    resume, organization = relay.resume, relay.organization
    audit_common = {**audit_common, "organization": organization, "target_id": relay.pk}
    seeker_addresses = {resume.email_blind_index, resume.seeker.email_blind_index} - {""}
    if sender_index in seeker_addresses:
        recruiter_email = _recruiter_address(resume=resume, organization=organization)
        _send_on_commit(subject=subject, body=body, to=recruiter_email, sender=relay.email_alias, reply_to=None)
        reveal = credit_back(resume=resume, organization=organization, reason="seeker_replied")
        record_event(
            action="relay.email.seeker_reply",
            outcome="forwarded",
            **{
                **audit_common,
                "details": {**audit_common["details"], "credited_reveal_id": getattr(reveal, "pk", None)},
            },
        )
        return "to_recruiter"
    details = resume.decrypt_contact_details()  # relay forwarding: for the seeker's own inbox
    seeker_email = details.email or resume.seeker.decrypt_email()
    _send_on_commit(
        subject=f"[Hirewall] {subject}",
        body=f"{body}\n\n-- \nForwarded by Hirewall from {organization.legal_name}. "
        "Reply to this message to answer through your relay address; revoke it in your account at any time.",
        to=seeker_email,
        sender=None,
        reply_to=relay.email_alias,
    )
    record_event(action="relay.email.forwarded", outcome="forwarded", **audit_common)
    return "to_seeker"


def _recruiter_address(*, resume: Resume, organization: Organization) -> str | None:
    from .models import Reveal

    reveal = (
        Reveal.objects.filter(resume=resume, organization=organization, recruiter__is_active=True)
        .select_related("recruiter")
        .order_by("-created_at")
        .first()
    )
    return reveal.recruiter.decrypt_email() if reveal is not None else None


def _send_on_commit(*, subject: str, body: str, to: str | None, sender: str | None, reply_to: str | None) -> None:
    if not to:
        return
    message = EmailMessage(
        subject=subject[:200], body=body, from_email=sender, to=[to], reply_to=[reply_to] if reply_to else None
    )
    transaction.on_commit(lambda: message.send(fail_silently=False))


def resolve_voice_call(*, number: str, extension: str) -> str:
    """The number to bridge a call to a relay extension to, or RelayInactive."""
    relay = _active_relay(RelayContact.objects.filter(phone_number=number, phone_extension=extension))
    if relay is None:
        record_event(action="relay.voice.refused", outcome="denied", code="not_found", target_type="relay_contact")
        raise errors.RelayInactive()
    phone = relay.resume.decrypt_contact_details().phone  # relay forwarding: the seeker's own phone
    if not phone:
        record_event(action="relay.voice.refused", outcome="denied", code="no_phone", target_type="relay_contact")
        raise errors.RelayInactive("The seeker has no phone number to bridge to.")
    record_event(
        action="relay.voice.bridged",
        organization=relay.organization,
        target_type="relay_contact",
        target_id=relay.pk,
        outcome="forwarded",
    )
    return phone


# Operators revoke by organisation.


def revoke_relay_contacts_of_organization(*, organization: Organization, by, reason: str) -> int:
    """An operator cuts every active relay contact the organisation holds; returns how many.

    One audit event carries the count and the relay ids (never an alias), and each
    affected seeker is told. Revoking again revokes nothing more but is audited too.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    if contains_contact_data(reason):
        raise ValidationError({"reason": ["A reason must not contain contact details such as email addresses."]})
    with transaction.atomic():
        relays = list(
            RelayContact.objects.select_for_update(of=("self",))
            .filter(organization=organization, revoked_at__isnull=True)
            .select_related("resume")
            .order_by("id")
        )
        now = timezone.now()
        RelayContact.objects.filter(pk__in=[relay.pk for relay in relays]).update(revoked_at=now, revoked_by=by)
        record_event(
            action="relay.revoked_by_operator",
            actor=by,
            organization=organization,
            target_type="organization",
            target_id=organization.pk,
            outcome="revoked",
            details={"count": len(relays), "relay_contact_ids": [relay.pk for relay in relays], "reason": reason},
        )
        # One relay per organisation and seeker: one notice per affected seeker.
        Notification.objects.bulk_create(
            build_notification(
                user_id=relay.resume.seeker_id, kind=notifications.RELAY_REVOKED, organization=organization.legal_name
            )
            for relay in relays
            if relay.resume is not None
        )
    return len(relays)


# The platform's detectors revoke what an organisation (or one recruiter of it) obtained in a window.

RELAY_REVOKED_BY_DETECTION = "relay.revoked_by_detection"


def revoke_relay_contacts_obtained_since(
    *, organization: Organization, since, recruiter=None, reason: str
) -> list[int]:
    """Revoke the active relay contacts revealed to the organisation (or to `recruiter`) since `since`.

    The platform acts (no operator): one audit event names the relay ids (never an
    alias), each affected seeker is told, and `revoked_by` stays empty so a
    dismissal can tell these apart from the seekers' own revocations. Returns the ids.
    """
    from .models import Reveal

    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    reveals = Reveal.objects.filter(organization=organization, created_at__gte=since, relay_contact__isnull=False)
    if recruiter is not None:
        reveals = reveals.filter(recruiter=recruiter)
    with transaction.atomic():
        relays = list(
            RelayContact.objects.select_for_update(of=("self",))
            .filter(pk__in=reveals.values("relay_contact_id"), revoked_at__isnull=True)
            .select_related("resume")
            .order_by("id")
        )
        RelayContact.objects.filter(pk__in=[relay.pk for relay in relays]).update(revoked_at=timezone.now())
        record_event(
            action=RELAY_REVOKED_BY_DETECTION,
            organization=organization,
            target_type="organization",
            target_id=organization.pk,
            outcome="revoked",
            details={
                "count": len(relays),
                "relay_contact_ids": [relay.pk for relay in relays],
                "recruiter_id": str(recruiter.pk) if recruiter is not None else None,
                "since": since.isoformat(),
                "reason": reason,
            },
        )
        Notification.objects.bulk_create(
            build_notification(
                user_id=relay.resume.seeker_id, kind=notifications.RELAY_REVOKED, organization=organization.legal_name
            )
            for relay in relays
            if relay.resume is not None
        )
    return [relay.pk for relay in relays]
