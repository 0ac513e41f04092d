"""The reveal service: the one door through which a seeker's contact reaches anyone but the seeker.

`reveal_contact` runs in one transaction. It first decides, reading only, in
DESIGN.md's policy order: grant, refuse with a code, or ask the seeker for
consent (resumes.access holds who may see a resume at all). Then it acts on the
decision: a refusal or a consent request is audited and raised (a new request only
while the reveal it leads to could be paid, else `quota_exhausted`); a grant takes
quota (in a savepoint that a `quota_exhausted` refusal rolls back), issues the
relay contact and appends its audit event. If an audit append fails, the whole
reveal fails: no contact without its audit event.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.actions import AuditAction, AuditOutcome
from audit.services import record_event
from config.errors import DomainError
from employers import quota
from employers.models import Application, JobPosting, JobStatus, Organization
from outbox.registry import handler as outbox_handler
from outbox.services import enqueue

from .. import access, errors, notifications
from ..models import (
    ContactRequest,
    ContactRequestStatus,
    DirectContactGrant,
    Notification,
    RelayContact,
    RelayPreference,
    Resume,
    Reveal,
    RevealKind,
    Visibility,
)
from .contact_requests import create_contact_request, find_open_request
from .notices import reveal_is_news
from .relay import relay_contact_for

REVEAL_GRANTED = AuditAction.REVEAL_GRANTED
REVEAL_DENIED = AuditAction.REVEAL_DENIED


@dataclass(frozen=True)
class RevealResult:
    reveal: Reveal
    contact: dict[str, str]
    charged: bool
    quota: dict[str, dict]


@dataclass(frozen=True)
class _Context:
    recruiter: User
    resume_id: str
    job_id: int | None
    ip: str | None
    user_agent: str


@dataclass(frozen=True)
class _Refuse:
    """Policy says no, with this refusal (its code is the API's)."""

    refusal: DomainError


@dataclass(frozen=True)
class _AskConsent:
    """An on_request seeker has not approved this organisation: name the open request, or create one."""

    resume: Resume
    organization: Organization
    job: JobPosting
    open_request: ContactRequest | None


@dataclass(frozen=True)
class _Grant:
    """Policy allows the reveal; the quota may still refuse it."""

    resume: Resume
    organization: Organization
    job: JobPosting
    applied_to_this_job: bool
    applied_here: bool
    approved: bool


def reveal_contact(
    *, recruiter: User, resume: Resume | str, job: JobPosting | int | None, ip: str | None = None, user_agent: str = ""
) -> RevealResult:
    """Hand the seeker's contact (relay by default) to `recruiter`, or raise a DomainError with its code.

    `resume` and `job` may be instances or ids (an id that does not resolve is refused
    with `resume_unavailable` / `job_invalid`, audited like any refusal).
    """
    context = _Context(
        recruiter=recruiter,
        resume_id=str(getattr(resume, "pk", resume)),
        job_id=getattr(job, "pk", job),
        ip=ip,
        user_agent=user_agent,
    )
    with transaction.atomic():
        decision = _decide(context)
        if isinstance(decision, _Grant):
            try:
                return _grant(context, decision)
            except errors.QuotaExhausted as exhausted:
                refusal: DomainError = exhausted
        elif isinstance(decision, _AskConsent):
            try:
                refusal = _consent_refusal(context, decision)
            except errors.QuotaExhausted as exhausted:
                refusal = exhausted
        else:
            refusal = decision.refusal
        _audit_denial(context, refusal)
    raise refusal


def _decide(context: _Context) -> _Grant | _AskConsent | _Refuse:
    """The reveal policy in DESIGN.md's order, reading only: nothing here writes."""
    try:
        # 1-2. recruiter_inactive (and no seat / not a recruiter), org_suspended / org_not_verified
        organization = access.get_verified_seat(user=context.recruiter).organization
    except DomainError as refusal:
        return _Refuse(refusal)
    # 3. job_invalid: the organisation's own open job
    job = JobPosting.objects.filter(pk=context.job_id, organization=organization, status=JobStatus.OPEN).first()
    if job is None:
        return _Refuse(errors.JobInvalid())
    # 4. resume_unavailable: hidden, deleted, or applied_only without an application here
    resume = _find_resume(context.resume_id, organization=organization)
    if resume is None:
        return _Refuse(errors.ResumeUnavailable())
    # 5. blocked_by_seeker: a block, or a relay contact the seeker (or an operator) revoked
    if resume.blocked_by_seeker:
        return _Refuse(errors.BlockedBySeeker())
    relay = RelayContact.objects.filter(resume=resume, organization=organization).first()
    if relay is not None and not relay.is_active:
        return _Refuse(errors.BlockedBySeeker("Access to this seeker's relay contact was revoked."))
    # 6. consent_required: on_request seekers approve each organisation (an application is consent)
    applied_to_this_job = Application.objects.filter(job=job, seeker_id=resume.seeker_id).exists()
    approved = False
    if resume.visibility == Visibility.ON_REQUEST and not applied_to_this_job:
        approved = ContactRequest.objects.filter(
            resume=resume, organization=organization, status=ContactRequestStatus.APPROVED
        ).exists()
        if not approved:
            return _AskConsent(
                resume=resume,
                organization=organization,
                job=job,
                open_request=find_open_request(resume=resume, organization=organization),
            )
    applied_here = Application.objects.filter(job__organization=organization, seeker_id=resume.seeker_id).exists()
    return _Grant(
        resume=resume,
        organization=organization,
        job=job,
        applied_to_this_job=applied_to_this_job,
        applied_here=applied_here,
        approved=approved,
    )


def _grant(context: _Context, grant: _Grant) -> RevealResult:
    recruiter, resume, organization, job = context.recruiter, grant.resume, grant.organization, grant.job
    # 7. quota: free for the applicant of this job and for a recent re-reveal by this organisation
    recent = _recent_charged_reveal(resume=resume, organization=organization)
    charged = not grant.applied_to_this_job and recent is None
    if charged:
        try:
            # A refusal rolls back the counters already taken, not the denial's audit event.
            with transaction.atomic():
                quota.consume(recruiter=recruiter, organization=organization)
        except quota.QuotaExhausted as exhausted:
            raise errors.QuotaExhausted(limit=exhausted.limit_name, resets_at=exhausted.resets_at) from None
    # 8. relay contact, or the real one where the seeker opted in for this organisation
    direct = _direct_contact_allowed(
        resume=resume, organization=organization, applied_here=grant.applied_here, approved=grant.approved
    )
    relay = None if direct else relay_contact_for(resume=resume, organization=organization)
    reveal = Reveal.objects.create(
        resume=resume,
        resume_ref=resume.pk,
        organization=organization,
        recruiter=recruiter,
        job=job,
        relay_contact=relay,
        kind=RevealKind.DIRECT if direct else RevealKind.RELAY,
        charged=charged,
    )
    # 9. the audit event, in this transaction: if it fails, nothing is revealed
    record_event(
        action=AuditAction.REVEAL_GRANTED,
        actor=recruiter,
        organization=organization,
        target_type="resume",
        target_id=str(resume.pk),
        job=job,
        outcome=AuditOutcome.GRANTED,
        ip=context.ip,
        user_agent=context.user_agent,
        details={
            "reveal_id": reveal.pk,
            "kind": reveal.kind,
            "charged": charged,
            "free_because": "" if charged else ("applicant" if grant.applied_to_this_job else "recent_reveal"),
        },
    )
    if reveal_is_news(reveal=reveal):
        _tell_seeker(resume=resume, organization=organization, job=job)
    return RevealResult(
        reveal=reveal,
        contact=_contact(resume=resume, relay=relay),
        charged=charged,
        quota=quota.usage(recruiter=recruiter, organization=organization),
    )


def _consent_refusal(context: _Context, ask: _AskConsent) -> errors.ConsentRequired:
    """The consent refusal naming the open request, created (and audited) if there is none.

    A new request must not be a free channel to the seeker: it is refused with
    quota_exhausted (and not created) when the reveal it leads to could not be paid
    now, or when the organisation has sent its requests for the day.
    """
    if ask.open_request is not None:
        return errors.ConsentRequired(contact_request_id=ask.open_request.pk)
    if _recent_charged_reveal(resume=ask.resume, organization=ask.organization) is None:
        full = quota.first_full_limit(recruiter=context.recruiter, organization=ask.organization)
        if full is not None:
            raise errors.QuotaExhausted(limit=full.refusal_name, resets_at=full.resets_at)
    request = create_contact_request(
        resume=ask.resume,
        organization=ask.organization,
        job=ask.job,
        requested_by=context.recruiter,
        ip=context.ip,
        user_agent=context.user_agent,
    )
    return errors.ConsentRequired(contact_request_id=request.pk)


def _audit_denial(context: _Context, refusal: DomainError) -> None:
    details = {}
    if isinstance(refusal, errors.ConsentRequired):
        details["contact_request_id"] = refusal.fields["contact_request_id"]
    if isinstance(refusal, errors.QuotaExhausted):
        details["limit"] = refusal.fields["limit"]
    record_event(
        action=AuditAction.REVEAL_DENIED,
        actor=context.recruiter,
        organization=_organization_of(context.recruiter),
        target_type="resume",
        target_id=context.resume_id[:64],
        job=context.job_id if isinstance(context.job_id, int) else None,
        outcome=AuditOutcome.DENIED,
        code=refusal.code,
        ip=context.ip,
        user_agent=context.user_agent,
        details=details,
    )


def _organization_of(recruiter: User) -> Organization | None:
    seat = getattr(recruiter, "seat", None)
    return seat.organization if seat is not None else None


def _find_resume(resume_id: str, *, organization: Organization) -> Resume | None:
    """The resume if it is available to the organisation (resumes.access), with whether its seeker blocks it.

    The resume's row stays locked until the reveal commits: reveals of one seeker take turns, so that
    parallel reveals cannot all miss each other's charge (step 7) and all be charged.
    """
    try:
        resume_uuid = uuid.UUID(resume_id)
    except ValueError:
        return None  # a malformed id is just a resume that is not there
    return (
        access.resumes_available_to(organization=organization)
        .filter(pk=resume_uuid)
        .annotate(blocked_by_seeker=access.blocked_by_seeker(organization))
        .select_related("seeker")
        .select_for_update(of=("self",))
        .first()
    )


def _recent_charged_reveal(*, resume: Resume, organization: Organization) -> Reveal | None:
    """The organisation's charged reveal of this seeker within FREE_REREVEAL_DAYS, if any.

    Only a charged reveal opens the free window: counting free ones would chain them into free access forever.
    """
    since = timezone.now() - dt.timedelta(days=settings.FREE_REREVEAL_DAYS)
    return Reveal.objects.filter(resume=resume, organization=organization, charged=True, created_at__gte=since).first()


def _direct_contact_allowed(*, resume: Resume, organization: Organization, applied_here: bool, approved: bool) -> bool:
    if resume.relay_preference != RelayPreference.DIRECT_WHEN_APPROVED:
        return False
    granted = DirectContactGrant.objects.filter(resume=resume, organization=organization).exists()
    return granted or applied_here or approved


def _contact(*, resume: Resume, relay: RelayContact | None) -> dict[str, str]:
    details = resume.decrypt_contact_details()
    if relay is None:
        return {"name": details.full_name, "email": details.email, "phone": details.phone, "kind": RevealKind.DIRECT}
    return {
        "name": details.full_name,
        "email": relay.email_alias,
        "phone": f"{relay.phone_number},{relay.phone_extension}",
        "kind": RevealKind.RELAY,
    }


SEEKER_EMAIL = "reveal.seeker_email"


def _tell_seeker(*, resume: Resume, organization: Organization, job: JobPosting) -> None:
    """The in-app notice in the reveal's transaction; the e-mail as an outbox message written with it.

    The mail leaves after commit through the outbox (outbox.services.enqueue): nothing that happens
    to it can turn the committed reveal into an error.
    """
    notice = notifications.build_notification(
        user_id=resume.seeker_id, kind=notifications.REVEAL, organization=organization.legal_name, job=job.title
    )
    notice.save()
    enqueue(kind=SEEKER_EMAIL, payload={"seeker_id": str(resume.seeker_id), "notification_id": notice.pk})


@outbox_handler(SEEKER_EMAIL)
def _email_seeker(*, seeker_id: str, notification_id: int) -> None:
    """Delivered by the outbox: nothing to a seeker no longer active (erased, deactivated) or a notice gone."""
    seeker = User.objects.filter(pk=seeker_id, is_active=True).first()
    notice = Notification.objects.filter(pk=notification_id, user_id=seeker_id).first()
    if seeker is None or notice is None:
        return
    # Decrypted for the seeker's own use: the notice goes to their own address.
    send_mail(
        "Hirewall: an employer received your contact details",
        f"{notice.message}\n\nSee every access in your access log.",
        None,
        [seeker.decrypt_email()],
        fail_silently=False,  # a failure is retried by the outbox
    )
