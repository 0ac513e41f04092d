"""The seeker's data rights: an export of everything held about them, and erasure of their account."""

import base64
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.erasure_ledger import note_erasure
from accounts.models import LoginEvent, User
from audit.actions import AuditAction
from audit.services import record_event
from employers.models import Application

from ..models import ContactRequest, Notification, RelayContact, Resume, Reveal
from .ownership import require_seeker

DELETED_EMAIL_INDEX_PREFIX = "deleted:"
EXPORT_FORMAT_VERSION = 1


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _exported_photo(resume: Resume) -> dict[str, str] | None:
    photo = resume.decrypt_photo()
    if photo is None:
        return None
    return {"content_type": resume.photo_content_type, "base64": base64.b64encode(photo).decode("ascii")}


def export_seeker_data(*, seeker: User, ip: str | None = None, user_agent: str = "") -> dict[str, Any]:
    """Everything Hirewall holds about the seeker, decrypted for them alone; the export itself is audited."""
    require_seeker(seeker)
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
            action=AuditAction.SEEKER_EXPORT,
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
    require_seeker(seeker)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=seeker.pk)
        resume = Resume.objects.filter(seeker=user).first()
        record_event(
            action=AuditAction.SEEKER_DELETE,
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
