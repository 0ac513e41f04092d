"""Contact requests: asked for by a reveal, approved or declined by the seeker, expired by the beat."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.actions import AuditAction, AuditOutcome
from audit.services import record_event
from employers import quota
from employers.models import JobPosting, Organization

from .. import notifications
from ..errors import ContactRequestClosed, NotFound, OrganizationBlockedBySeeker, QuotaExhausted
from ..models import ContactRequest, ContactRequestStatus, RelayPreference, Resume
from .ownership import own_resume
from .privacy import record_direct_grant
from .refunds import credit_back

# The `limit` a quota_exhausted refusal names when the organisation has sent its requests for the day.
CONTACT_REQUESTS_DAILY = "contact_requests_daily"


# The seeker's decision, as the chain records it.
DECISION_ACTIONS = {
    ContactRequestStatus.APPROVED: AuditAction.CONTACT_REQUEST_APPROVED,
    ContactRequestStatus.DECLINED: AuditAction.CONTACT_REQUEST_DECLINED,
}
DECISION_OUTCOMES = {
    ContactRequestStatus.APPROVED: AuditOutcome.APPROVED,
    ContactRequestStatus.DECLINED: AuditOutcome.DECLINED,
}


def find_open_request(*, resume: Resume, organization: Organization) -> ContactRequest | None:
    """A pending request not yet expired, or one declined within the cooldown: asking again would nag."""
    now = timezone.now()
    existing = (
        ContactRequest.objects.filter(resume=resume, organization=organization)
        .filter(status__in=(ContactRequestStatus.PENDING, ContactRequestStatus.DECLINED))
        .order_by("-created_at")
        .first()
    )
    if existing is None:
        return None
    if existing.status == ContactRequestStatus.PENDING and existing.expires_at > now:
        return existing
    cooldown = dt.timedelta(days=settings.DECLINED_REQUEST_COOLDOWN_DAYS)
    declined_at = existing.decided_at or existing.created_at
    if existing.status == ContactRequestStatus.DECLINED and declined_at > now - cooldown:
        # A declined request cannot be sent again for a while; the organisation sees it declined.
        return existing
    return None


def create_contact_request(
    *,
    resume: Resume,
    organization: Organization,
    job: JobPosting,
    requested_by: User,
    ip: str | None = None,
    user_agent: str = "",
) -> ContactRequest:
    """Ask the seeker to approve the organisation (audited, and the seeker is told); the reveal asks.

    Requests reach a person for free, so an organisation sends at most
    CONTACT_REQUESTS_PER_ORG_DAILY a platform day; past it this raises QuotaExhausted
    (limit `contact_requests_daily`) and creates nothing.
    """
    with transaction.atomic():
        _ensure_request_allowance(organization=organization)
        request = ContactRequest.objects.create(
            resume=resume, organization=organization, job=job, requested_by=requested_by
        )
        record_event(
            action=AuditAction.CONTACT_REQUEST_CREATED,
            actor=requested_by,
            organization=organization,
            target_type="resume",
            target_id=str(resume.pk),
            job=job,
            outcome=AuditOutcome.PENDING,
            ip=ip,
            user_agent=user_agent,
            details={"contact_request_id": request.pk},
        )
        notifications.build_notification(
            user_id=resume.seeker_id,
            kind=notifications.CONTACT_REQUEST,
            organization=organization.legal_name,
            job=job.title,
        ).save()
    return request


def _ensure_request_allowance(*, organization: Organization) -> None:
    # The organisation's row lock makes concurrent requests count one after another: none slips past the bound.
    Organization.objects.select_for_update().only("pk").get(pk=organization.pk)
    now = timezone.now()
    sent_today = ContactRequest.objects.filter(
        organization=organization, created_at__gte=quota.platform_day_start(now)
    ).count()
    if sent_today >= settings.CONTACT_REQUESTS_PER_ORG_DAILY:
        raise QuotaExhausted(
            "Your organisation has sent its contact requests for today; see `resets_at`.",
            limit=CONTACT_REQUESTS_DAILY,
            resets_at=quota.next_platform_day(now),
        )


def _decide_contact_request(*, seeker: User, request_id: int, status: str) -> ContactRequest:
    with transaction.atomic():
        resume = own_resume(seeker, lock=True)
        contact_request = (
            ContactRequest.objects.select_for_update()
            .select_related("organization")
            .filter(pk=request_id, resume=resume)
            .first()
        )
        if contact_request is None:
            raise NotFound()
        if not contact_request.is_open:
            raise ContactRequestClosed()
        if (
            status == ContactRequestStatus.APPROVED
            and resume.blocks.filter(organization=contact_request.organization).exists()
        ):
            # An approval would wait behind the block and take effect, unseen, the day the seeker lifts it.
            raise OrganizationBlockedBySeeker()
        contact_request.status = status
        contact_request.decided_at = timezone.now()
        contact_request.save(update_fields=["status", "decided_at"])
        record_event(
            action=DECISION_ACTIONS[status],
            actor=seeker,
            organization=contact_request.organization,
            target_type="contact_request",
            target_id=contact_request.pk,
            outcome=DECISION_OUTCOMES[status],
            details={"resume_id": str(resume.pk), "job_id": contact_request.job_id},
        )
        if status == ContactRequestStatus.APPROVED and resume.relay_preference == RelayPreference.DIRECT_WHEN_APPROVED:
            record_direct_grant(seeker=seeker, resume=resume, organization=contact_request.organization)
        if status == ContactRequestStatus.APPROVED:
            # The seeker answered: an earlier charged reveal by this organisation costs it nothing.
            credit_back(resume=resume, organization=contact_request.organization, reason="seeker_approved")
    return contact_request


def approve_contact_request(*, seeker: User, request_id: int) -> ContactRequest:
    """The organisation may now reveal (within its quota); with direct_when_approved, the real contact."""
    return _decide_contact_request(seeker=seeker, request_id=request_id, status=ContactRequestStatus.APPROVED)


def decline_contact_request(*, seeker: User, request_id: int) -> ContactRequest:
    return _decide_contact_request(seeker=seeker, request_id=request_id, status=ContactRequestStatus.DECLINED)


def expire_contact_requests() -> int:
    """Mark pending requests past their expiry as expired (audited one by one); returns how many."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            ContactRequest.objects.select_for_update()
            .filter(status=ContactRequestStatus.PENDING, expires_at__lte=now)
            .order_by("id")
        )
        for contact_request in due:
            contact_request.status = ContactRequestStatus.EXPIRED
            contact_request.decided_at = now
            contact_request.save(update_fields=["status", "decided_at"])
            record_event(
                action=AuditAction.CONTACT_REQUEST_EXPIRED,
                organization=Organization(pk=contact_request.organization_id),
                target_type="contact_request",
                target_id=contact_request.pk,
                outcome=ContactRequestStatus.EXPIRED,
                details={"resume_id": str(contact_request.resume_id), "job_id": contact_request.job_id},
            )
    return len(due)
