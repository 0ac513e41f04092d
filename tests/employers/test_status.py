"""Status changes: each service moves only from allowed states, records who/when/why, and audits."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from employers import errors, selectors, services
from employers.models import Organization, OrganizationStatus
from tests.employers.factories import (
    BusinessLicenceFactory,
    JobPostingFactory,
    OrganizationFactory,
    VerifiedOrganizationFactory,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def operator():
    return UserFactory(role="operator", is_staff=True, is_superuser=True)


def the_event(organization: Organization) -> AuditEvent:
    return AuditEvent.objects.get(organization_id=organization.pk)


@time_machine.travel(NOW, tick=False)
def test_verify_records_who_when_and_sets_reverify_due(operator):
    organization = BusinessLicenceFactory().organization

    services.verify_organization(organization=organization, by=operator, reason="Licence matches the registry.")

    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.VERIFIED
    assert (organization.verified_at, organization.verified_by) == (NOW, operator)
    assert organization.reverify_due == NOW + timedelta(days=183)
    assert (organization.status_changed_at, organization.status_changed_by) == (NOW, operator)
    assert organization.status_reason == "Licence matches the registry."
    assert organization.is_effectively_verified
    event = the_event(organization)
    assert (event.action, event.actor_id, event.actor_role, event.target_type, event.target_id, event.created_at) == (
        "organization.verified",
        operator.pk,
        "operator",
        "organization",
        str(organization.pk),
        NOW,
    )
    assert event.details == {"from": "pending", "to": "verified", "reason": "Licence matches the registry."}


@time_machine.travel(NOW, tick=False)
def test_reject_needs_a_reason_and_records_it(operator):
    organization = OrganizationFactory()

    with pytest.raises(errors.ReasonRequired):
        services.reject_organization(organization=organization, by=operator, reason="   ")
    assert not AuditEvent.objects.exists()

    services.reject_organization(organization=organization, by=operator, reason="Licence is forged.")

    organization.refresh_from_db()
    assert (organization.status, organization.status_reason, organization.status_changed_by) == (
        "rejected",
        "Licence is forged.",
        operator,
    )
    event = the_event(organization)
    assert (event.action, event.actor_id) == ("organization.rejected", operator.pk)
    assert event.details == {"from": "pending", "to": "rejected", "reason": "Licence is forged."}


@time_machine.travel(NOW, tick=False)
def test_suspend_and_reinstate_a_verified_organization(operator):
    organization = VerifiedOrganizationFactory(verified_at=NOW - timedelta(days=10))

    services.suspend_organization(organization=organization, by=None, reason="Velocity flag 12.")
    organization.refresh_from_db()
    assert organization.status == "suspended"
    assert not organization.is_effectively_verified
    suspended = AuditEvent.objects.get(action="organization.suspended")
    assert (suspended.actor_id, suspended.actor_role, suspended.organization_id) == (None, "", organization.pk)
    assert suspended.details == {"from": "verified", "to": "suspended", "reason": "Velocity flag 12."}

    services.reinstate_organization(organization=organization, by=operator, reason="Flag dismissed.")
    organization.refresh_from_db()
    assert organization.status == "verified"
    assert organization.is_effectively_verified
    reinstated = AuditEvent.objects.get(action="organization.reinstated")
    assert reinstated.actor_id == operator.pk
    assert reinstated.details == {"from": "suspended", "to": "verified", "reason": "Flag dismissed."}


def test_reinstating_a_never_verified_organization_returns_it_to_pending(operator):
    organization = OrganizationFactory()
    services.suspend_organization(organization=organization, by=operator, reason="Shares a licence with #3.")

    services.reinstate_organization(organization=organization, by=operator, reason="Different licence after all.")

    organization.refresh_from_db()
    assert organization.status == "pending"
    assert AuditEvent.objects.get(action="organization.reinstated").details["to"] == "pending"


@pytest.mark.parametrize(
    ("status", "operation", "reason"),
    [
        ("suspended", services.verify_organization, ""),
        ("rejected", services.reject_organization, "again"),
        ("rejected", services.suspend_organization, "why"),
        ("suspended", services.suspend_organization, "why"),
        ("pending", services.reinstate_organization, "why"),
        ("verified", services.reinstate_organization, "why"),
    ],
)
def test_transitions_that_are_not_allowed_change_nothing(operator, status, operation, reason):
    organization = BusinessLicenceFactory(organization=OrganizationFactory(status=status)).organization

    with pytest.raises(errors.InvalidTransition):
        operation(organization=organization, by=operator, reason=reason)

    organization.refresh_from_db()
    assert organization.status == status
    assert not AuditEvent.objects.exists()


def test_no_organisation_is_verified_without_a_licence_on_file(operator):
    """Verification is the check of the uploaded licence: with none, it is refused and nothing changes."""
    organization = OrganizationFactory()

    with pytest.raises(errors.LicenceMissing):
        services.verify_organization(organization=organization, by=operator, reason="Looks fine.")

    organization.refresh_from_db()
    assert (organization.status, organization.verified_at) == ("pending", None)
    assert not AuditEvent.objects.exists()
    BusinessLicenceFactory(organization=organization)
    services.verify_organization(organization=organization, by=operator)
    assert Organization.objects.get(pk=organization.pk).status == "verified"


def test_a_reason_may_not_carry_contact_details(operator):
    organization = OrganizationFactory()

    with pytest.raises(ValidationError):
        services.reject_organization(organization=organization, by=operator, reason="call li.na@example.test")
    assert Organization.objects.get(pk=organization.pk).status == "pending"


def test_reverification_expires_after_six_months(operator):
    organization = BusinessLicenceFactory().organization
    job = JobPostingFactory(organization=organization)
    with time_machine.travel(NOW, tick=False):
        services.verify_organization(organization=organization, by=operator)

    with time_machine.travel(NOW + timedelta(days=182), tick=False):
        organization.refresh_from_db()
        assert organization.is_effectively_verified
        assert list(selectors.list_open_jobs_for_seekers()) == [job]
        assert list(selectors.list_reverification_due()) == []
        assert list(selectors.list_reverification_due(within_days=30)) == [organization]

    with time_machine.travel(NOW + timedelta(days=183, seconds=1), tick=False):
        organization.refresh_from_db()
        assert organization.status == "verified"  # the status stays; it simply no longer counts
        assert not organization.is_effectively_verified
        assert organization.is_reverification_overdue
        assert list(selectors.list_open_jobs_for_seekers()) == []
        assert list(Organization.objects.effectively_verified()) == []
        assert list(selectors.list_reverification_due()) == [organization]

        # Re-verifying starts a new period.
        services.verify_organization(organization=organization, by=operator, reason="Re-verified.")
        organization.refresh_from_db()
        assert organization.is_effectively_verified
        assert organization.reverify_due == NOW + timedelta(days=183 + 183, seconds=1)
    assert AuditEvent.objects.filter(action="organization.verified").count() == 2


def test_a_status_change_uses_a_fresh_row_not_a_stale_copy(operator):
    organization = OrganizationFactory()
    stale = Organization.objects.get(pk=organization.pk)
    services.reject_organization(organization=organization, by=operator, reason="Forged.")

    with pytest.raises(errors.InvalidTransition):
        services.reinstate_organization(organization=stale, by=operator, reason="stale copy says pending")
