"""Restoring relay contacts the platform revoked, when a review finds the suspicion unfounded."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from audit.actions import AuditAction, AuditOutcome
from audit.services import contains_contact_data, record_event
from employers.errors import ReasonRequired

from .. import notifications
from ..models import Notification, RelayContact
from ..notifications import build_notification


def restore_relay_contacts(*, relay_contact_ids: list[int], by: User, reason: str) -> list[int]:
    """Make the given relay contacts forward again, if the platform (and nobody else) revoked them; returns their ids.

    A relay contact revoked by its seeker (or by an operator by hand, or on the seeker's
    deletion) has `revoked_by` set and stays revoked: only the seeker's own choice undoes that. So does
    one revoked long enough for its extension to have gone back to the relay pool (resumes/relay_pool.py).
    One audit event carries the counts and the relay ids (never an alias); each seeker whose
    relay contact works again is told.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    if contains_contact_data(reason):
        raise ValidationError({"reason": ["A reason must not contain contact details such as email addresses."]})
    requested = sorted(set(relay_contact_ids))
    with transaction.atomic():
        relays = list(
            RelayContact.objects.select_for_update(of=("self",))
            .filter(
                pk__in=requested,
                revoked_at__isnull=False,
                revoked_by__isnull=True,
                resume__isnull=False,
                # Past its quarantine the extension went back to the pool, perhaps to another seeker.
                extension_released_at__isnull=True,
            )
            .select_related("resume", "organization")
            .order_by("id")
        )
        restored = [relay.pk for relay in relays]
        organizations = {relay.organization for relay in relays}
        RelayContact.objects.filter(pk__in=restored).update(revoked_at=None, revoked_by=None)
        record_event(
            action=AuditAction.RELAY_RESTORED,
            actor=by,
            organization=organizations.pop() if len(organizations) == 1 else None,
            target_type="relay_contact",
            target_id=restored[0] if len(restored) == 1 else "",
            outcome=AuditOutcome.RESTORED,
            details={
                "count": len(restored),
                "relay_contact_ids": restored,
                "kept_revoked": len(requested) - len(restored),
                "reason": reason,
            },
        )
        Notification.objects.bulk_create(
            build_notification(
                user_id=relay.resume.seeker_id,
                kind=notifications.RELAY_RESTORED,
                organization=relay.organization.legal_name,
            )
            for relay in relays
        )
    return restored
