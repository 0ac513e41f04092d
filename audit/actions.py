"""The declared audit vocabulary: every action and outcome an audit event may carry.

`audit.services.record_event` refuses anything not declared here, so the detectors
and the admin can filter on these values and know they are complete. Values are
stored as they are: renaming one would orphan the events already written with it,
so add new members, never rename old ones.
"""

from django.db import models


class AuditAction(models.TextChoices):
    # Accounts
    USER_ACTIVATED = "user.activated", "User activated by an operator"
    USER_DEACTIVATED = "user.deactivated", "User deactivated by an operator"
    USER_SECOND_FACTOR_RESET = "user.second_factor_reset", "Operator's second factor reset by another operator"
    USER_CREATED_BY_OPERATOR = "user.created_by_operator", "Account created by an operator in the admin"
    USER_PASSWORD_CHANGED = "user.password_changed", "Password changed by the account holder"
    USER_PASSWORD_RESET = "user.password_reset", "Password set through an e-mailed reset link"

    # Organisations: registration, licence, status (employers.services)
    ORGANIZATION_REGISTRATION = "organization.registration", "Organisation registration attempt"
    ORGANIZATION_LICENCE_UPLOADED = "organization.licence_uploaded", "Business licence uploaded"
    ORGANIZATION_LICENCE_VIEWED = "organization.licence_viewed", "Business licence viewed by an operator"
    ORGANIZATION_VERIFIED = "organization.verified", "Organisation verified"
    ORGANIZATION_REJECTED = "organization.rejected", "Organisation rejected"
    ORGANIZATION_SUSPENDED = "organization.suspended", "Organisation suspended"
    ORGANIZATION_REINSTATED = "organization.reinstated", "Organisation reinstated"
    ORGANIZATION_LIMITS_CHANGED = "organization.limits_changed", "Organisation plan or limits changed"
    ADVERSE_CREDIT_CREATED = "adverse_credit.created", "USCC put on the adverse credit list"

    # Seats and invitations
    SEAT_ADDED = "seat.added", "Seat added"
    SEAT_DEACTIVATED = "seat.deactivated", "Seat deactivated"
    SEAT_REACTIVATED = "seat.reactivated", "Seat reactivated"
    SEAT_SUSPENDED_BY_DETECTION = "seat.suspended_by_detection", "Seat suspended by the detectors"
    SEAT_REINSTATED = "seat.reinstated", "Seat reinstated after a dismissed flag"
    INVITATION_CREATED = "invitation.created", "Recruiter invited"
    INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted"
    INVITATION_DECLINED = "invitation.declined", "Invitation declined"
    INVITATION_WITHDRAWN = "invitation.withdrawn", "Invitation withdrawn"

    # Jobs
    APPLICATION_CREATED = "application.created", "Seeker applied to a job"

    # The reveal and contact requests (resumes.services.reveal, resumes.services.contact_requests)
    REVEAL_GRANTED = "reveal.granted", "Contact revealed"
    REVEAL_DENIED = "reveal.denied", "Reveal refused"
    REVEAL_CREDITED_BACK = "reveal.credited_back", "Reveal credited back to the quota"
    CONTACT_REQUEST_CREATED = "contact_request.created", "Contact request sent to a seeker"
    CONTACT_REQUEST_APPROVED = "contact_request.approved", "Contact request approved by the seeker"
    CONTACT_REQUEST_DECLINED = "contact_request.declined", "Contact request declined by the seeker"
    CONTACT_REQUEST_EXPIRED = "contact_request.expired", "Contact request expired"
    DIRECT_CONTACT_GRANTED = "direct_contact.granted", "Seeker granted direct contact"
    DIRECT_CONTACT_REVOKED = "direct_contact.revoked", "Seeker revoked direct contact"

    # Relay contacts (resumes.services.relay)
    RELAY_CONTACT_REVOKED = "relay_contact.revoked", "Relay contact revoked by the seeker"
    RELAY_REVOKED_BY_OPERATOR = "relay.revoked_by_operator", "Relay contacts revoked by an operator"
    RELAY_REVOKED_BY_DETECTION = "relay.revoked_by_detection", "Relay contacts revoked by the detectors"
    RELAY_RESTORED = "relay.restored", "Relay contacts restored after a dismissed flag"
    RELAY_EMAIL_FORWARDED = "relay.email.forwarded", "Relay email forwarded to the seeker"
    RELAY_EMAIL_SEEKER_REPLY = "relay.email.seeker_reply", "Seeker replied through the relay"
    RELAY_EMAIL_REFUSED = "relay.email.refused", "Relay email refused"
    RELAY_VOICE_BRIDGED = "relay.voice.bridged", "Relay call bridged to the seeker"
    RELAY_VOICE_REFUSED = "relay.voice.refused", "Relay call refused"

    # Seekers' data rights
    SEEKER_EXPORT = "seeker.export", "Seeker exported their data"
    SEEKER_DELETE = "seeker.delete", "Seeker deleted their account"
    SEEKER_ERASURE_REPLAYED = "seeker.erasure_replayed", "Seeker's erasure replayed after a restore"

    # Detection (detection/)
    FLAG_RAISED = "flag.raised", "Flag raised by a detector"
    FLAG_CONFIRMED = "flag.confirmed", "Flag confirmed by an operator"
    FLAG_DISMISSED = "flag.dismissed", "Flag dismissed by an operator"
    SEEKERS_NOTIFIED_OF_EXPOSURE = "seekers.notified_of_exposure", "Seekers told their contact was exposed"
    SEARCH_CONTACT_QUERY_REFUSED = "search.contact_query_refused", "Search for contact details refused"

    # The audit log itself
    AUDIT_CHAIN_VERIFIED = "audit.chain_verified", "Audit chain verified"
    SEAT_PROFILE_UPDATED = "seat.profile_updated", "Recruiter changed the name and title seekers see"

    # Retention (*/retention.py): rows past their legal period deleted
    RETENTION_PRUNED = "retention.pruned", "Rows past their retention period pruned"
    LEAK_TRACED = "leak.traced", "Leaked list traced by an operator"
    LEAK_FLAG_OPENED = "leak.flag_opened", "Flag opened by an operator from a leak trace"

    # Leak forensics (detection/: canaries, seekers' misuse reports)
    CANARIES_CREATED = "canaries.created", "Canary resumes created by an operator"
    MISUSE_REPORTED = "misuse.reported", "Seeker reported misuse by an organisation"
    ORGANIZATION_OWN_CONTACTS_CHANGED = (
        "organization.own_contacts_changed",
        "Organisation's own email domains and phone numbers set by an operator",
    )


class AuditOutcome(models.TextChoices):
    """What became of the action; an event may also have no outcome (stored as "")."""

    GRANTED = "granted", "Granted"
    DENIED = "denied", "Denied"
    REFUSED = "refused", "Refused"
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    CREDITED = "credited", "Credited back"
    FORWARDED = "forwarded", "Forwarded"
    REVOKED = "revoked", "Revoked"
    RESTORED = "restored", "Restored"
    RAISED = "raised", "Raised"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"
    SUSPENDED = "suspended", "Suspended"
    REINSTATED = "reinstated", "Reinstated"
    NOTIFIED = "notified", "Notified"
    INTACT = "intact", "Intact (chain verified)"
    BROKEN = "broken", "Broken (chain verification failed)"
    PRUNED = "pruned", "Pruned (past its retention period)"
    ERASED = "erased", "Erased"


class UndeclaredAuditValue(ValueError):
    """An action or outcome that is not in the declared vocabulary above."""


def declared_action(value: str) -> AuditAction:
    """The declared action equal to `value`, or UndeclaredAuditValue."""
    try:
        return AuditAction(value)
    except ValueError:
        raise UndeclaredAuditValue(f"{value!r} is not a declared audit action (audit/actions.py)") from None


def declared_outcome(value: str) -> str:
    """The declared outcome equal to `value` ("" for none), or UndeclaredAuditValue."""
    if value == "":
        return ""
    try:
        return AuditOutcome(value).value
    except ValueError:
        raise UndeclaredAuditValue(f"{value!r} is not a declared audit outcome (audit/actions.py)") from None
