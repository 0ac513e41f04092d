"""POST organizations: a pending organisation with the caller as admin; taken and blacklisted codes refused."""

import pytest

from audit.models import AuditEvent
from employers.models import Organization, RegistrationAttempt, Seat, SeatRole
from tests.employers.conftest import client_for
from tests.employers.factories import (
    AdverseCreditRecordFactory,
    OrganizationFactory,
    RecruiterFactory,
    SeatFactory,
    uscc_for,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/organizations"


def body(**overrides) -> dict:
    return {"legal_name": "Shanghai Example Technology Co., Ltd.", "uscc": "91110000802100433B", "city": "Shanghai"} | (
        overrides
    )


def test_registration_creates_a_pending_organization_with_the_caller_as_admin():
    recruiter = RecruiterFactory()

    response = client_for(recruiter).post(
        URL, body(uscc=" 91110000802100433b "), format="json", REMOTE_ADDR="198.51.100.4"
    )

    assert response.status_code == 201
    organization = Organization.objects.get()
    assert response.json() == {
        "id": organization.pk,
        "status": "pending",
        "legal_name": "Shanghai Example Technology Co., Ltd.",
        "uscc": "91110000802100433B",
        "city": "Shanghai",
        "plan": "standard",
    }
    seat = Seat.objects.get(user=recruiter)
    assert (seat.organization, seat.role, seat.is_active) == (organization, SeatRole.ADMIN, True)
    assert organization.registered_ip == "198.51.100.4"
    attempt = RegistrationAttempt.objects.get()
    assert (attempt.outcome, attempt.organization, attempt.ip) == ("registered", organization, "198.51.100.4")
    event = AuditEvent.objects.get(action="organization.registration")
    assert (event.outcome, event.code, event.organization_id, event.target_id) == (
        "granted",
        "",
        organization.pk,
        "91110000802100433B",
    )


@pytest.mark.parametrize("uscc", ["91110000802100433C", "9111000080210043", "91110000802100433BX", "", "IOSVZ"])
def test_invalid_codes_are_refused_and_nothing_changes(uscc):
    recruiter = RecruiterFactory()

    response = client_for(recruiter).post(URL, body(uscc=uscc), format="json")

    assert response.status_code == 400
    assert response.json()["code"] in {"invalid_uscc", "invalid"}
    assert set(response.json()) >= {"code", "detail"}
    if uscc:
        assert response.json()["code"] == "invalid_uscc"
    assert not Organization.objects.exists()
    assert not Seat.objects.exists()


def test_a_taken_code_is_refused_and_the_attempt_kept():
    existing = OrganizationFactory(uscc="91110000802100433B")
    recruiter = RecruiterFactory()

    response = client_for(recruiter).post(URL, body(), format="json", REMOTE_ADDR="198.51.100.9")

    assert response.status_code == 400
    assert response.json()["code"] == "uscc_taken"
    assert list(Organization.objects.all()) == [existing]
    assert not Seat.objects.filter(user=recruiter).exists()
    attempt = RegistrationAttempt.objects.get()
    assert (attempt.outcome, attempt.user, attempt.ip) == ("uscc_taken", recruiter, "198.51.100.9")
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.code, event.actor_id) == (
        "organization.registration",
        "denied",
        "uscc_taken",
        recruiter.pk,
    )


def test_a_blacklisted_code_is_refused_and_the_attempt_is_evidence():
    AdverseCreditRecordFactory(uscc="91350100M000100Y43")
    recruiter = RecruiterFactory()

    response = client_for(recruiter).post(
        URL, body(uscc="91350100m000100y43"), format="json", REMOTE_ADDR="198.51.100.10", HTTP_USER_AGENT="curl/8"
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "uscc_blacklisted",
        "detail": "This Unified Social Credit Code is on the adverse credit list and cannot register.",
    }
    assert not Organization.objects.exists()
    attempt = RegistrationAttempt.objects.get()
    assert (attempt.uscc, attempt.outcome, attempt.user, attempt.ip, attempt.user_agent) == (
        "91350100M000100Y43",
        "uscc_blacklisted",
        recruiter,
        "198.51.100.10",
        "curl/8",
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.code, event.target_type, event.target_id, event.ip) == (
        "organization.registration",
        "denied",
        "uscc_blacklisted",
        "uscc",
        "91350100M000100Y43",
        "198.51.100.10",
    )
    assert event.details == {"attempt_id": attempt.pk}


def test_blacklist_wins_over_taken():
    OrganizationFactory(uscc="91350100M000100Y43")
    AdverseCreditRecordFactory(uscc="91350100M000100Y43")

    response = client_for(RecruiterFactory()).post(URL, body(uscc="91350100M000100Y43"), format="json")

    assert response.json()["code"] == "uscc_blacklisted"


def test_status_and_plan_cannot_be_set_at_registration():
    recruiter = RecruiterFactory()

    response = client_for(recruiter).post(URL, body(status="verified", plan="member"), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) == {"status", "plan"}
    assert not Organization.objects.exists()


def test_a_recruiter_with_a_seat_cannot_register_another_organization():
    seat = SeatFactory()

    response = client_for(seat.user).post(URL, body(uscc=uscc_for(1)), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "already_in_organization"
    assert Organization.objects.count() == 1


def test_a_deactivated_recruiter_cannot_start_over_with_a_new_organization():
    seat = SeatFactory(is_active=False)

    response = client_for(seat.user).post(URL, body(uscc=uscc_for(2)), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "recruiter_inactive"
    assert Organization.objects.count() == 1


def test_missing_fields_give_field_errors():
    response = client_for(RecruiterFactory()).post(URL, {}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) == {"legal_name", "uscc", "city"}


@pytest.mark.usefixtures("pinned_clock")
def test_probing_codes_is_rate_limited(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "organization_register_per_user": "3/h"}
    client = client_for(RecruiterFactory())
    taken = OrganizationFactory().uscc
    for _ in range(3):
        assert client.post(URL, body(uscc=taken), format="json").json()["code"] == "uscc_taken"

    response = client.post(URL, body(uscc=taken), format="json")

    assert (response.status_code, response.json()["code"]) == (429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
