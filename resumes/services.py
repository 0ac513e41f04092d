"""Writes on resumes: the reveal service, and the seeker's own resume, contact details, privacy,
requests, relays, export and deletion.

`reveal_contact` (resumes/reveal.py) is the one door through which contact details
reach anyone but their seeker. Every other function here acts only on the calling
seeker's own data and owns its transaction; the ones DESIGN.md lists among chained
events write their audit event.
"""

import base64
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from rest_framework import status

from accounts import crypto
from accounts.erasure_ledger import note_erasure
from accounts.models import LoginEvent, Role, User
from audit.services import record_event
from config.errors import DomainError
from employers.models import Application, JobPosting, Organization
from employers.services import apply_to_job

from .contact import InvalidPhoneNumber, normalise_phone
from .models import (
    BlockedOrganization,
    ContactRequest,
    ContactRequestStatus,
    DirectContactGrant,
    EducationEntry,
    ExperienceEntry,
    Notification,
    RelayContact,
    RelayPreference,
    Resume,
    Reveal,
    Visibility,
)
from .reveal import credit_back
from .reveal import reveal_contact as reveal_contact  # the reveal service, reached as resumes.services.reveal_contact

SKILLS_MAX = 30
SKILL_MAX_LENGTH = 50
ENTRIES_MAX = 20
FULL_NAME_MAX_LENGTH = 150
ADDRESS_MAX_LENGTH = 300
EMAIL_MAX_LENGTH = 254
DELETED_EMAIL_INDEX_PREFIX = "deleted:"
EXPORT_FORMAT_VERSION = 1
PHOTO_MAX_BYTES = 2 * 1024 * 1024
# Leading bytes of the photo formats accepted; the file's name and declared type are ignored.
PHOTO_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


class NotSeeker(DomainError):
    code = "not_seeker"
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Only job seekers have a resume."


class ResumeMissing(DomainError):
    code = "resume_missing"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Write your resume first."


class NotFound(DomainError):
    # Another seeker's request or relay is answered exactly like a missing one.
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found."


class ContactRequestClosed(DomainError):
    code = "contact_request_closed"
    default_detail = "This request has already been answered or has expired."


@dataclass(frozen=True)
class ExperienceInput:
    title: str
    start: date
    end: date | None = None
    industry: str = ""
    employer_name: str = ""


@dataclass(frozen=True)
class EducationInput:
    degree: str
    start_year: int
    end_year: int | None = None
    field: str = ""


def _require_seeker(seeker: User) -> None:
    if seeker.role != Role.SEEKER or not seeker.is_active:
        raise NotSeeker()


def _own_resume(seeker: User, *, lock: bool = False) -> Resume:
    _require_seeker(seeker)
    resumes = Resume.objects.select_for_update() if lock else Resume.objects
    resume = resumes.filter(seeker=seeker).first()
    if resume is None:
        raise ResumeMissing()
    return resume


def clean_skills(skills: list[str]) -> list[str]:
    """Trimmed, de-duplicated (case-insensitively), in the order given."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for skill in skills:
        skill = " ".join(str(skill).split())
        if skill and skill.lower() not in seen:
            seen.add(skill.lower())
            cleaned.append(skill)
    if len(cleaned) > SKILLS_MAX:
        raise ValidationError({"skills": [f"At most {SKILLS_MAX} skills."]})
    if any(len(skill) > SKILL_MAX_LENGTH for skill in cleaned):
        raise ValidationError({"skills": [f"A skill has at most {SKILL_MAX_LENGTH} characters."]})
    return cleaned


# The resume


def save_resume(
    *,
    seeker: User,
    headline: str,
    category: str,
    summary: str = "",
    skills: list[str] | None = None,
    city: str = "",
    years_experience: int = 0,
    experience: list[ExperienceInput] | None = None,
    education: list[EducationInput] | None = None,
) -> Resume:
    """Create or replace the seeker's masked resume and its entries; the search text follows."""
    _require_seeker(seeker)
    experience = list(experience or [])
    education = list(education or [])
    if len(experience) > ENTRIES_MAX or len(education) > ENTRIES_MAX:
        raise ValidationError(f"At most {ENTRIES_MAX} experience and {ENTRIES_MAX} education entries.")
    with transaction.atomic():
        resume = Resume.objects.select_for_update().filter(seeker=seeker).first() or Resume(seeker=seeker)
        resume.headline = headline.strip()
        resume.summary = summary.strip()
        resume.skills = clean_skills(skills or [])
        resume.city = city.strip()
        resume.category = category
        resume.years_experience = years_experience
        resume.updated_at = timezone.now()
        resume.full_clean(exclude=["seeker"])

        experience_entries = [
            ExperienceEntry(
                resume=resume,
                title=entry.title.strip(),
                industry=entry.industry.strip(),
                employer_name=entry.employer_name.strip(),
                start=entry.start,
                end=entry.end,
            )
            for entry in experience
        ]
        education_entries = [
            EducationEntry(
                resume=resume,
                degree=entry.degree.strip(),
                field=entry.field.strip(),
                start_year=entry.start_year,
                end_year=entry.end_year,
            )
            for entry in education
        ]
        for entry in experience_entries:
            entry.full_clean(exclude=["resume"])
            if entry.end is not None and entry.end < entry.start:
                raise ValidationError({"experience": ["An experience entry cannot end before it starts."]})
        for entry in education_entries:
            entry.full_clean(exclude=["resume"])
            if entry.end_year is not None and entry.end_year < entry.start_year:
                raise ValidationError({"education": ["An education entry cannot end before it starts."]})

        resume.save()
        resume.experience_entries.all().delete()
        resume.education_entries.all().delete()
        ExperienceEntry.objects.bulk_create(experience_entries)
        EducationEntry.objects.bulk_create(education_entries)
        # Experience titles are searchable: the tokens are computed once the entries exist.
        resume.refresh_search_text()
        resume.save(update_fields=["search_primary", "search_secondary"])
    return resume


def update_contact_details(
    *,
    seeker: User,
    full_name: str,
    phone: str,
    email: str,
    birth_date: date | None = None,
    address: str = "",
) -> Resume:
    """Validate and store the contact-grade details encrypted; phone and email also blind-indexed."""
    errors: dict[str, list[str]] = {}
    full_name = full_name.strip()
    if not full_name:
        errors["full_name"] = ["A full name is required."]
    elif len(full_name) > FULL_NAME_MAX_LENGTH:
        errors["full_name"] = [f"A full name has at most {FULL_NAME_MAX_LENGTH} characters."]
    phone_e164 = ""
    try:
        phone_e164 = normalise_phone(phone.strip())
    except InvalidPhoneNumber as error:
        errors["phone"] = [str(error)]
    normalised_email = crypto.normalise_email(email)
    try:
        if len(normalised_email) > EMAIL_MAX_LENGTH:
            raise ValidationError(f"An email address has at most {EMAIL_MAX_LENGTH} characters.")
        validate_email(normalised_email)
    except ValidationError as error:
        errors["email"] = error.messages
    if birth_date is not None and birth_date > timezone.localdate():
        errors["birth_date"] = ["A birth date cannot be in the future."]
    if len(address.strip()) > ADDRESS_MAX_LENGTH:
        errors["address"] = [f"An address has at most {ADDRESS_MAX_LENGTH} characters."]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        resume = _own_resume(seeker, lock=True)
        resume.set_contact_details(
            full_name=full_name,
            phone_e164=phone_e164,
            email=normalised_email,
            birth_date=birth_date.isoformat() if birth_date else "",
            address=address,
        )
        resume.updated_at = timezone.now()
        resume.save()
    return resume


# Privacy


def update_privacy(*, seeker: User, visibility: str, relay_preference: str) -> Resume:
    """Set who may find the resume and what employers receive; direct grants follow the preference."""
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": ["Choose one of the offered settings."]})
    if relay_preference not in RelayPreference.values:
        raise ValidationError({"relay_preference": ["Choose one of the offered settings."]})
    with transaction.atomic():
        resume = _own_resume(seeker, lock=True)
        resume.visibility = visibility
        resume.relay_preference = relay_preference
        resume.save(update_fields=["visibility", "relay_preference"])
        if relay_preference == RelayPreference.RELAY_ONLY:
            for grant in list(resume.direct_contact_grants.select_related("organization")):
                _revoke_grant(seeker=seeker, grant=grant)
        else:
            # Organisations the seeker already approved or applied to get direct contact now.
            approved = ContactRequest.objects.filter(resume=resume, status=ContactRequestStatus.APPROVED).values_list(
                "organization_id", flat=True
            )
            applied = Application.objects.filter(seeker=seeker).values_list("job__organization_id", flat=True)
            for organization in Organization.objects.filter(pk__in={*approved, *applied}):
                _grant(seeker=seeker, resume=resume, organization=organization)
    return resume


def block_organization(*, seeker: User, organization_id: int) -> BlockedOrganization:
    """The organisation never sees this resume again; a direct-contact grant to it ends."""
    with transaction.atomic():
        resume = _own_resume(seeker, lock=True)
        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            raise NotFound()
        block, _ = BlockedOrganization.objects.get_or_create(resume=resume, organization=organization)
        grant = resume.direct_contact_grants.filter(organization=organization).first()
        if grant is not None:
            _revoke_grant(seeker=seeker, grant=grant)
    return block


def unblock_organization(*, seeker: User, organization_id: int) -> None:
    with transaction.atomic():
        resume = _own_resume(seeker)
        resume.blocks.filter(organization_id=organization_id).delete()


def _grant(*, seeker: User, resume: Resume, organization: Organization) -> DirectContactGrant:
    grant, created = DirectContactGrant.objects.get_or_create(resume=resume, organization=organization)
    if created:
        record_event(
            action="direct_contact.granted",
            actor=seeker,
            organization=organization,
            target_type="resume",
            target_id=resume.pk,
        )
    return grant


def _revoke_grant(*, seeker: User, grant: DirectContactGrant) -> None:
    record_event(
        action="direct_contact.revoked",
        actor=seeker,
        organization=grant.organization,
        target_type="resume",
        target_id=grant.resume_id,
    )
    grant.delete()


def grant_direct_contact(*, seeker: User, organization_id: int) -> DirectContactGrant:
    """Give one organisation the real contact instead of a relay (audited)."""
    with transaction.atomic():
        resume = _own_resume(seeker, lock=True)
        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None or resume.blocks.filter(organization=organization).exists():
            raise NotFound()
        return _grant(seeker=seeker, resume=resume, organization=organization)


def revoke_direct_contact(*, seeker: User, organization_id: int) -> None:
    with transaction.atomic():
        resume = _own_resume(seeker, lock=True)
        grant = resume.direct_contact_grants.select_related("organization").filter(organization_id=organization_id)
        grant = grant.first()
        if grant is not None:
            _revoke_grant(seeker=seeker, grant=grant)


# Applications


def apply_with_resume(*, seeker: User, job: JobPosting) -> Application:
    """Apply to an open job with the resume; under direct_when_approved the organisation gets direct contact."""
    with transaction.atomic():
        resume = _own_resume(seeker, lock=True)
        application = apply_to_job(seeker=seeker, job=job, resume_id=resume.pk)
        if resume.relay_preference == RelayPreference.DIRECT_WHEN_APPROVED:
            _grant(seeker=seeker, resume=resume, organization=job.organization)
    return application


# Contact requests


def _decide_contact_request(*, seeker: User, request_id: int, status: str) -> ContactRequest:
    with transaction.atomic():
        resume = _own_resume(seeker, lock=True)
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
        contact_request.status = status
        contact_request.decided_at = timezone.now()
        contact_request.save(update_fields=["status", "decided_at"])
        record_event(
            action=f"contact_request.{status}",
            actor=seeker,
            organization=contact_request.organization,
            target_type="contact_request",
            target_id=contact_request.pk,
            outcome=status,
            details={"resume_id": str(resume.pk), "job_id": contact_request.job_id},
        )
        if status == ContactRequestStatus.APPROVED and resume.relay_preference == RelayPreference.DIRECT_WHEN_APPROVED:
            _grant(seeker=seeker, resume=resume, organization=contact_request.organization)
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
                action="contact_request.expired",
                organization=Organization(pk=contact_request.organization_id),
                target_type="contact_request",
                target_id=contact_request.pk,
                outcome=ContactRequestStatus.EXPIRED,
                details={"resume_id": str(contact_request.resume_id), "job_id": contact_request.job_id},
            )
    return len(due)


# Relay contacts and notifications


def revoke_relay_contact(*, seeker: User, relay_contact_id: int) -> RelayContact:
    """The alias and the extension stop forwarding at once; revoking twice changes nothing."""
    with transaction.atomic():
        resume = _own_resume(seeker)
        relay = (
            RelayContact.objects.select_for_update()
            .select_related("organization")
            .filter(pk=relay_contact_id, resume=resume)
            .first()
        )
        if relay is None:
            raise NotFound()
        if relay.revoked_at is None:
            relay.revoked_at = timezone.now()
            relay.revoked_by = seeker
            relay.save(update_fields=["revoked_at", "revoked_by"])
            record_event(
                action="relay_contact.revoked",
                actor=seeker,
                organization=relay.organization,
                target_type="relay_contact",
                target_id=relay.pk,
                details={"resume_id": str(resume.pk)},
            )
    return relay


def mark_notifications_read(*, seeker: User, notification_ids: list[int] | None = None) -> int:
    """Mark the given (or all) unread notifications of the seeker read; returns how many."""
    unread = Notification.objects.filter(user=seeker, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    with transaction.atomic():
        return unread.update(read_at=timezone.now())


# The photo (contact-grade: stored encrypted, shown to the seeker alone)


def sniff_photo_type(content: bytes) -> str | None:
    """The content type, "image/png" or "image/jpeg", judged by the leading bytes; None for anything else."""
    for signature, content_type in PHOTO_SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def set_photo(*, seeker: User, content: bytes) -> Resume:
    """Store a PNG or JPEG photo of at most PHOTO_MAX_BYTES, encrypted; its type comes from its bytes."""
    if not content or len(content) > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": [f"A photo has at most {PHOTO_MAX_BYTES // (1024 * 1024)} MB."]})
    content_type = sniff_photo_type(content)
    if content_type is None:
        raise ValidationError({"photo": ["A photo must be a PNG or JPEG image."]})
    with transaction.atomic():
        resume = _own_resume(seeker, lock=True)
        resume.set_photo(content=content, content_type=content_type)
        resume.updated_at = timezone.now()
        resume.save(update_fields=["photo_ciphertext", "photo_content_type", "updated_at"])
    return resume


def remove_photo(*, seeker: User) -> Resume:
    with transaction.atomic():
        resume = _own_resume(seeker, lock=True)
        resume.photo_ciphertext = resume.photo_content_type = ""
        resume.updated_at = timezone.now()
        resume.save(update_fields=["photo_ciphertext", "photo_content_type", "updated_at"])
    return resume


# Export and deletion


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _exported_photo(resume: Resume) -> dict[str, str] | None:
    photo = resume.decrypt_photo()
    if photo is None:
        return None
    return {"content_type": resume.photo_content_type, "base64": base64.b64encode(photo).decode("ascii")}


def export_seeker_data(*, seeker: User, ip: str | None = None, user_agent: str = "") -> dict[str, Any]:
    """Everything Hirewall holds about the seeker, decrypted for them alone; the export itself is audited."""
    _require_seeker(seeker)
    resume = Resume.objects.filter(seeker=seeker).first()
    data: dict[str, Any] = {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "account": {
            "id": str(seeker.pk),
            "email": seeker.decrypt_email(),
            "full_name": seeker.decrypt_full_name(),
            "role": seeker.role,
            "date_joined": _when(seeker.date_joined),
            "last_login": _when(seeker.last_login),
        },
        "resume": None,
        "experience": [],
        "education": [],
        "privacy": None,
        "blocked_organizations": [],
        "access_log": [],
        "contact_requests": [],
        "relay_contacts": [],
        "applications": [
            {
                "id": application.pk,
                "job_id": application.job_id,
                "job_title": application.job.title,
                "organization": application.job.organization.legal_name,
                "applied_at": _when(application.created_at),
            }
            for application in Application.objects.filter(seeker=seeker).select_related("job__organization")
        ],
        "notifications": [
            {
                "kind": note.kind,
                "message": note.message,
                "created_at": _when(note.created_at),
                "read_at": _when(note.read_at),
            }
            for note in Notification.objects.filter(user=seeker)
        ],
        "logins": [
            {
                "when": _when(event.created_at),
                "success": event.success,
                "channel": event.channel,
                "ip": event.ip,
                "device_id": event.device_id,
                "user_agent": event.user_agent,
            }
            for event in LoginEvent.objects.filter(user=seeker)
        ],
    }
    if resume is not None:
        contact = resume.decrypt_contact_details()
        data["resume"] = {
            "id": str(resume.pk),
            "headline": resume.headline,
            "summary": resume.summary,
            "skills": list(resume.skills),
            "city": resume.city,
            "category": resume.category,
            "years_experience": resume.years_experience,
            "created_at": _when(resume.created_at),
            "updated_at": _when(resume.updated_at),
            "contact": {
                "full_name": contact.full_name,
                "phone": contact.phone,
                "email": contact.email,
                "birth_date": contact.birth_date,
                "address": contact.address,
            },
            "photo": _exported_photo(resume),
        }
        data["experience"] = [
            {
                "title": entry.title,
                "industry": entry.industry,
                "employer_name": entry.employer_name,
                "start": _when(entry.start),
                "end": _when(entry.end),
            }
            for entry in resume.experience_entries.all()
        ]
        data["education"] = [
            {"degree": entry.degree, "field": entry.field, "start_year": entry.start_year, "end_year": entry.end_year}
            for entry in resume.education_entries.all()
        ]
        data["privacy"] = {
            "visibility": resume.visibility,
            "relay_preference": resume.relay_preference,
            "direct_contact_organizations": [
                {"organization_id": grant.organization_id, "organization": grant.organization.legal_name}
                for grant in resume.direct_contact_grants.select_related("organization")
            ],
        }
        data["blocked_organizations"] = [
            {"organization_id": block.organization_id, "organization": block.organization.legal_name}
            for block in resume.blocks.select_related("organization")
        ]
        data["access_log"] = [
            {
                "id": reveal.pk,
                "organization_id": reveal.organization_id,
                "organization": reveal.organization.legal_name,
                "recruiter_id": str(reveal.recruiter_id) if reveal.recruiter_id else None,
                "job_id": reveal.job_id,
                "job_title": reveal.job.title if reveal.job else None,
                "kind": reveal.kind,
                "revealed_at": _when(reveal.created_at),
            }
            for reveal in Reveal.objects.filter(resume=resume).select_related("organization", "job")
        ]
        data["contact_requests"] = [
            {
                "id": request.pk,
                "organization_id": request.organization_id,
                "organization": request.organization.legal_name,
                "job_id": request.job_id,
                "job_title": request.job.title,
                "status": request.status,
                "created_at": _when(request.created_at),
                "expires_at": _when(request.expires_at),
                "decided_at": _when(request.decided_at),
            }
            for request in ContactRequest.objects.filter(resume=resume).select_related("organization", "job")
        ]
        data["relay_contacts"] = [
            {
                "id": relay.pk,
                "organization_id": relay.organization_id,
                "organization": relay.organization.legal_name,
                "email_alias": relay.email_alias,
                "phone_number": relay.phone_number,
                "phone_extension": relay.phone_extension,
                "created_at": _when(relay.created_at),
                "revoked_at": _when(relay.revoked_at),
            }
            for relay in RelayContact.objects.filter(resume=resume).select_related("organization")
        ]
    with transaction.atomic():
        record_event(
            action="seeker.export",
            actor=seeker,
            target_type="user",
            target_id=seeker.pk,
            ip=ip,
            user_agent=user_agent,
            details={"resume_id": str(resume.pk) if resume else None},
        )
    return data


def delete_seeker_account(*, seeker: User, ip: str | None = None, user_agent: str = "") -> None:
    """Erase the seeker's contact data at once and cut the link from their id to the person.

    The resume goes with everything hanging from it; the user row stays as an
    opaque, unusable id so that audit events, login events and applications
    (which hold no personal data) keep their references.
    """
    _require_seeker(seeker)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=seeker.pk)
        resume = Resume.objects.filter(seeker=user).first()
        record_event(
            action="seeker.delete",
            actor=user,
            target_type="user",
            target_id=user.pk,
            ip=ip,
            user_agent=user_agent,
            details={"resume_id": str(resume.pk) if resume else None},
        )
        if resume is not None:
            # Aliases stay, revoked and unlinked: one found in a leaked list still names its organisation.
            RelayContact.objects.filter(resume=resume, revoked_at=None).update(
                revoked_at=timezone.now(), revoked_by=user
            )
            resume.erase_contact_details()
            resume.save()
            resume.delete()
        Notification.objects.filter(user=user).delete()
        # Login events stay for the detectors, without the index that would find them by the address.
        LoginEvent.objects.filter(user=user).update(attempted_email_index="")
        user.email_ciphertext = ""
        user.full_name_ciphertext = ""
        user.email_blind_index = f"{DELETED_EMAIL_INDEX_PREFIX}{uuid.uuid4().hex}"
        user.set_unusable_password()
        user.is_active = False
        user.save()
        # A restored backup must not bring the seeker back: `manage.py replay_erasures` reads this ledger.
        note_erasure(user_id=user.pk)
    seeker.refresh_from_db()
