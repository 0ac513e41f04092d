"""Restoring relay contacts: only those the platform revoked, never one a seeker or an operator revoked."""

import pytest
import time_machine
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from employers.errors import ReasonRequired
from resumes import notifications
from resumes.models import Notification, RelayContact
from resumes.services import delete_seeker_account, revoke_relay_contact
from resumes.services.relay import revoke_relay_contacts_of_organization
from resumes.services.relay_restore import restore_relay_contacts
from tests.employers.factories import VerifiedOrganizationFactory
from tests.factories import UserFactory
from tests.resumes.factories import RelayContactFactory

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-11-20 12:00:00+00:00", tick=False)
def test_only_the_platforms_revocations_are_undone():
    operator = UserFactory(role="operator", is_staff=True)
    organization = VerifiedOrganizationFactory(legal_name="Restored Co")
    by_platform, by_seeker, by_operator, deleted = (RelayContactFactory(organization=organization) for _ in range(4))
    revoke_relay_contact(seeker=by_seeker.resume.seeker, relay_contact_id=by_seeker.pk)
    delete_seeker_account(seeker=deleted.resume.seeker)
    revoke_relay_contacts_of_organization(organization=organization, by=None, reason="Detection flag #1")
    RelayContact.objects.filter(pk=by_operator.pk).update(revoked_by=operator)
    everything = [by_platform.pk, by_seeker.pk, by_operator.pk, deleted.pk]

    restored = restore_relay_contacts(relay_contact_ids=everything, by=operator, reason="Flag #1 dismissed.")

    assert restored == [by_platform.pk]
    assert list(RelayContact.objects.filter(revoked_at=None).values_list("pk", flat=True)) == [by_platform.pk]
    event = AuditEvent.objects.get(action="relay.restored")
    assert (event.actor_id, event.organization_id, event.target_id, event.outcome) == (
        operator.pk,
        organization.pk,
        str(by_platform.pk),
        "restored",
    )
    assert event.details == {
        "count": 1,
        "relay_contact_ids": [by_platform.pk],
        "kept_revoked": 3,
        "reason": "Flag #1 dismissed.",
    }
    notice = Notification.objects.get(kind=notifications.RELAY_RESTORED)
    assert notice.user == by_platform.resume.seeker
    assert notice.message.startswith("Hirewall restored the relay contact that Restored Co holds for you")


def test_a_restoration_needs_a_reason_free_of_contact_details():
    relay = RelayContactFactory(revoked_at="2026-11-20T12:00:00+00:00")
    operator = UserFactory(role="operator", is_staff=True)

    with pytest.raises(ReasonRequired):
        restore_relay_contacts(relay_contact_ids=[relay.pk], by=operator, reason=" ")
    with pytest.raises(ValidationError, match="contact details"):
        restore_relay_contacts(relay_contact_ids=[relay.pk], by=operator, reason="asked by x@example.test")

    relay.refresh_from_db()
    assert relay.revoked_at is not None
    assert not AuditEvent.objects.filter(action="relay.restored").exists()
