"""GET invitations, POST invitations/{id}/accept|decline: only the invited person answers, before it expires."""

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from audit.models import AuditEvent
from employers.models import Invitation, InvitationStatus, Seat
from tests.employers.conftest import client_for
from tests.employers.factories import (
    AdminSeatFactory,
    InvitationFactory,
    RecruiterFactory,
    SeatFactory,
    SeekerFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LIST_URL = "/api/v1/invitations"


def accept_url(invitation) -> str:
    return f"/api/v1/invitations/{invitation.pk}/accept"


def decline_url(invitation) -> str:
    return f"/api/v1/invitations/{invitation.pk}/decline"


@pytest.fixture
def invitee():
    return RecruiterFactory(email="invitee@example.test")


@pytest.fixture
def invitation(invitee):
    admin_seat = AdminSeatFactory()
    return InvitationFactory(
        organization=admin_seat.organization, email="Invitee@Example.test", role="admin", invited_by=admin_seat.user
    )


def snapshot():
    return (
        set(Invitation.objects.values_list("pk", "status", "responded_at")),
        set(Seat.objects.values_list("pk", "organization", "user", "role")),
        AuditEvent.objects.count(),
    )


class TestList:
    @time_machine.travel(NOW, tick=False)
    def test_the_invited_recruiter_sees_their_open_invitations(self, invitee, invitation):
        InvitationFactory()  # someone else's
        InvitationFactory(email="invitee@example.test", status=InvitationStatus.DECLINED)
        InvitationFactory(email="invitee@example.test", status=InvitationStatus.WITHDRAWN)
        with time_machine.travel(NOW - timedelta(days=8), tick=False):
            InvitationFactory(email="invitee@example.test")  # expired

        response = client_for(invitee).get(LIST_URL)

        assert response.status_code == 200
        organization = invitation.organization
        assert response.json() == {
            "next": None,
            "previous": None,
            "results": [
                {
                    "id": str(invitation.pk),
                    "organization": {"id": organization.pk, "legal_name": organization.legal_name},
                    "role": "admin",
                    "expires_at": invitation.expires_at.isoformat().replace("+00:00", "Z"),
                }
            ],
        }

    def test_the_list_is_cursor_paginated_newest_first(self, invitee):
        with time_machine.travel(NOW, tick=False):
            older = InvitationFactory(email="invitee@example.test")
        with time_machine.travel(NOW + timedelta(hours=1), tick=False):
            newer = InvitationFactory(email="invitee@example.test")

        with time_machine.travel(NOW + timedelta(hours=2), tick=False):
            client = client_for(invitee)
            first = client.get(LIST_URL, {"page_size": 1}).json()
            second = client.get(first["next"]).json()

        assert [item["id"] for item in first["results"] + second["results"]] == [str(newer.pk), str(older.pk)]

    def test_a_crafted_cursor_is_an_invalid_cursor_not_a_crash(self, invitee, invitation):
        cursor = base64.b64encode(b"p=not-a-time").decode()

        response = client_for(invitee).get(LIST_URL, {"cursor": cursor})

        assert (response.status_code, response.json()) == (404, {"code": "not_found", "detail": "Invalid cursor"})

    def test_other_roles_are_not_recruiters(self, invitation):
        seeker = SeekerFactory(email="invitee.seeker@example.test")

        response = client_for(seeker).get(LIST_URL)

        assert (response.status_code, response.json()["code"]) == (403, "not_recruiter")

    def test_anonymous_callers_are_refused(self):
        response = client_for(None).get(LIST_URL)

        assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


class TestAccept:
    @time_machine.travel(NOW, tick=False)
    def test_accepting_creates_the_seat_now(self, invitee, invitation):
        client = client_for(invitee)
        assert client.get("/api/v1/organizations/me").json()["code"] == "no_organization"

        response = client.post(accept_url(invitation))

        assert response.status_code == 200
        assert response.json() == {"organization_id": invitation.organization_id, "role": "admin"}
        seat = Seat.objects.get(user=invitee)
        assert (seat.organization_id, seat.role, seat.added_by, seat.is_active) == (
            invitation.organization_id,
            "admin",
            invitation.invited_by,
            True,
        )
        invitation.refresh_from_db()
        assert (invitation.status, invitation.responded_at, invitation.responded_by) == ("accepted", NOW, invitee)
        event = AuditEvent.objects.get(action="invitation.accepted")
        assert (event.actor_id, event.organization_id, event.target_type, event.target_id, event.details) == (
            invitee.pk,
            invitation.organization_id,
            "invitation",
            str(invitation.pk),
            {"seat_id": seat.pk, "role": "admin"},
        )
        assert client.get("/api/v1/organizations/me").json()["id"] == invitation.organization_id
        assert client.get(LIST_URL).json()["results"] == []

    def test_an_account_registered_after_the_invitation_can_accept(self, api_client):
        admin_seat = AdminSeatFactory()
        invite = client_for(admin_seat.user).post(
            "/api/v1/organizations/me/recruiters", {"email": "later@example.test"}, format="json"
        )
        api_client.post(
            "/api/v1/auth/register",
            {"email": "later@example.test", "password": "correct-horse-battery-staple", "full_name": "Later Person"},
            format="json",
        )
        token = api_client.post(
            "/api/v1/auth/login", {"email": "later@example.test", "password": "correct-horse-battery-staple"}
        ).json()["token"]
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

        response = api_client.post(f"/api/v1/invitations/{invite.json()['invitation_id']}/accept")

        assert response.status_code == 200
        assert Seat.objects.get(organization=admin_seat.organization, role="recruiter").user.role == "recruiter"

    @pytest.mark.parametrize(
        "make_invitation",
        [
            pytest.param(lambda: InvitationFactory(email="someone.else@example.test"), id="someone-else"),
            pytest.param(
                lambda: InvitationFactory(email="invitee@example.test", status=InvitationStatus.DECLINED),
                id="declined",
            ),
            pytest.param(
                lambda: InvitationFactory(email="invitee@example.test", status=InvitationStatus.WITHDRAWN),
                id="withdrawn",
            ),
            pytest.param(
                lambda: InvitationFactory(email="invitee@example.test", status=InvitationStatus.ACCEPTED),
                id="accepted",
            ),
            pytest.param(
                lambda: InvitationFactory(email="invitee@example.test", expires_at=datetime.now(UTC)), id="expired"
            ),
        ],
    )
    @pytest.mark.parametrize("answer_url", [accept_url, decline_url], ids=["accept", "decline"])
    def test_only_the_invited_person_answers_an_open_invitation(self, invitee, make_invitation, answer_url):
        invitation = make_invitation()
        before = snapshot()

        response = client_for(invitee).post(answer_url(invitation))

        assert (response.status_code, response.json()) == (404, {"code": "not_found", "detail": "Not found."})
        assert snapshot() == before

    def test_an_invitation_expires_after_the_lifetime(self, invitee):
        with time_machine.travel(NOW, tick=False):
            invitation = InvitationFactory(email="invitee@example.test")
            expires_at = invitation.expires_at
        before = snapshot()

        with time_machine.travel(expires_at, tick=False):
            response = client_for(invitee).post(accept_url(invitation))

        assert (response.status_code, response.json()["code"]) == (404, "not_found")
        assert snapshot() == before

    @pytest.mark.parametrize("active", [True, False])
    def test_a_seated_recruiter_cannot_take_a_second_seat(self, invitee, invitation, active):
        SeatFactory(user=invitee, is_active=active)
        before = snapshot()

        response = client_for(invitee).post(accept_url(invitation))

        assert (response.status_code, response.json()["code"]) == (409, "already_in_organization")
        assert snapshot() == before

    def test_unknown_and_malformed_ids_are_json_404s(self, invitee):
        client = client_for(invitee)

        for path in (f"/api/v1/invitations/{uuid.uuid4()}/accept", "/api/v1/invitations/12/accept"):
            response = client.post(path)
            assert (response.status_code, response.json()["code"]) == (404, "not_found"), path

    def test_seekers_cannot_take_seats(self):
        seeker = SeekerFactory(email="seeker.invited@example.test")
        invitation = InvitationFactory(email="seeker.invited@example.test")

        response = client_for(seeker).post(accept_url(invitation))

        assert (response.status_code, response.json()["code"]) == (403, "not_recruiter")
        assert not Seat.objects.filter(user=seeker).exists()


class TestDecline:
    @time_machine.travel(NOW, tick=False)
    def test_declining_closes_the_invitation_and_seats_nobody(self, invitee, invitation):
        client = client_for(invitee)

        response = client.post(decline_url(invitation))

        assert response.status_code == 204
        assert response.content == b""
        invitation.refresh_from_db()
        assert (invitation.status, invitation.responded_at, invitation.responded_by) == ("declined", NOW, invitee)
        assert not Seat.objects.filter(user=invitee).exists()
        event = AuditEvent.objects.get(action="invitation.declined")
        assert (event.actor_id, event.organization_id, event.target_type, event.target_id) == (
            invitee.pk,
            invitation.organization_id,
            "invitation",
            str(invitation.pk),
        )
        assert client.post(accept_url(invitation)).status_code == 404


class TestAcceptedMail:
    def test_the_invited_address_is_told_when_an_account_under_it_takes_the_seat(self, invitee, invitation):
        """Found by an attack: whoever registers an address first takes the seats invited to it (registering proves
        no address). The mailbox's owner now hears of it."""
        from django.core import mail

        from outbox.delivery import deliver_due_messages

        assert client_for(invitee).post(accept_url(invitation)).status_code == 200
        assert deliver_due_messages() == 1

        [sent] = mail.outbox
        assert sent.to == ["invitee@example.test"]
        assert invitation.organization.legal_name in sent.body
        assert "as admin" in sent.body
        assert "someone else registered a Hirewall account under your address" in sent.body

    def test_a_declined_invitation_sends_no_such_mail(self, invitee, invitation):
        from django.core import mail

        from outbox.delivery import deliver_due_messages

        assert client_for(invitee).post(decline_url(invitation)).status_code == 204
        deliver_due_messages()

        assert mail.outbox == []
