"""Writes on resumes, one module per concern; `reveal_contact` is the one door for contact data.

- reveal: `reveal_contact`, the only code that hands contact details to anyone but their seeker
- contact_requests: created by a reveal, approved or declined by the seeker, expired by the beat
- refunds: credit-back of a charged reveal when the seeker answers
- relay: relay contacts issued, forwarded, revoked by the seeker or by an operator
- profile: the seeker's resume, contact details and photo
- privacy: visibility, blocked organisations, direct-contact grants
- applications: applying to a job with the resume
- notices: marking notifications read
- data_rights: the seeker's export and the erasure of their account

Every seeker service acts only on the calling seeker's own data and owns its
transaction; the ones DESIGN.md lists among chained events write their audit event.
"""

from ..errors import ContactRequestClosed, NotFound, NotSeeker, OrganizationBlockedBySeeker, ResumeMissing
from .applications import apply_with_resume
from .contact_requests import (
    approve_contact_request,
    create_contact_request,
    decline_contact_request,
    expire_contact_requests,
)
from .data_rights import DELETED_EMAIL_INDEX_PREFIX, EXPORT_FORMAT_VERSION, delete_seeker_account, export_seeker_data
from .notices import mark_notifications_read
from .privacy import (
    block_organization,
    grant_direct_contact,
    revoke_direct_contact,
    unblock_organization,
    update_privacy,
)
from .profile import (
    ADDRESS_MAX_LENGTH,
    EARLIEST_YEAR,
    EDUCATION_YEARS_AHEAD,
    EMAIL_MAX_LENGTH,
    ENTRIES_MAX,
    FULL_NAME_MAX_LENGTH,
    PHOTO_MAX_BYTES,
    PHOTO_SIGNATURES,
    SKILL_MAX_LENGTH,
    SKILLS_MAX,
    EducationInput,
    ExperienceInput,
    clean_skills,
    remove_photo,
    save_contact_page,
    save_resume,
    set_photo,
    sniff_photo_type,
    update_contact_details,
)
from .refunds import credit_back
from .relay import (
    forward_inbound_email,
    relay_contact_for,
    resolve_voice_call,
    revoke_relay_contact,
    revoke_relay_contacts_of_organization,
)
from .reveal import RevealResult, reveal_contact

__all__ = [
    "ADDRESS_MAX_LENGTH",
    "DELETED_EMAIL_INDEX_PREFIX",
    "EARLIEST_YEAR",
    "EDUCATION_YEARS_AHEAD",
    "EMAIL_MAX_LENGTH",
    "ENTRIES_MAX",
    "EXPORT_FORMAT_VERSION",
    "FULL_NAME_MAX_LENGTH",
    "PHOTO_MAX_BYTES",
    "PHOTO_SIGNATURES",
    "SKILLS_MAX",
    "SKILL_MAX_LENGTH",
    "ContactRequestClosed",
    "EducationInput",
    "ExperienceInput",
    "NotFound",
    "NotSeeker",
    "OrganizationBlockedBySeeker",
    "ResumeMissing",
    "RevealResult",
    "apply_with_resume",
    "approve_contact_request",
    "block_organization",
    "clean_skills",
    "create_contact_request",
    "credit_back",
    "decline_contact_request",
    "delete_seeker_account",
    "expire_contact_requests",
    "export_seeker_data",
    "forward_inbound_email",
    "grant_direct_contact",
    "mark_notifications_read",
    "relay_contact_for",
    "remove_photo",
    "resolve_voice_call",
    "reveal_contact",
    "revoke_direct_contact",
    "revoke_relay_contact",
    "revoke_relay_contacts_of_organization",
    "save_contact_page",
    "save_resume",
    "set_photo",
    "sniff_photo_type",
    "unblock_organization",
    "update_contact_details",
    "update_privacy",
]
