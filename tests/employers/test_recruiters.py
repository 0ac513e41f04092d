"""POST organizations/me/recruiters: an admin invites an address; nobody is seated without accepting."""

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import crypto
from audit.models import AuditEvent
from employers import services, tasks
from employers.models import Invitation, InvitationStatus, Plan, Seat
from tests.employers.conftest import client_for
from tests.employers.factories import AdminSeatFactory, InvitationFactory, RecruiterFactory, SeatFactory, SeekerFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/organizations/me/recruiters"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def admin_seat():
    return AdminSeatFactory()


@time_machine.travel(NOW, tick=False)
def test_an_invitation_seats_nobody_and_mails_the_address(admin_seat, mailoutbox, django_capture_on_commit_callbacks):
    newcomer = RecruiterFactory(email="Newcomer@Example.test")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_seat.user).post(
            URL, {"email": " newcomer@example.TEST ", "role": "admin"}, format="json"
        )

    assert response.status_code == 202
    invitation = Invitation.objects.get()
    assert response.json() == {"invitation_id": str(invitation.pk), "expires_at": "2026-03-09T09:30:00Z"}
    assert (invitation.organization, invitation.role, invitation.status, invitation.invited_by) == (
        admin_seat.organization,
        "admin",
        InvitationStatus.PENDING,
        admin_seat.user,
    )
    # Matched by the blind index, stored only as ciphertext.
    assert invitation.email_blind_index == newcomer.email_blind_index
    assert "newcomer" not in invitation.email_ciphertext.lower()
    assert crypto.decrypt(invitation.email_ciphertext) == "newcomer@example.test"
    assert not Seat.objects.filter(user=newcomer).exists()
    event = AuditEvent.objects.get(action="invitation.created")
    assert (event.actor_id, event.organization_id, event.target_type, event.target_id, event.details) == (
        admin_seat.user.pk,
        admin_seat.organization_id,
        "invitation",
        str(invitation.pk),
        {"role": "admin", "expires_at": "2026-03-09T09:30:00+00:00"},
    )
    assert "example.test" not in response.content.decode().lower()
    [mail] = mailoutbox
    assert mail.to == ["newcomer@example.test"]
    assert admin_seat.organization.legal_name in mail.body
    assert str(invitation.pk) in mail.body


def test_role_defaults_to_recruiter(admin_seat):
    response = client_for(admin_seat.user).post(URL, {"email": "plain@example.test"}, format="json")

    assert response.status_code == 202
    assert Invitation.objects.get().role == "recruiter"


@pytest.mark.parametrize(
    "make_account",
    [
        pytest.param(lambda: RecruiterFactory(email="target@example.test"), id="free-recruiter"),
        pytest.param(lambda: SeekerFactory(email="target@example.test"), id="seeker"),
        pytest.param(lambda: UserFactory(role="operator", email="target@example.test"), id="operator"),
        pytest.param(lambda: RecruiterFactory(email="target@example.test", is_active=False), id="inactive"),
        pytest.param(lambda: SeatFactory(user=RecruiterFactory(email="target@example.test")), id="seated"),
        pytest.param(lambda: None, id="nobody"),
    ],
)
def test_the_answer_and_the_work_do_not_depend_on_the_address(admin_seat, make_account):
    make_account()
    seats_before = set(Seat.objects.values_list("pk", "organization", "role", "is_active"))
    client = client_for(admin_seat.user)
    client.post(URL, {"email": "warm.up@example.test"}, format="json")  # the audit chain's head exists from here

    with CaptureQueriesContext(connection) as unused_address:
        baseline = client.post(URL, {"email": "nobody.uses.this@example.test"}, format="json")
    with CaptureQueriesContext(connection) as target_address:
        response = client.post(URL, {"email": "target@example.test"}, format="json")

    assert response.status_code == baseline.status_code == 202
    assert set(response.json()) == set(baseline.json()) == {"invitation_id", "expires_at"}
    assert "target@example.test" not in response.content.decode()
    assert set(Seat.objects.values_list("pk", "organization", "role", "is_active")) == seats_before
    # The same statements whoever owns the address: none of them looks an account up by it.
    assert _shapes(target_address) == _shapes(unused_address)
    index = crypto.email_blind_index("target@example.test")
    assert not [
        query for query in target_address.captured_queries if "accounts_user" in query["sql"] and index in query["sql"]
    ]


def _shapes(queries: CaptureQueriesContext) -> list[str]:
    """Each statement without its values and savepoint names: what was done, not to which row."""
    return [re.split(r" WHERE | VALUES | SET |\"s\d+_x\d+\"", query["sql"])[0] for query in queries.captured_queries]


def test_non_admins_get_not_org_admin(admin_seat):
    recruiter_seat = SeatFactory(organization=admin_seat.organization)

    response = client_for(recruiter_seat.user).post(URL, {"email": "target@example.test"}, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "not_org_admin")
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(action="invitation.created").exists()


def test_a_suspended_organisation_invites_nobody(admin_seat, mailoutbox):
    """Found by an attack on the API: an organisation suspended (by an operator or the detectors) still invited."""
    admin_seat.organization.status = "suspended"
    admin_seat.organization.save()

    response = client_for(admin_seat.user).post(URL, {"email": "target@example.test"}, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "org_suspended")
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(action="invitation.created").exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "target@example.test", "role": "owner"}, "role"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "target@example.test", "organization": 1}, "organization"),
    ],
)
def test_bad_bodies_are_field_errors_and_invite_nobody(admin_seat, body, field):
    response = client_for(admin_seat.user).post(URL, body, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert response.json()["errors"].keys() == {field}
    assert "not-an-address" not in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_an_address_again_replaces_its_open_invitation(admin_seat):
    client = client_for(admin_seat.user)
    first = client.post(URL, {"email": "twice@example.test"}, format="json").json()["invitation_id"]

    second = client.post(URL, {"email": "Twice@Example.test", "role": "admin"}, format="json").json()["invitation_id"]

    assert Invitation.objects.get(pk=first).status == InvitationStatus.WITHDRAWN
    assert (Invitation.objects.get(pk=second).status, Invitation.objects.get(pk=second).role) == ("pending", "admin")
    event = AuditEvent.objects.filter(action="invitation.created").latest("seq")
    assert event.details["replaces"] == [first]


class TestSeats:
    @pytest.fixture(autouse=True)
    def three_seats(self, settings):
        settings.PLAN_SEATS = {Plan.STANDARD: 3, Plan.MEMBER: 5}

    def test_open_invitations_count_against_the_seats(self, admin_seat):
        SeatFactory(organization=admin_seat.organization)
        client = client_for(admin_seat.user)
        assert client.post(URL, {"email": "third@example.test"}, format="json").status_code == 202

        response = client.post(URL, {"email": "fourth@example.test"}, format="json")

        assert (response.status_code, response.json()["code"]) == (409, "seats_full")
        assert Invitation.objects.count() == 1
        assert AuditEvent.objects.filter(action="invitation.created").count() == 1

    def test_a_deactivated_seat_still_holds_its_place(self, admin_seat):
        SeatFactory(organization=admin_seat.organization, is_active=False)
        InvitationFactory(organization=admin_seat.organization)

        response = client_for(admin_seat.user).post(URL, {"email": "fourth@example.test"}, format="json")

        assert (response.status_code, response.json()["code"]) == (409, "seats_full")

    def test_expired_and_answered_invitations_free_their_seat(self, admin_seat):
        with time_machine.travel(NOW - timedelta(days=8), tick=False):
            InvitationFactory(organization=admin_seat.organization)
        InvitationFactory(organization=admin_seat.organization, status=InvitationStatus.DECLINED)
        InvitationFactory(organization=admin_seat.organization, status=InvitationStatus.WITHDRAWN)
        SeatFactory(organization=admin_seat.organization)

        with time_machine.travel(NOW, tick=False):
            response = client_for(admin_seat.user).post(URL, {"email": "third@example.test"}, format="json")

        assert response.status_code == 202

    def test_replacing_an_open_invitation_needs_no_free_seat(self, admin_seat):
        SeatFactory(organization=admin_seat.organization)
        client = client_for(admin_seat.user)
        client.post(URL, {"email": "third@example.test"}, format="json")

        response = client.post(URL, {"email": "third@example.test", "role": "admin"}, format="json")

        assert response.status_code == 202
        assert Invitation.objects.filter(status=InvitationStatus.PENDING).count() == 1

    def test_a_member_plan_has_more_seats(self, admin_seat):
        admin_seat.organization.plan = Plan.MEMBER
        admin_seat.organization.save()
        for _ in range(3):
            InvitationFactory(organization=admin_seat.organization)

        response = client_for(admin_seat.user).post(URL, {"email": "fifth@example.test"}, format="json")

        assert response.status_code == 202


def test_no_log_line_names_the_address(admin_seat, caplog, django_capture_on_commit_callbacks, mailoutbox):
    caplog.set_level(logging.DEBUG)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_seat.user).post(URL, {"email": "logged.never@example.test"}, format="json")

    assert len(mailoutbox) == 1
    assert "logged.never" not in caplog.text


@pytest.mark.usefixtures("pinned_clock")
def test_invitations_are_rate_limited_per_admin(admin_seat, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "invitation_per_user": "2/h"}
    client = client_for(admin_seat.user)
    for n in range(2):
        assert client.post(URL, {"email": f"n{n}@example.test"}, format="json").status_code == 202

    response = client.post(URL, {"email": "n2@example.test"}, format="json")

    assert (response.status_code, response.json()["code"]) == (429, "rate_limited")
    assert Invitation.objects.count() == 2


def test_the_service_refuses_a_malformed_address(admin_seat):
    with pytest.raises(ValidationError) as refusal:
        services.invite_recruiter(seat=admin_seat, email="nobody-at-nowhere", role="recruiter")

    assert set(refusal.value.message_dict) == {"email"}
    assert not Invitation.objects.exists()


def test_an_invitation_closed_before_its_mail_goes_out_sends_nothing(mailoutbox):
    invitation = InvitationFactory(status=InvitationStatus.WITHDRAWN)

    assert tasks.send_invitation_email(str(invitation.pk)) is False
    assert mailoutbox == []
