"""A seeker revoking a relay contact (resumes/services/relay.py)."""

import pytest

from audit.models import AuditEvent
from resumes import services
from tests.resumes.factories import RelayContactFactory, ResumeFactory

pytestmark = pytest.mark.django_db


# Relay contacts


def test_revoke_relay_contact_is_audited_once():
    relay = RelayContactFactory()
    seeker = relay.resume.seeker

    services.revoke_relay_contact(seeker=seeker, relay_contact_id=relay.pk)
    services.revoke_relay_contact(seeker=seeker, relay_contact_id=relay.pk)

    relay.refresh_from_db()
    assert not relay.is_active
    assert relay.revoked_by == seeker
    event = AuditEvent.objects.get(action="relay_contact.revoked")
    assert (event.actor_id, event.target_id, event.organization_id) == (seeker.pk, str(relay.pk), relay.organization_id)


def test_another_seekers_relay_cannot_be_revoked():
    relay = RelayContactFactory()

    with pytest.raises(services.NotFound):
        services.revoke_relay_contact(seeker=ResumeFactory().seeker, relay_contact_id=relay.pk)
    relay.refresh_from_db()
    assert relay.is_active
