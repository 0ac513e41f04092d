"""PATCH organizations/me/seat: the display name and title a recruiter chooses for seekers' access logs."""

import pytest

from audit.models import AuditEvent
from employers import services
from employers.models import Seat
from tests.employers.conftest import client_for
from tests.employers.factories import SeatFactory, SeekerFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/organizations/me/seat"


@pytest.fixture
def seat() -> Seat:
    return SeatFactory(organization__legal_name="Shenzhen Seat Test Co., Ltd.")


def test_a_recruiter_sets_the_name_and_title_seekers_see(seat):
    client = client_for(seat.user)

    response = client.patch(URL, {"display_name": "  Wang   L. ", "title": "Talent lead"}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "organization_id": seat.organization_id,
        "organization_legal_name": "Shenzhen Seat Test Co., Ltd.",
        "role": "recruiter",
        "display_name": "Wang L.",
        "title": "Talent lead",
    }
    seat.refresh_from_db()
    assert (seat.display_name, seat.title) == ("Wang L.", "Talent lead")
    event = AuditEvent.objects.get(action="seat.profile_updated")
    # Which fields changed, never their values.
    assert (event.actor_id, event.organization_id, event.target_id, event.details) == (
        seat.user_id,
        seat.organization_id,
        str(seat.user_id),
        {"fields": ["display_name", "title"]},
    )
    assert client.get(URL).json()["display_name"] == "Wang L."


def test_one_field_at_a_time_and_no_event_without_a_change(seat):
    client = client_for(seat.user)
    client.patch(URL, {"title": "Recruiter"}, format="json")
    client.patch(URL, {"title": "Recruiter"}, format="json")

    seat.refresh_from_db()
    assert (seat.display_name, seat.title) == ("", "Recruiter")
    assert AuditEvent.objects.filter(action="seat.profile_updated").count() == 1


@pytest.mark.parametrize(
    "display_name",
    ["Wang 13812345678", "wang.l@example.test", "WeChat: wang_recruits", "https://example.test/wang"],
)
def test_contact_details_are_refused_and_change_nothing(seat, display_name):
    response = client_for(seat.user).patch(URL, {"display_name": display_name, "title": "Lead"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "contact_in_free_text"
    assert display_name not in response.content.decode()
    seat.refresh_from_db()
    assert (seat.display_name, seat.title) == ("", "")
    assert not AuditEvent.objects.filter(action="seat.profile_updated").exists()


def test_bad_input_is_refused_with_a_code(seat):
    client = client_for(seat.user)

    too_long = client.patch(URL, {"display_name": "x" * 81}, format="json")
    undeclared = client.patch(URL, {"display_name": "Wang", "role": "admin"}, format="json")

    assert (too_long.status_code, too_long.json()["code"]) == (400, "invalid")
    assert (undeclared.status_code, undeclared.json()["code"]) == (400, "invalid")
    seat.refresh_from_db()
    assert (seat.display_name, seat.role) == ("", "recruiter")


def test_only_a_seated_active_recruiter_may_set_it(seat):
    services.set_seat_active(seat=seat, active=False, by=seat.user)

    assert client_for(seat.user).patch(URL, {"title": "X"}, format="json").json()["code"] == "recruiter_inactive"
    assert client_for(SeekerFactory()).patch(URL, {"title": "X"}, format="json").json()["code"] == "not_recruiter"
    assert client_for(None).patch(URL, {"title": "X"}, format="json").status_code == 401
