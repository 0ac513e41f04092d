"""Visibility, blocked organisations and direct-contact grants (resumes/services/privacy.py)."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from employers.models import Application
from resumes import services
from resumes.models import BlockedOrganization, ContactRequestStatus, DirectContactGrant, RelayPreference, Visibility
from tests.employers.factories import JobPostingFactory, VerifiedOrganizationFactory
from tests.resumes.factories import ContactRequestFactory, ResumeFactory

pytestmark = pytest.mark.django_db


# Privacy, blocks, direct contact


def test_update_privacy_sets_visibility_and_relay_preference():
    resume = ResumeFactory(visibility=Visibility.PUBLIC)

    services.update_privacy(
        seeker=resume.seeker, visibility=Visibility.HIDDEN, relay_preference=RelayPreference.DIRECT_WHEN_APPROVED
    )

    resume.refresh_from_db()
    assert (resume.visibility, resume.relay_preference) == (Visibility.HIDDEN, RelayPreference.DIRECT_WHEN_APPROVED)
    with pytest.raises(ValidationError):
        services.update_privacy(seeker=resume.seeker, visibility="everyone", relay_preference="relay_only")


def test_direct_preference_grants_approved_and_applied_organisations_and_relay_only_revokes_them():
    resume = ResumeFactory()
    approved = ContactRequestFactory(resume=resume, status=ContactRequestStatus.APPROVED)
    application = Application.objects.create(job=JobPostingFactory(), seeker=resume.seeker, resume_id=resume.pk)
    ContactRequestFactory(resume=resume, status=ContactRequestStatus.DECLINED)

    services.update_privacy(
        seeker=resume.seeker, visibility=resume.visibility, relay_preference=RelayPreference.DIRECT_WHEN_APPROVED
    )

    granted = set(DirectContactGrant.objects.filter(resume=resume).values_list("organization_id", flat=True))
    assert granted == {approved.organization_id, application.job.organization_id}
    assert AuditEvent.objects.filter(action="direct_contact.granted").count() == 2

    services.update_privacy(
        seeker=resume.seeker, visibility=resume.visibility, relay_preference=RelayPreference.RELAY_ONLY
    )

    assert not DirectContactGrant.objects.filter(resume=resume).exists()
    assert AuditEvent.objects.filter(action="direct_contact.revoked").count() == 2


def test_block_and_unblock_an_organisation():
    resume = ResumeFactory()
    organization = VerifiedOrganizationFactory()
    DirectContactGrant.objects.create(resume=resume, organization=organization)

    services.block_organization(seeker=resume.seeker, organization_id=organization.pk)
    services.block_organization(seeker=resume.seeker, organization_id=organization.pk)

    assert BlockedOrganization.objects.filter(resume=resume, organization=organization).count() == 1
    assert not DirectContactGrant.objects.filter(resume=resume).exists()

    services.unblock_organization(seeker=resume.seeker, organization_id=organization.pk)

    assert not BlockedOrganization.objects.filter(resume=resume).exists()
    with pytest.raises(services.NotFound):
        services.block_organization(seeker=resume.seeker, organization_id=organization.pk + 1000)
