"""An organisation's own email domains and phone numbers: normalised, validated, audited."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from employers.own_contacts import set_organization_own_contacts
from tests.employers.factories import VerifiedOrganizationFactory

pytestmark = pytest.mark.django_db


def test_domains_and_numbers_are_stored_normalised_and_audited(operator):
    organization = VerifiedOrganizationFactory()

    set_organization_own_contacts(
        organization=organization,
        by=operator,
        email_domains=[" @Careers.Example.CN. ", "bücher.example"],
        phone_numbers=["021-5555-0100", "+86 21 5555 0100", "+44 20 7946 0000"],
    )

    organization.refresh_from_db()
    assert organization.email_domains == ["careers.example.cn", "xn--bcher-kva.example"]
    assert organization.phone_numbers == ["+442079460000", "+862155550100"]
    event = AuditEvent.objects.get(action="organization.own_contacts_changed")
    assert (event.actor_id, event.organization_id) == (operator.pk, organization.pk)
    assert event.details == {"email_domains": ["careers.example.cn", "xn--bcher-kva.example"], "phone_numbers": 2}


def test_bad_entries_change_nothing(operator):
    organization = VerifiedOrganizationFactory()

    with pytest.raises(ValidationError) as refused:
        set_organization_own_contacts(
            organization=organization, by=operator, email_domains=["not a domain"], phone_numbers=["12"]
        )

    assert set(refused.value.message_dict) == {"email_domains", "phone_numbers"}
    organization.refresh_from_db()
    assert (organization.email_domains, organization.phone_numbers) == ([], [])
    assert not AuditEvent.objects.filter(action="organization.own_contacts_changed").exists()
