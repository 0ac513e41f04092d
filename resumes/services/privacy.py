"""The seeker's privacy: who may find the resume, blocked organisations, and direct-contact grants."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from audit.actions import AuditAction
from audit.services import record_event
from employers.models import Application, Organization

from ..errors import NotFound
from ..models import (
    BlockedOrganization,
    ContactRequest,
    ContactRequestStatus,
    DirectContactGrant,
    RelayPreference,
    Resume,
    Visibility,
)
from .ownership import own_resume


def update_privacy(*, seeker: User, visibility: str, relay_preference: str) -> Resume:
    """Set who may find the resume and what employers receive; direct grants follow the preference."""
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": ["Choose one of the offered settings."]})
    if relay_preference not in RelayPreference.values:
        raise ValidationError({"relay_preference": ["Choose one of the offered settings."]})
    with transaction.atomic():
        resume = own_resume(seeker, lock=True)
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
                record_direct_grant(seeker=seeker, resume=resume, organization=organization)
    return resume


def block_organization(*, seeker: User, organization_id: int) -> BlockedOrganization:
    """The organisation never sees this resume again; a direct-contact grant to it ends.

    Its relay contact stays (an unblock restores it), but while the block lasts the relay forwards none of its
    mail or calls to the seeker (resumes.services.relay).
    """
    with transaction.atomic():
        resume = own_resume(seeker, lock=True)
        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            raise NotFound()
        block, _ = BlockedOrganization.objects.get_or_create(resume=resume, organization=organization)
        grant = resume.direct_contact_grants.filter(organization=organization).first()
        if grant is not None:
            _revoke_grant(seeker=seeker, grant=grant)
    return block


def unblock_organization(*, seeker: User, organization_id: int) -> bool:
    """Lift a block; False when there was none (nothing changed)."""
    with transaction.atomic():
        resume = own_resume(seeker)
        deleted, _ = resume.blocks.filter(organization_id=organization_id).delete()
    return bool(deleted)


def record_direct_grant(*, seeker: User, resume: Resume, organization: Organization) -> DirectContactGrant:
    """The organisation gets the real contact instead of a relay (audited when new); inside the caller's transaction."""
    grant, created = DirectContactGrant.objects.get_or_create(resume=resume, organization=organization)
    if created:
        record_event(
            action=AuditAction.DIRECT_CONTACT_GRANTED,
            actor=seeker,
            organization=organization,
            target_type="resume",
            target_id=resume.pk,
        )
    return grant


def _revoke_grant(*, seeker: User, grant: DirectContactGrant) -> None:
    record_event(
        action=AuditAction.DIRECT_CONTACT_REVOKED,
        actor=seeker,
        organization=grant.organization,
        target_type="resume",
        target_id=grant.resume_id,
    )
    grant.delete()


def grant_direct_contact(*, seeker: User, organization_id: int) -> DirectContactGrant:
    """Give one organisation the real contact instead of a relay (audited)."""
    with transaction.atomic():
        resume = own_resume(seeker, lock=True)
        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None or resume.blocks.filter(organization=organization).exists():
            raise NotFound()
        return record_direct_grant(seeker=seeker, resume=resume, organization=organization)


def revoke_direct_contact(*, seeker: User, organization_id: int) -> bool:
    """End a direct-contact grant; False when there was none (nothing changed)."""
    with transaction.atomic():
        resume = own_resume(seeker, lock=True)
        grant = resume.direct_contact_grants.select_related("organization").filter(organization_id=organization_id)
        grant = grant.first()
        if grant is not None:
            _revoke_grant(seeker=seeker, grant=grant)
    return grant is not None
