"""Relay contacts: an email alias and a virtual phone extension unique to one organisation and one seeker.

Issued on a reveal, forwarded by the provider's webhooks (resumes/webhooks.py),
revoked by the seeker one by one or by an operator for a whole organisation.
"""

import json
import secrets
from dataclasses import dataclass
from typing import NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.utils import timezone

from accounts import crypto
from accounts.models import User
from audit.actions import AuditAction, AuditOutcome
from audit.services import contains_contact_data, record_event
from employers.errors import ReasonRequired
from employers.models import Organization, OrganizationStatus, SeatRole
from outbox.registry import handler as outbox_handler
from outbox.services import enqueue

from .. import errors, notifications, relay_pool
from ..models import Notification, RelayContact, RelayUseKind, Resume, Reveal
from ..notifications import build_notification
from . import relay_use
from .ownership import own_resume
from .refunds import credit_back

ALIAS_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no look-alikes (l, 1, o, 0)
ALIAS_LENGTH = 12
ISSUE_ATTEMPTS = 8
# Extensions one INSERT tries at once, taking the first free one: with the pool 80 % held, all 16 are held
# once in 36,000 tries; 90 % held, once in 5.
CANDIDATES_PER_ATTEMPT = 16
# A text[] from a JSON array parameter, in the array's order.
TEXT_ARRAY_FROM_JSON = (
    "ARRAY(SELECT item FROM jsonb_array_elements_text(%s::jsonb) WITH ORDINALITY AS listed (item, position)"
    " ORDER BY position)"
)


def _new_alias() -> str:
    local = "".join(secrets.choice(ALIAS_ALPHABET) for _ in range(ALIAS_LENGTH))
    return f"{local}@{settings.RELAY_EMAIL_DOMAIN}"


def relay_contact_for(*, resume: Resume, organization: Organization) -> RelayContact:
    """The organisation's relay contact for this seeker, issued on first use; RelayPoolFull when none can be.

    Issuing is INSERT ... ON CONFLICT DO NOTHING, without a savepoint: it tries a few random extensions
    and takes the first that no relay contact holds (resumes/relay_pool.py). On PostgreSQL the same statement
    (`relay_issue_contact`) returns the pair's existing contact instead; SQLite reads it after. Nothing for
    the pair means a parallel issue took the extension, or the alias collided: another few are tried. When
    every try finds the pool held, quarantined extensions that are due go back to the pool and a free one is
    searched for in full.
    """
    size = relay_pool.pool_size()
    for _ in range(ISSUE_ATTEMPTS):
        relay = _issue_or_find(
            resume=resume, organization=organization, slots=relay_pool.random_slots(CANDIDATES_PER_ATTEMPT, size=size)
        )
        if relay is not None:
            return relay
    with transaction.atomic():  # the nearly full pool's path: a savepoint costs nothing next to the search
        relay_pool.release_quarantined_extensions(limit=CANDIDATES_PER_ATTEMPT)
        slots = relay_pool.free_slots(CANDIDATES_PER_ATTEMPT, size=size)
        relay = _issue_or_find(resume=resume, organization=organization, slots=slots) if slots else None
    if relay is None:
        relay = RelayContact.objects.filter(resume=resume, organization=organization).first()
    if relay is None:
        raise errors.RelayPoolFull()
    return relay


def _issue_or_find(*, resume: Resume, organization: Organization, slots: list[tuple[str, str]]) -> RelayContact | None:
    """A new relay contact on the first free slot of `slots`, else the pair's existing one, else None."""
    fields = RelayContact._meta
    if connection.vendor == "postgresql":
        columns = [field.column for field in fields.concrete_fields]
        call, call_params = _issue_call(resume=resume, organization=organization, slots=slots)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(columns)} FROM {call}", call_params)  # noqa: S608 (the model's columns)
            row = cursor.fetchone()
        if row is None:
            return None
        return RelayContact.from_db(connection.alias, [field.attname for field in fields.concrete_fields], row)
    # SQLite: the first candidate no relay contact holds, in one INSERT ... SELECT, then the pair's contact.
    # The pair's row as the ORM would store it (a UUID is 32 hex digits on SQLite).
    resume_id = fields.get_field("resume").get_db_prep_value(resume.pk, connection)
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [resume_id, organization.pk, _new_alias(), created_at]
    table = connection.ops.quote_name(fields.db_table)
    candidates = ", ".join(["(%s, %s, %s)"] * len(slots))
    positions = [value for position, slot in enumerate(slots) for value in (*slot, position)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH candidate (number, extension, position) AS (VALUES {candidates})
            INSERT INTO {table} (resume_id, organization_id, email_alias, phone_number, phone_extension, created_at)
            SELECT %s, %s, %s, candidate.number, candidate.extension, %s
            FROM candidate
            WHERE NOT EXISTS (
                SELECT 1 FROM {table} held
                WHERE held.phone_number = candidate.number
                  AND held.phone_extension = candidate.extension
                  AND held.extension_released_at IS NULL
            )
            ORDER BY candidate.position
            LIMIT 1
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 (names from the model's meta; every value is a parameter)
            [*positions, *params],
        )
    return RelayContact.objects.filter(resume=resume, organization=organization).first()


def issue_call(*, resume: Resume, organization: Organization, only_if: str) -> tuple[str, list]:
    """PostgreSQL: `relay_issue_contact(...)` on a few random slots, with its values, to call in a larger statement.

    It returns the new contact's row, or the pair's existing one, or no row when every candidate was held:
    then `relay_contact_for` (which tries more, and the quarantined slots) is the way on. `only_if` is an SQL
    condition of the caller's statement: unless it holds, the call has no candidates and issues nothing,
    whichever order the planner runs things in.
    """
    slots = relay_pool.random_slots(CANDIDATES_PER_ATTEMPT, size=relay_pool.pool_size())
    return _issue_call(resume=resume, organization=organization, slots=slots, only_if=only_if)


def _issue_call(
    *, resume: Resume, organization: Organization, slots: list[tuple[str, str]], only_if: str = "TRUE"
) -> tuple[str, list]:
    # One INSERT ... ON CONFLICT DO NOTHING per candidate, in one round trip (resumes/migrations/0015):
    # the unique indexes find the free slot, whatever the table's statistics say.
    # The candidates go as two JSON texts: psycopg would dump a Python list element by element, in Python.
    numbers, extensions = [number for number, _ in slots], [extension for _, extension in slots]
    call = (
        "relay_issue_contact(%s::uuid, %s::bigint, %s::text, %s::timestamptz, "
        f"CASE WHEN {only_if} THEN {TEXT_ARRAY_FROM_JSON} END, CASE WHEN {only_if} THEN {TEXT_ARRAY_FROM_JSON} END)"
    )
    params = [resume.pk, organization.pk, _new_alias(), timezone.now(), json.dumps(numbers), json.dumps(extensions)]
    return call, params


# The seeker revokes one relay contact.


def revoke_relay_contact(*, seeker: User, relay_contact_id: int) -> RelayContact:
    """The alias and the extension stop forwarding at once; revoking twice changes nothing."""
    with transaction.atomic():
        resume = own_resume(seeker)
        relay = (
            RelayContact.objects.select_for_update()
            .select_related("organization")
            .filter(pk=relay_contact_id, resume=resume)
            .first()
        )
        if relay is None:
            raise errors.NotFound()
        if relay.revoked_at is None:
            relay.revoked_at = timezone.now()
            relay.revoked_by = seeker
            relay.save(update_fields=["revoked_at", "revoked_by"])
            record_event(
                action=AuditAction.RELAY_CONTACT_REVOKED,
                actor=seeker,
                organization=relay.organization,
                target_type="relay_contact",
                target_id=relay.pk,
                details={"resume_id": str(resume.pk)},
            )
    return relay


# Forwarding through the relay: the provider's webhooks (resumes/webhooks.py) call these.


def _active_relay(queryset) -> RelayContact | None:
    relay = queryset.select_related("resume__seeker", "organization").first()
    if relay is None or not relay.is_active or relay.resume is None or not relay.resume.seeker.is_active:
        return None
    return relay


def _organization_stopped(relay: RelayContact) -> bool:
    """A suspended (or rejected) organisation reaches no seeker through its relays, and no reply reaches it.

    A stop, not a revocation: an operator's reinstatement lets its relays forward again.
    """
    return relay.organization.status != OrganizationStatus.VERIFIED


def _refuse_email(code: str, **audit) -> NoReturn:
    """Audit the refused mail, then raise: the webhook answers 404 and the sender's mail bounces."""
    record_event(action=AuditAction.RELAY_EMAIL_REFUSED, outcome=AuditOutcome.DENIED, code=code, **audit)
    raise errors.RelayInactive()


def _refuse_call(code: str, *, detail: str | None = None, **audit) -> NoReturn:
    """Audit the refused call, then raise: the webhook answers 404 and nothing is bridged."""
    record_event(action=AuditAction.RELAY_VOICE_REFUSED, outcome=AuditOutcome.DENIED, code=code, **audit)
    raise errors.RelayInactive(detail)


def _seeker_blocks(relay: RelayContact) -> bool:
    """While the seeker blocks the organisation, its mail and calls do not reach them (an unblock lets them again)."""
    return relay.resume.blocks.filter(organization_id=relay.organization_id).exists()


# RFC 8601 result values; anything else a provider sends is recorded as "unknown", never verbatim.
AUTHENTICATION_RESULTS = frozenset({"pass", "fail", "softfail", "neutral", "none", "policy", "temperror", "permerror"})


@dataclass(frozen=True)
class SenderAuthentication:
    """The provider's verdict on who sent an inbound message: SPF, DKIM and DMARC results (RFC 8601 values).

    `spf_domain` is the envelope (MAIL FROM) domain SPF checked, `dkim_domain` the
    `d=` domain of the signature DKIM verified; both are used only to check alignment
    and are never recorded.
    """

    spf: str = "none"
    dkim: str = "none"
    dmarc: str = "none"
    spf_domain: str = ""
    dkim_domain: str = ""

    def vouches_for(self, sender: str) -> bool:
        """Whether the provider vouches that `sender` really sent the message.

        DMARC "pass" vouches: the From domain's own policy checked an aligned SPF or DKIM pass.
        A DMARC "fail", error or "policy" never does. Where the From domain publishes no DMARC
        policy ("none"), both SPF and DKIM must pass and both be strictly aligned: their domains
        equal the From address's domain. Nothing less, because anyone can send mail that
        passes SPF or DKIM for a domain of their own while claiming the seeker's address.
        """
        if self.dmarc == "pass":
            return True
        if self.dmarc != "none":
            return False
        from_domain = sender.rpartition("@")[2].strip().lower().rstrip(".")
        return (
            bool(from_domain)
            and (self.spf, self.dkim) == ("pass", "pass")
            and self.spf_domain.lower().rstrip(".") == from_domain
            and self.dkim_domain.lower().rstrip(".") == from_domain
        )

    def verdict(self) -> dict[str, str]:
        """The results as the audit log keeps them: result values only, no address or domain."""
        return {
            check: value if value in AUTHENTICATION_RESULTS else "unknown"
            for check, value in (("spf", self.spf), ("dkim", self.dkim), ("dmarc", self.dmarc))
        }


UNAUTHENTICATED_SENDER = SenderAuthentication()


def forward_inbound_email(
    *,
    alias: str,
    sender: str,
    subject: str,
    body: str,
    authentication: SenderAuthentication = UNAUTHENTICATED_SENDER,
) -> str:
    """Forward a message to an alias: an employer's to the seeker, the seeker's reply to the recruiter.

    A reply from the seeker is the sign of a real conversation: the reveal's quota unit comes
    back, but only when the provider vouches for the sender (SenderAuthentication.vouches_for),
    since the From address alone is whatever the sender typed. A reply it does not vouch for
    is still forwarded, and its audit event records the verdict and that nothing was credited.
    Returns "to_seeker" or "to_recruiter"; raises RelayInactive for a revoked or unknown alias.
    """
    relay = _active_relay(RelayContact.objects.filter(email_alias=crypto.normalise_email(alias)))
    sender_index = crypto.email_blind_index(sender)
    audit_common = {"target_type": "relay_contact", "details": {"sender_index": sender_index[:16]}}
    if relay is None:
        _refuse_email("not_found", **audit_common)
    resume, organization = relay.resume, relay.organization
    audit_common = {**audit_common, "organization": organization, "target_id": relay.pk}
    seeker_addresses = {resume.email_blind_index, resume.seeker.email_blind_index} - {""}
    if sender_index in seeker_addresses:
        if _organization_stopped(relay):
            _refuse_email("org_suspended", **audit_common)
        if _reply_recipient(resume=resume, organization=organization) is None:
            # Nobody active is left to read it: every revealing recruiter and every admin was stopped.
            _refuse_email("recruiter_inactive", **audit_common)
        _forward_after_commit(relay=relay, to=TO_RECRUITER, subject=subject, body=body)
        sender_verified = authentication.vouches_for(sender)
        reveal = (
            credit_back(resume=resume, organization=organization, reason="seeker_replied") if sender_verified else None
        )
        record_event(
            action=AuditAction.RELAY_EMAIL_SEEKER_REPLY,
            outcome=AuditOutcome.FORWARDED,
            **{
                **audit_common,
                "details": {
                    **audit_common["details"],
                    "authentication": authentication.verdict(),
                    "sender_verified": sender_verified,
                    "credited_reveal_id": getattr(reveal, "pk", None),
                },
            },
        )
        return "to_recruiter"
    if _seeker_blocks(relay):
        _refuse_email("blocked_by_seeker", **audit_common)
    if relay_use.is_stopped_seat_sender(organization=organization, sender=sender):
        _refuse_email("recruiter_inactive", **audit_common)
    outside = not relay_use.is_organization_sender(organization=organization, sender=sender, sender_index=sender_index)
    if outside:
        relay_use.record_outside_use(relay=relay, kind=RelayUseKind.EMAIL, party_index=sender_index)
        audit_common["details"] = {**audit_common["details"], "outside_organization": True}
    if _organization_stopped(relay):
        # Refused, but an outsider's use was recorded first: after a stop it is the evidence of a leak.
        _refuse_email("org_suspended", **audit_common)
    origin = (
        f"from outside {organization.legal_name}, through the relay address {organization.legal_name} holds for "
        "you: they may have passed your contact on. Report misuse in your access log"
        if outside
        else f"from {organization.legal_name}"
    )
    _forward_after_commit(
        relay=relay,
        to=TO_SEEKER,
        subject=f"[Hirewall] {subject}",
        body=f"{body}\n\n-- \nForwarded by Hirewall {origin}. "
        "Reply to this message to answer through your relay address; revoke it in your account at any time.",
    )
    record_event(action=AuditAction.RELAY_EMAIL_FORWARDED, outcome=AuditOutcome.FORWARDED, **audit_common)
    return "to_seeker"


def _reply_recipient(*, resume: Resume, organization: Organization) -> User | None:
    """Who gets the seeker's reply: the latest recruiter to reveal them whose seat here is still active.

    When every one of them was stopped or has left, the organisation's first active admin: a stopped
    recruiter's inbox never gets it, and colleagues still hiring do.
    """
    active_here = {"is_active": True, "seat__organization": organization, "seat__is_active": True}
    reveal = (
        Reveal.objects.filter(
            resume=resume,
            organization=organization,
            **{f"recruiter__{key}": value for key, value in active_here.items()},
        )
        .select_related("recruiter")
        .order_by("-created_at")
        .first()
    )
    if reveal is not None:
        return reveal.recruiter
    return User.objects.filter(**active_here, seat__role=SeatRole.ADMIN).order_by("seat__created_at", "pk").first()


def _recruiter_address(*, resume: Resume, organization: Organization) -> str | None:
    recruiter = _reply_recipient(resume=resume, organization=organization)
    return recruiter.decrypt_email() if recruiter is not None else None


FORWARDED_EMAIL = "relay.forwarded_email"
TO_SEEKER, TO_RECRUITER = "seeker", "recruiter"


def _forward_after_commit(*, relay: RelayContact, to: str, subject: str, body: str) -> None:
    """Write the forwarded mail as an outbox message in the webhook's transaction; it leaves after commit.

    Subject and body are the sender's words: the outbox row keeps them encrypted, and
    the addresses are looked up only at delivery.
    """
    enqueue(
        kind=FORWARDED_EMAIL,
        payload={
            "relay_contact_id": relay.pk,
            "to": to,
            "subject": crypto.encrypt(subject[:200]),
            "body": crypto.encrypt(body),
        },
    )


@outbox_handler(FORWARDED_EMAIL)
def _send_forwarded_email(*, relay_contact_id: int, to: str, subject: str, body: str) -> None:
    """Delivered by the outbox: nothing once the relay contact was revoked, its seeker is no longer active or
    its organisation was suspended."""
    relay = _active_relay(RelayContact.objects.filter(pk=relay_contact_id))
    if relay is None or _organization_stopped(relay):
        return  # stopped after the webhook took the mail: it goes nowhere
    resume = relay.resume
    if to == TO_RECRUITER:
        address = _recruiter_address(resume=resume, organization=relay.organization)
        sender, reply_to = relay.email_alias, None
    elif resume.is_canary:
        address = settings.CANARY_MAILBOX  # a canary's mail is evidence for operators, not a person's
        sender, reply_to = None, relay.email_alias
    else:
        # Relay forwarding: for the seeker's own inbox.
        address = resume.decrypt_contact_details().email or resume.seeker.decrypt_email()
        sender, reply_to = None, relay.email_alias
    if not address:
        return
    EmailMessage(
        subject=crypto.decrypt(subject),
        body=crypto.decrypt(body),
        from_email=sender,
        to=[address],
        reply_to=[reply_to] if reply_to else None,
    ).send(fail_silently=False)


def resolve_voice_call(*, number: str, extension: str, caller: str = "") -> str:
    """The number to bridge a call to a relay extension to, or RelayInactive.

    `caller` (E.164, optional) is compared with the organisation's registered numbers:
    a call from elsewhere is recorded by blind index and the seeker is told. A call from an
    organisation that held the extension before the relay pool reused it is refused instead:
    it was meant for another seeker, and is no sign that the current holder passed its contact on.
    """
    # An extension released to the pool is no longer its old contact's: only its current holder answers.
    relay = _active_relay(
        RelayContact.objects.filter(phone_number=number, phone_extension=extension, extension_released_at__isnull=True)
    )
    if relay is None:
        _refuse_call("not_found", target_type="relay_contact")
    if _seeker_blocks(relay):
        _refuse_call(
            "blocked_by_seeker", organization=relay.organization, target_type="relay_contact", target_id=relay.pk
        )
    # A canary's calls reach operators, not a person; anyone else's the seeker's own phone (relay forwarding).
    phone = settings.CANARY_PHONE if relay.resume.is_canary else relay.resume.decrypt_contact_details().phone
    if not phone:
        _refuse_call("no_phone", detail="The seeker has no phone number to bridge to.", target_type="relay_contact")
    caller_e164 = relay_use.normalise_caller(caller) if caller else ""
    details = {}
    if caller_e164:
        caller_index = crypto.blind_index(caller_e164)
        details["caller_index"] = caller_index[:16]
        if not relay_use.is_organization_caller(organization=relay.organization, caller_e164=caller_e164):
            if relay_use.is_former_holder_caller(number=number, extension=extension, caller_e164=caller_e164):
                # The extension was this caller's organisation's, for another seeker, before the pool reused it.
                _refuse_call(
                    "extension_reused", target_type="relay_contact", details={"caller_index": caller_index[:16]}
                )
            relay_use.record_outside_use(relay=relay, kind=RelayUseKind.CALL, party_index=caller_index)
            details["outside_organization"] = True
    if _organization_stopped(relay):
        # Refused, but an outsider's call was recorded first: after a stop it is the evidence of a leak.
        _refuse_call(
            "org_suspended",
            organization=relay.organization,
            target_type="relay_contact",
            target_id=relay.pk,
            details=details,
        )
    record_event(
        action=AuditAction.RELAY_VOICE_BRIDGED,
        organization=relay.organization,
        target_type="relay_contact",
        target_id=relay.pk,
        outcome=AuditOutcome.FORWARDED,
        details=details,
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
            action=AuditAction.RELAY_REVOKED_BY_OPERATOR,
            actor=by,
            organization=organization,
            target_type="organization",
            target_id=organization.pk,
            outcome=AuditOutcome.REVOKED,
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


def revoke_relay_contacts_obtained_since(
    *, organization: Organization, since, recruiter=None, reason: str
) -> list[int]:
    """Revoke the active relay contacts revealed to the organisation (or to `recruiter`) since `since`.

    The platform acts (no operator): one audit event names the relay ids (never an
    alias), each affected seeker is told, and `revoked_by` stays empty so a
    dismissal can tell these apart from the seekers' own revocations. Returns the ids.
    """
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
            action=AuditAction.RELAY_REVOKED_BY_DETECTION,
            organization=organization,
            target_type="organization",
            target_id=organization.pk,
            outcome=AuditOutcome.REVOKED,
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
