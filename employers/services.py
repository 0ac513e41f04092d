"""Writes on employers: registration, licences, invitations and seats, status changes, jobs, applications, credit."""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role, User
from audit.actions import AuditAction, AuditOutcome
from audit.services import contains_contact_data, record_event
from outbox.services import enqueue
from resumes.contact_text import contains_contact_details

from . import errors, mail, selectors
from .models import (
    AdverseCreditRecord,
    Application,
    BusinessLicence,
    Invitation,
    InvitationStatus,
    JobPosting,
    JobStatus,
    Organization,
    OrganizationStatus,
    RegistrationAttempt,
    RegistrationOutcome,
    Seat,
    SeatRole,
    invitation_lifetime,
    licence_upload_path,
    reverification_period,
    seat_limit,
)
from .uscc import InvalidUsccError, validate_uscc

# Leading bytes of the licence formats accepted; the name and the declared type are ignored.
LICENCE_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
JOB_EDITABLE_FIELDS = ("title", "description", "city", "category", "status")


def private_storage() -> FileSystemStorage:
    """Files with no public URL: only the admin's staff-checked view reads them."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


# Organisations


def _record_registration_attempt(
    *, recruiter: User, uscc: str, legal_name: str, city: str, outcome: str, organization=None, ip, user_agent
) -> None:
    with transaction.atomic():
        attempt = RegistrationAttempt.objects.create(
            uscc=uscc,
            legal_name=legal_name,
            city=city,
            user=recruiter,
            organization=organization,
            outcome=outcome,
            ip=ip or None,
            user_agent=(user_agent or "")[:512],
        )
        record_event(
            action=AuditAction.ORGANIZATION_REGISTRATION,
            actor=recruiter,
            organization=organization,
            target_type="uscc",
            target_id=uscc,
            outcome=AuditOutcome.GRANTED if outcome == RegistrationOutcome.REGISTERED else AuditOutcome.DENIED,
            code="" if outcome == RegistrationOutcome.REGISTERED else outcome,
            ip=ip,
            user_agent=user_agent,
            details={"attempt_id": attempt.pk},
        )


def register_organization(
    *, recruiter: User, legal_name: str, uscc: str, city: str, ip: str | None = None, user_agent: str = ""
) -> Organization:
    """Create a pending organisation with the caller as its admin.

    Refused attempts with a well-formed code are kept (RegistrationAttempt and an
    audit event) even though the registration itself is not: they are evidence.
    """
    selectors.ensure_can_register(user=recruiter)
    try:
        code = validate_uscc(uscc)
    except InvalidUsccError as error:
        raise errors.InvalidUscc(f"This is not a valid Unified Social Credit Code: {error}.") from error
    legal_name, city = legal_name.strip(), city.strip()
    attempt = {
        "recruiter": recruiter,
        "uscc": code,
        "legal_name": legal_name,
        "city": city,
        "ip": ip,
        "user_agent": user_agent,
    }

    if AdverseCreditRecord.objects.filter(uscc=code).exists():
        _record_registration_attempt(**attempt, outcome=RegistrationOutcome.USCC_BLACKLISTED)
        raise errors.UsccBlacklisted()
    if Organization.objects.filter(uscc=code).exists():
        _record_registration_attempt(**attempt, outcome=RegistrationOutcome.USCC_TAKEN)
        raise errors.UsccTaken()

    organization = Organization(
        legal_name=legal_name, uscc=code, city=city, registered_by=recruiter, registered_ip=ip or None
    )
    # Uniqueness is the database's to decide below: a check here would race a concurrent registration
    # and escape as a ValidationError instead of uscc_taken.
    organization.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            organization.save()
            Seat.objects.create(organization=organization, user=recruiter, role=SeatRole.ADMIN, added_by=recruiter)
            _record_registration_attempt(
                **attempt,
                outcome=RegistrationOutcome.REGISTERED,
                organization=organization,
            )
    except IntegrityError as error:
        # A concurrent request won the race for this code or for this recruiter's seat.
        if Organization.objects.filter(uscc=code).exists():
            _record_registration_attempt(**attempt, outcome=RegistrationOutcome.USCC_TAKEN)
            raise errors.UsccTaken() from error
        raise errors.AlreadyInOrganization() from error
    return organization


def _sniff_licence(head: bytes) -> tuple[str, str] | None:
    for signature, content_type, extension in LICENCE_SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def upload_licence(*, seat: Seat, file: UploadedFile, ip: str | None = None, user_agent: str = "") -> BusinessLicence:
    """Keep a licence file privately after checking its size and its content (not its name)."""
    if not seat.is_admin:
        raise errors.NotOrgAdmin()
    max_bytes = settings.LICENCE_MAX_BYTES
    if file.size is None or file.size == 0 or file.size > max_bytes:
        raise errors.InvalidFile(f"The file must be between 1 byte and {max_bytes // (1024 * 1024)} MB.")
    content = file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise errors.InvalidFile()
    sniffed = _sniff_licence(content[:16])
    if sniffed is None:
        raise errors.InvalidFile("The file's content is not a PDF, PNG or JPEG.")
    content_type, extension = sniffed
    organization = seat.organization
    storage = private_storage()
    storage_name = storage.save(
        licence_upload_path(organization.pk, secrets.token_hex(16), extension), ContentFile(content)
    )
    try:
        with transaction.atomic():
            licence = BusinessLicence.objects.create(
                organization=organization,
                storage_name=storage_name,
                content_type=content_type,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                uploaded_by=seat.user,
                uploaded_ip=ip or None,
            )
            record_event(
                action=AuditAction.ORGANIZATION_LICENCE_UPLOADED,
                actor=seat.user,
                organization=organization,
                target_type="licence",
                target_id=licence.pk,
                ip=ip,
                user_agent=user_agent,
                details={"content_type": content_type, "size": len(content), "sha256": licence.sha256},
            )
    except Exception:
        storage.delete(storage_name)
        raise
    return licence


def open_licence_for_operator(*, operator: User, licence: BusinessLicence, ip: str | None = None):
    """The file of a licence, for an operator in the admin; each viewing is recorded."""
    if not (operator.is_active and operator.is_staff):
        raise PermissionDenied("Only operators view licences.")
    record_event(
        action=AuditAction.ORGANIZATION_LICENCE_VIEWED,
        actor=operator,
        organization=licence.organization,
        target_type="licence",
        target_id=licence.pk,
        ip=ip,
    )
    return private_storage().open(licence.storage_name, "rb")


# Status changes: the only way an organisation's status moves.

_PAST_TENSE = {"verify": "verified", "reject": "rejected", "suspend": "suspended", "reinstate": "reinstated"}
_STATUS_ACTIONS = {
    "verify": AuditAction.ORGANIZATION_VERIFIED,
    "reject": AuditAction.ORGANIZATION_REJECTED,
    "suspend": AuditAction.ORGANIZATION_SUSPENDED,
    "reinstate": AuditAction.ORGANIZATION_REINSTATED,
}
_ALLOWED_FROM = {
    "verify": {OrganizationStatus.PENDING, OrganizationStatus.REJECTED, OrganizationStatus.VERIFIED},
    "reject": {OrganizationStatus.PENDING, OrganizationStatus.VERIFIED},
    "suspend": {OrganizationStatus.PENDING, OrganizationStatus.VERIFIED},
    "reinstate": {OrganizationStatus.SUSPENDED},
}


def status_operations_allowed(*, status: str) -> list[str]:
    """The status changes ("verify", "reject", "suspend", "reinstate") the services accept from `status`."""
    return [operation for operation, sources in _ALLOWED_FROM.items() if status in sources]


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise errors.ReasonRequired()
    if contains_contact_data(reason):
        raise ValidationError({"reason": ["A reason must not contain contact details such as email addresses."]})
    return reason


def _change_status(
    *, operation: str, organization: Organization, by: User | None, new_status: str, reason: str, **changes
) -> Organization:
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if locked.status not in _ALLOWED_FROM[operation]:
            raise errors.InvalidTransition(
                f"An organisation with status {locked.status} cannot be {_PAST_TENSE[operation]}."
            )
        previous = locked.status
        now = timezone.now()
        locked.status = new_status
        locked.status_changed_at = now
        locked.status_changed_by = by
        locked.status_reason = reason
        for field, value in changes.items():
            setattr(locked, field, value(now) if callable(value) else value)
        locked.save()
        details = {"from": previous, "to": new_status, "reason": reason}
        if locked.is_effectively_verified:
            # Jobs posted before verification were drafts; seekers see them from now on.
            opened = JobPosting.objects.filter(organization=locked, status=JobStatus.DRAFT).update(
                status=JobStatus.OPEN, updated_at=now
            )
            if opened:
                details["jobs_opened"] = opened
        record_event(
            action=_STATUS_ACTIONS[operation],
            actor=by,
            organization=locked,
            target_type="organization",
            target_id=locked.pk,
            details=details,
        )
    organization.refresh_from_db()
    return organization


def verify_organization(*, organization: Organization, by: User, reason: str = "") -> Organization:
    """Verify (or re-verify) for REVERIFY_AFTER_DAYS from now; refused while no licence is on file.

    Verification is the gate against forged employers: it checks the uploaded licence, so there must be one.
    """
    if not BusinessLicence.objects.filter(organization_id=organization.pk).exists():
        raise errors.LicenceMissing()
    return _change_status(
        operation="verify",
        organization=organization,
        by=by,
        new_status=OrganizationStatus.VERIFIED,
        reason=_clean_reason(reason, required=False),
        verified_at=lambda now: now,
        verified_by=by,
        reverify_due=lambda now: now + reverification_period(),
    )


def reject_organization(*, organization: Organization, by: User, reason: str) -> Organization:
    return _change_status(
        operation="reject",
        organization=organization,
        by=by,
        new_status=OrganizationStatus.REJECTED,
        reason=_clean_reason(reason, required=True),
    )


def suspend_organization(*, organization: Organization, by: User | None, reason: str) -> Organization:
    """Stop an organisation at once; `by` None means the platform's detectors did it."""
    return _change_status(
        operation="suspend",
        organization=organization,
        by=by,
        new_status=OrganizationStatus.SUSPENDED,
        reason=_clean_reason(reason, required=True),
    )


def reinstate_organization(*, organization: Organization, by: User, reason: str) -> Organization:
    """Lift a suspension: back to verified if it had been verified (expiry still applies), else pending."""
    current = Organization.objects.only("verified_at").get(pk=organization.pk)
    new_status = OrganizationStatus.VERIFIED if current.verified_at else OrganizationStatus.PENDING
    return _change_status(
        operation="reinstate",
        organization=organization,
        by=by,
        new_status=new_status,
        reason=_clean_reason(reason, required=True),
    )


def update_organization_limits(
    *, organization: Organization, by: User, plan: str, limits: dict[str, int | None]
) -> Organization:
    """An operator sets the plan and per-organisation limits; the model refuses anything above the ceiling."""
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        before = {"plan": locked.plan, **{name: getattr(locked, f"{name}_limit") for name in limits}}
        locked.plan = plan
        for name, value in limits.items():
            setattr(locked, f"{name}_limit", value)
        locked.full_clean()
        locked.save()
        after = {"plan": locked.plan, **{name: getattr(locked, f"{name}_limit") for name in limits}}
        if after != before:
            record_event(
                action=AuditAction.ORGANIZATION_LIMITS_CHANGED,
                actor=by,
                organization=locked,
                target_type="organization",
                target_id=locked.pk,
                details={"before": before, "after": after},
            )
    organization.refresh_from_db()
    return organization


# Seats


def invite_recruiter(*, seat: Seat, email: str, role: str) -> Invitation:
    """An organisation admin invites an address to a seat; nothing is seated until the invited person accepts.

    The answer and the work are the same whether or not the address has an account (it
    is never looked up here), so inviting cannot probe who uses the platform. Open
    invitations hold a seat until they expire; inviting an address again replaces its
    open invitation. The invited address is told by e-mail once the invitation is stored.
    """
    if not seat.is_admin:
        raise errors.NotOrgAdmin()
    if role not in SeatRole.values:
        raise ValidationError({"role": [f"One of: {', '.join(SeatRole.values)}."]})
    try:
        validate_email(email.strip())
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from error
    invitation = Invitation(organization=seat.organization, role=role, invited_by=seat.user)
    invitation.set_email(email)
    with transaction.atomic():
        # The organisation's row lock serialises invitations, so concurrent ones cannot overfill the seats.
        organization = Organization.objects.select_for_update().get(pk=seat.organization_id)
        if organization.status == OrganizationStatus.SUSPENDED:
            # Suspended, by an operator or the detectors: it takes on no one (a pending one builds its team).
            raise errors.SuspendedOrganizationInvites()
        now = timezone.now()
        open_invitations = Invitation.objects.open(now=now).filter(organization=organization)
        replaced = list(
            open_invitations.filter(email_blind_index=invitation.email_blind_index).values_list("pk", flat=True)
        )
        held = Seat.objects.filter(organization=organization).count() + open_invitations.count() - len(replaced)
        if held >= seat_limit(organization.plan):
            raise errors.SeatsFull()
        Invitation.objects.filter(pk__in=replaced).update(status=InvitationStatus.WITHDRAWN, responded_at=now)
        invitation.created_at = now
        invitation.expires_at = now + invitation_lifetime()
        invitation.save(force_insert=True)
        details = {"role": role, "expires_at": invitation.expires_at.isoformat()}
        if replaced:
            details["replaces"] = [str(pk) for pk in replaced]
        record_event(
            action=AuditAction.INVITATION_CREATED,
            actor=seat.user,
            organization=organization,
            target_type="invitation",
            target_id=invitation.pk,
            details=details,
        )
        invitation_id = str(invitation.pk)
        # The mail is an outbox message committed with the invitation: it leaves after commit, retried until sent.
        enqueue(kind=mail.INVITATION_EMAIL, payload={"invitation_id": invitation_id})
    return invitation


def _lock_open_invitation_for(*, user: User, invitation_id) -> Invitation:
    """The caller's own open invitation, locked; else not_found (someone else's, expired, answered, withdrawn)."""
    if user.role != Role.RECRUITER:
        raise errors.NotRecruiter()
    invitations = Invitation.objects.open().addressed_to(user).select_related("organization")
    invitation = invitations.select_for_update(of=("self",)).filter(pk=invitation_id).first()
    if invitation is None:
        raise errors.InvitationNotFound()
    return invitation


def _record_answer(*, invitation: Invitation, status: str, by: User) -> None:
    invitation.status = status
    invitation.responded_at = timezone.now()
    invitation.responded_by = by
    invitation.save(update_fields=["status", "responded_at", "responded_by"])


def accept_invitation(*, user: User, invitation_id) -> Seat:
    """The invited recruiter takes the seat: from now on they belong to the organisation."""
    try:
        with transaction.atomic():
            invitation = _lock_open_invitation_for(user=user, invitation_id=invitation_id)
            if Seat.objects.filter(user=user).exists():
                raise errors.AlreadySeated()
            new_seat = Seat.objects.create(
                organization=invitation.organization, user=user, role=invitation.role, added_by=invitation.invited_by
            )
            _record_answer(invitation=invitation, status=InvitationStatus.ACCEPTED, by=user)
            record_event(
                action=AuditAction.INVITATION_ACCEPTED,
                actor=user,
                organization=invitation.organization,
                target_type="invitation",
                target_id=invitation.pk,
                details={"seat_id": new_seat.pk, "role": new_seat.role},
            )
            # Registering proves no address: the mailbox's owner hears that a seat was taken under it.
            enqueue(kind=mail.INVITATION_ACCEPTED_EMAIL, payload={"invitation_id": str(invitation.pk)})
    except IntegrityError as error:
        # A concurrent acceptance (of this or another invitation) seated this recruiter first.
        raise errors.AlreadySeated() from error
    return new_seat


def decline_invitation(*, user: User, invitation_id) -> Invitation:
    """The invited recruiter says no: the invitation closes and its seat is free again."""
    with transaction.atomic():
        invitation = _lock_open_invitation_for(user=user, invitation_id=invitation_id)
        _record_answer(invitation=invitation, status=InvitationStatus.DECLINED, by=user)
        record_event(
            action=AuditAction.INVITATION_DECLINED,
            actor=user,
            organization=invitation.organization,
            target_type="invitation",
            target_id=invitation.pk,
        )
    return invitation


def set_seat_active(*, seat: Seat, active: bool, by: User) -> Seat:
    """Operators deactivate (or reactivate) a seat; a deactivated recruiter can do nothing."""
    with transaction.atomic():
        locked = Seat.objects.select_for_update().get(pk=seat.pk)
        if locked.is_active == active:
            return locked
        locked.is_active = active
        locked.deactivated_at = None if active else timezone.now()
        locked.save(update_fields=["is_active", "deactivated_at"])
        record_event(
            action=AuditAction.SEAT_REACTIVATED if active else AuditAction.SEAT_DEACTIVATED,
            actor=by,
            organization=locked.organization,
            target_type="user",
            target_id=locked.user_id,
        )
    return locked


def suspend_seat_by_platform(*, seat: Seat, reason: str) -> Seat:
    """The platform's detectors deactivate one recruiter's seat (a rogue employee); the organisation carries on.

    An operator lifts it with set_seat_active(active=True).
    """
    reason = _clean_reason(reason, required=True)
    with transaction.atomic():
        locked = Seat.objects.select_for_update().get(pk=seat.pk)
        if not locked.is_active:
            return locked
        locked.is_active = False
        locked.deactivated_at = timezone.now()
        locked.save(update_fields=["is_active", "deactivated_at"])
        record_event(
            action=AuditAction.SEAT_SUSPENDED_BY_DETECTION,
            outcome=AuditOutcome.SUSPENDED,
            organization=locked.organization,
            target_type="user",
            target_id=locked.user_id,
            details={"reason": reason},
        )
    return locked


# Jobs and applications


def _clean_job(job: JobPosting) -> None:
    job.title = job.title.strip()
    job.city = job.city.strip()
    job.full_clean(exclude=["organization", "created_by"])


def create_job(*, seat: Seat, title: str, description: str, city: str, category: str) -> JobPosting:
    """Post a job: open for a verified organisation, else a draft that opens when an operator verifies it."""
    # Read now, not from the seat's cached organisation, which may predate its verification.
    verified = Organization.objects.only("status", "reverify_due").get(pk=seat.organization_id).is_effectively_verified
    job = JobPosting(
        organization=seat.organization,
        created_by=seat.user,
        title=title,
        description=description,
        city=city,
        category=category,
        status=JobStatus.OPEN if verified else JobStatus.DRAFT,
    )
    _clean_job(job)
    job.save()
    return job


def update_job(*, job: JobPosting, **changes) -> JobPosting:
    """Change a job's text or status; only a verified organisation's job may be (re)opened."""
    unknown = set(changes) - set(JOB_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: ["This field cannot be changed."] for field in sorted(unknown)})
    new_status = changes.get("status", job.status)
    if new_status == JobStatus.DRAFT and job.status != JobStatus.DRAFT:
        raise ValidationError({"status": ["A job is a draft only until its organisation is verified."]})
    opening = new_status == JobStatus.OPEN and job.status != JobStatus.OPEN
    if opening and not job.organization.is_effectively_verified:
        if job.organization.status == OrganizationStatus.SUSPENDED:
            raise errors.JobOfSuspendedOrganization()
        raise errors.JobNeedsVerification()
    for field, value in changes.items():
        setattr(job, field, value)
    _clean_job(job)
    job.save()
    return job


def apply_to_job(*, seeker: User, job: JobPosting, resume_id=None) -> Application:
    """A seeker applies to an open job of a verified organisation: consent to that organisation for that job."""
    if seeker.role != Role.SEEKER or not seeker.is_active:
        raise errors.NotSeeker()
    if not JobPosting.objects.visible_to_seekers().filter(pk=job.pk).exists():
        raise errors.JobUnavailable()
    try:
        with transaction.atomic():
            application = Application.objects.create(job=job, seeker=seeker, resume_id=resume_id)
            record_event(
                action=AuditAction.APPLICATION_CREATED,
                actor=seeker,
                organization=job.organization,
                target_type="job",
                target_id=job.pk,
                details={"application_id": application.pk},
            )
    except IntegrityError as error:
        raise errors.AlreadyApplied() from error
    return application


# Adverse credit


def create_adverse_credit_record(
    *, uscc: str, reason: str, evidence: str = "", by: User | None, organization: Organization | None = None
) -> AdverseCreditRecord:
    """Put a USCC on the adverse credit list: it can never register again."""
    try:
        code = validate_uscc(uscc)
    except InvalidUsccError as error:
        raise errors.InvalidUscc(f"This is not a valid Unified Social Credit Code: {error}.") from error
    if organization is not None and organization.uscc != code:
        raise ValidationError({"uscc": ["This is not the organisation's USCC."]})
    reason = _clean_reason(reason, required=True)
    with transaction.atomic():
        record = AdverseCreditRecord.objects.create(
            uscc=code, organization=organization, reason=reason, evidence=evidence.strip(), created_by=by
        )
        record_event(
            action=AuditAction.ADVERSE_CREDIT_CREATED,
            actor=by,
            organization=organization,
            target_type="uscc",
            target_id=code,
            details={"record_id": record.pk},
        )
    return record


# How seekers see a recruiter


def update_seat_profile(*, seat: Seat, display_name: str | None = None, title: str | None = None) -> Seat:
    """Set the name and title seekers' access logs show for this recruiter; None leaves a field as it is.

    Whitespace runs become one space. Contact details (phone, e-mail, handle, link) are refused: these
    lines are shown to every seeker the recruiter reveals. The audit event names the fields changed,
    never their values (a display name may be a person's name).
    """
    changes = {
        field: " ".join(value.split())
        for field, value in (("display_name", display_name), ("title", title))
        if value is not None
    }
    if any(contains_contact_details(value) for value in changes.values()):
        raise errors.ContactDetailsInProfile()
    with transaction.atomic():
        locked = Seat.objects.select_for_update().select_related("organization", "user").get(pk=seat.pk)
        changed = sorted(field for field, value in changes.items() if getattr(locked, field) != value)
        if not changed:
            return locked
        for field in changed:
            setattr(locked, field, changes[field])
        locked.full_clean(exclude=["organization", "user", "added_by"])
        locked.save(update_fields=changed)
        record_event(
            action=AuditAction.SEAT_PROFILE_UPDATED,
            actor=locked.user,
            organization=locked.organization,
            target_type="user",
            target_id=locked.user_id,
            details={"fields": changed},
        )
    return locked
