"""The operators' list of invitations: read-only, and the invited address shows nowhere, not even as its index."""

import pytest

from employers import services
from tests.employers.factories import AdminSeatFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/employers/invitation/"


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(role="operator", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def invitation():
    admin_seat = AdminSeatFactory()
    return services.invite_recruiter(seat=admin_seat, email="planted.invitee@example.test", role="recruiter")


def test_invitations_are_listed_and_shown_without_the_address(operator_client, invitation):
    for url in (CHANGELIST, f"{CHANGELIST}?status__exact=pending", f"{CHANGELIST}{invitation.pk}/change/"):
        response = operator_client.get(url)

        assert response.status_code == 200, url
        text = response.content.decode()
        assert str(invitation.pk)[:8] in text
        for secret in ("planted.invitee", invitation.email_blind_index, invitation.email_ciphertext):
            assert secret not in text, url


def test_operators_cannot_add_change_or_delete_invitations(operator_client, invitation):
    assert operator_client.get(f"{CHANGELIST}add/").status_code == 403
    assert operator_client.post(f"{CHANGELIST}{invitation.pk}/change/", {"role": "admin"}).status_code == 403
    assert operator_client.post(f"{CHANGELIST}{invitation.pk}/delete/", {"post": "yes"}).status_code == 403
    invitation.refresh_from_db()
    assert (invitation.role, invitation.status) == ("recruiter", "pending")
