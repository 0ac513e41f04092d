"""Operators' review of a flag: confirm a harvester (credit record, suspension, seekers told) or dismiss and undo."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework import status

from accounts.models import User
from audit.actions import AuditAction, AuditOutcome
from audit.models import AuditEvent
from audit.services import contains_contact_data, record_event
from config.errors import DomainError
from employers.errors import ReasonRequired
from employers.models import Organization, OrganizationStatus, Seat
from employers.services import (
    create_adverse_credit_record,
    reinstate_organization,
    set_seat_active,
    suspend_organization,
)
from resumes.services.exposure import notify_seekers_of_exposure
from resumes.services.relay_restore import restore_relay_contacts

from ..models import Flag, FlagAction, FlagStatus, SubjectType
from ..reports import flag_reveals, flag_subjects, is_seat_flag

# Statuses an organisation can be suspended from (employers.services refuses the others).
SUSPENDABLE = (OrganizationStatus.PENDING, OrganizationStatus.VERIFIED)


class FlagNotOpen(DomainError):
    code = "flag_not_open"
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This flag has already been decided."


def _check_operator(user: User) -> None:
    if not (user.is_active and user.is_staff):
        raise PermissionDenied("Only operators review flags.")


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired("A reason is required to confirm or dismiss a flag.")
    if contains_contact_data(reason):
        raise ValidationError({"reason": ["A reason must not contain contact details such as email addresses."]})
    return reason


def _lock_open(flag: Flag) -> Flag:
    locked = Flag.objects.select_for_update().get(pk=flag.pk)
    if locked.status != FlagStatus.OPEN:
        raise FlagNotOpen(f"Flag #{locked.pk} is already {locked.get_status_display().lower()}.")
    return locked


def _record_decision(*, flag: Flag, by: User, status: str, reason: str) -> None:
    flag.status = status
    flag.decided_at = timezone.now()
    flag.decided_by = by
    flag.decision_reason = reason
    flag.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    # Seekers whose misuse reports the flag rests on see the verdict ("confirmed" or "dismissed").
    flag.misuse_reports.update(status=status)


def confirm_flag(*, flag: Flag, by: User, reason: str) -> Flag:
    """An operator confirms a harvester: the account stays stopped and every seeker it obtained is told.

    An organisation's flag (or a cluster's) puts each organisation on the adverse credit list
    and keeps it suspended; a recruiter's flag keeps that recruiter's seat deactivated and leaves
    a company that looked normal alone. Every seeker whose contact the subjects obtained in the
    flag's window gets a notice and an e-mail saying what, when and to whom (PIPL art. 57).
    """
    _check_operator(by)
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = _lock_open(flag)
        subjects = flag_subjects(locked)
        evidence = (
            f"Detection flag #{locked.pk} ({locked.detector}, {locked.severity}), "
            f"window {locked.window_start:%Y-%m-%d %H:%M} to {locked.window_end:%Y-%m-%d %H:%M} UTC."
        )
        records, suspended = [], []
        # A recruiter's own flag names no organisation here (reports.flag_subjects): the company is left alone.
        for organization in Organization.objects.filter(pk__in=subjects.organization_ids).order_by("pk"):
            record = create_adverse_credit_record(
                uscc=organization.uscc, organization=organization, reason=reason, evidence=evidence, by=by
            )
            records.append(record.pk)
            if organization.status in SUSPENDABLE:
                suspend_organization(organization=organization, by=by, reason=reason)
                suspended.append(organization.pk)
        # Recruiters judged on their own (a seat flag, or a cluster member from elsewhere) lose their seat.
        deactivated = []
        seats = Seat.objects.filter(user_id__in=subjects.recruiter_ids, is_active=True).exclude(
            organization_id__in=subjects.organization_ids
        )
        for seat in seats.order_by("pk"):
            set_seat_active(seat=seat, active=False, by=by)
            deactivated.append(str(seat.user_id))

        _record_decision(flag=locked, by=by, status=FlagStatus.CONFIRMED, reason=reason)
        common = {"actor": by, "organization": locked.organization, "target_type": "flag", "target_id": locked.pk}
        record_event(
            action=AuditAction.FLAG_CONFIRMED,
            outcome=AuditOutcome.CONFIRMED,
            **common,
            details={
                "detector": locked.detector,
                "severity": locked.severity,
                "subject_type": locked.subject_type,
                "reason": reason,
                "adverse_credit_record_ids": records,
                "organizations_suspended": suspended,
                "seats_deactivated": deactivated,
            },
        )
        notices = notify_seekers_of_exposure(reveals=flag_reveals(locked))
        record_event(
            action=AuditAction.SEEKERS_NOTIFIED_OF_EXPOSURE,
            outcome=AuditOutcome.NOTIFIED,
            **common,
            details={"seekers": notices.seekers, "notices": notices.notices, "reveals": notices.reveals},
        )
    flag.refresh_from_db()
    return flag


def dismiss_flag(*, flag: Flag, by: User, reason: str) -> Flag:
    """An operator finds the suspicion unfounded: undo what the flag's action did, and keep the verdict.

    The organisations (or seats) the platform suspended for this flag are reinstated, unless an
    operator suspended them since, another open flag's action still holds them, or another flag
    on them was confirmed; the relay contacts it revoked work again, unless their seeker revoked
    them. The flag stays, dismissed, with its dedupe key: the detectors do not raise it again
    for the same window.
    """
    _check_operator(by)
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = _lock_open(flag)
        subjects = flag_subjects(locked)
        held_organizations, held_recruiters, held_relays = _held_by_other_flags(locked)

        reinstated, reactivated = [], []
        if locked.action_taken == FlagAction.ORGANIZATION_SUSPENDED:
            # status_changed_by empty: the platform's suspension, not one an operator made since.
            organizations = Organization.objects.filter(
                pk__in=subjects.organization_ids - held_organizations,
                status=OrganizationStatus.SUSPENDED,
                status_changed_by__isnull=True,
            )
            for organization in organizations.order_by("pk"):
                reinstate_organization(organization=organization, by=by, reason=reason)
                reinstated.append(organization.pk)
        elif locked.action_taken == FlagAction.SEAT_SUSPENDED:
            seats = Seat.objects.filter(user_id__in=subjects.recruiter_ids - held_recruiters, is_active=False)
            for seat in seats.order_by("pk"):
                if _deactivated_by_platform(seat):
                    set_seat_active(seat=seat, active=True, by=by)
                    reactivated.append(str(seat.user_id))

        revoked = set(locked.revoked_relay_contacts.values_list("pk", flat=True))
        restorable = sorted(revoked - held_relays)
        restored = restore_relay_contacts(relay_contact_ids=restorable, by=by, reason=reason) if restorable else []

        _record_decision(flag=locked, by=by, status=FlagStatus.DISMISSED, reason=reason)
        record_event(
            action=AuditAction.FLAG_DISMISSED,
            actor=by,
            organization=locked.organization,
            target_type="flag",
            target_id=locked.pk,
            outcome=AuditOutcome.DISMISSED,
            details={
                "detector": locked.detector,
                "severity": locked.severity,
                "subject_type": locked.subject_type,
                "reason": reason,
                "organizations_reinstated": reinstated,
                "seats_reactivated": reactivated,
                "relay_contacts_restored": len(restored),
                "relay_contacts_kept_revoked": len(revoked) - len(restored),
            },
        )
    flag.refresh_from_db()
    return flag


def _held_by_other_flags(flag: Flag) -> tuple[set, set, set]:
    """Organisations, recruiters and relay contacts another flag still holds: an open one's action, or a confirmation.

    A confirmed flag keeps its harvester stopped whatever the platform's own action was, so a later
    dismissal of a different flag on the same accounts must not lift it.
    """
    subjects = flag_subjects(flag)
    nearby = Q(organization_id__in=subjects.organization_ids) | Q(recruiter_id__in=subjects.recruiter_ids)
    others = (
        Flag.objects.filter(nearby | Q(subject_type=SubjectType.CLUSTER))
        .filter(Q(status=FlagStatus.CONFIRMED) | (Q(status=FlagStatus.OPEN) & ~Q(action_taken=FlagAction.NONE)))
        .exclude(pk=flag.pk)
    )
    organizations, recruiters = set(), set()
    for other in others:
        held = flag_subjects(other)
        confirmed = other.status == FlagStatus.CONFIRMED
        if other.action_taken == FlagAction.ORGANIZATION_SUSPENDED or (confirmed and not is_seat_flag(other)):
            organizations |= held.organization_ids
        if other.action_taken == FlagAction.SEAT_SUSPENDED or confirmed:
            recruiters |= held.recruiter_ids
    relays = set(
        Flag.revoked_relay_contacts.through.objects.filter(flag__status__in=[FlagStatus.OPEN, FlagStatus.CONFIRMED])
        .exclude(flag_id=flag.pk)
        .values_list("relaycontact_id", flat=True)
    )
    return organizations, recruiters, relays


def _deactivated_by_platform(seat: Seat) -> bool:
    """The seat's last deactivation was the platform's (no actor), not an operator's own decision."""
    last = (
        AuditEvent.objects.filter(action=AuditAction.SEAT_DEACTIVATED, target_type="user", target_id=str(seat.user_id))
        .order_by("-seq")
        .values_list("actor_id", flat=True)
        .first()
    )
    return last is None
