"""POST organizations/me/recruiters: an admin seats an existing recruiter; nobody else can."""

import pytest

from audit.models import AuditEvent
from employers import services
from employers.models import Seat
from tests.employers.conftest import client_for
from tests.employers.factories import AdminSeatFactory, RecruiterFactory, SeatFactory, SeekerFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/organizations/me/recruiters"


@pytest.fixture
def admin_seat():
    return AdminSeatFactory()


def test_admin_adds_a_recruiter_by_email(admin_seat):
    newcomer = RecruiterFactory(email="Newcomer@Example.test")

    response = client_for(admin_seat.user).post(
        URL, {"email": " newcomer@example.TEST ", "role": "admin"}, format="json"
    )

    assert response.status_code == 201
    seat = Seat.objects.get(user=newcomer)
    assert response.json()["id"] == seat.pk
    assert response.json()["user_id"] == str(newcomer.pk)
    assert "example.test" not in response.content.decode().lower()
    assert (seat.organization, seat.role, seat.added_by) == (admin_seat.organization, "admin", admin_seat.user)
    event = AuditEvent.objects.get(action="seat.added")
    assert (event.actor_id, event.target_id, event.details) == (admin_seat.user.pk, str(newcomer.pk), {"role": "admin"})


def test_role_defaults_to_recruiter(admin_seat):
    newcomer = RecruiterFactory(email="plain@example.test")

    client_for(admin_seat.user).post(URL, {"email": "plain@example.test"}, format="json")

    assert Seat.objects.get(user=newcomer).role == "recruiter"


@pytest.mark.parametrize(
    ("make_account", "code"),
    [
        (lambda: SeekerFactory(email="target@example.test"), "recruiter_not_found"),
        (lambda: UserFactory(role="operator", email="target@example.test"), "recruiter_not_found"),
        (lambda: RecruiterFactory(email="target@example.test", is_active=False), "recruiter_not_found"),
        (lambda: None, "recruiter_not_found"),
        (lambda: SeatFactory(user=RecruiterFactory(email="target@example.test")), "recruiter_already_seated"),
        (
            lambda: SeatFactory(user=RecruiterFactory(email="target@example.test"), is_active=False),
            "recruiter_already_seated",
        ),
    ],
)
def test_accounts_that_cannot_take_a_seat_are_refused_with_a_clear_code(admin_seat, make_account, code):
    make_account()
    seats_before = set(Seat.objects.values_list("pk", "organization", "role", "is_active"))

    response = client_for(admin_seat.user).post(URL, {"email": "target@example.test"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert "target@example.test" not in response.content.decode()
    assert set(Seat.objects.values_list("pk", "organization", "role", "is_active")) == seats_before


def test_non_admins_get_not_org_admin(admin_seat):
    recruiter_seat = SeatFactory(organization=admin_seat.organization)
    RecruiterFactory(email="target@example.test")

    response = client_for(recruiter_seat.user).post(URL, {"email": "target@example.test"}, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "not_org_admin")
    assert Seat.objects.count() == 2


def test_an_unknown_role_is_a_field_error(admin_seat):
    RecruiterFactory(email="target@example.test")

    response = client_for(admin_seat.user).post(URL, {"email": "target@example.test", "role": "owner"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"].keys() == {"role"}


def test_a_deactivated_recruiter_can_do_nothing(admin_seat):
    operator = UserFactory(role="operator", is_staff=True)
    seat = SeatFactory(organization=admin_seat.organization)
    client = client_for(seat.user)
    assert client.get("/api/v1/organizations/me").status_code == 200

    services.set_seat_active(seat=seat, active=False, by=operator)

    for response in (
        client.get("/api/v1/organizations/me"),
        client.get("/api/v1/jobs"),
        client.post("/api/v1/jobs", {"title": "t", "description": "d", "city": "c", "category": "sales"}),
    ):
        assert (response.status_code, response.json()["code"]) == (403, "recruiter_inactive")
    event = AuditEvent.objects.get(action="seat.deactivated")
    assert (event.actor_id, event.target_id) == (operator.pk, str(seat.user_id))

    services.set_seat_active(seat=seat, active=True, by=operator)
    assert client.get("/api/v1/organizations/me").status_code == 200
