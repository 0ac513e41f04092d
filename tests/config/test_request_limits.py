"""Bodies over the upload limit are 413 `payload_too_large`, and unknown API paths JSON 404s, whatever the method."""

import io
import json
import logging
from urllib.parse import urlencode

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import LoginEvent, User
from employers.models import BusinessLicence, JobPosting
from tests.employers.conftest import client_for
from tests.employers.factories import AdminSeatFactory

pytestmark = pytest.mark.django_db
LIMIT = 4096


@pytest.fixture(autouse=True)
def small_upload_limit(settings):
    # The same code path as Django's 2.5 MB default, with bodies small enough to keep the suite fast.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT


def oversized_json(**fields) -> str:
    return json.dumps({**fields, "padding": "x" * (LIMIT + 1)})


def assert_payload_too_large(response, caplog) -> None:
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "code": "payload_too_large",
        "detail": "The request body is larger than the platform accepts.",
    }
    assert not [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text


def test_an_oversized_unauthenticated_login_is_413_and_records_nothing(caplog):
    body = oversized_json(email="planted.user.big@example.test", password="x")

    response = APIClient().generic("POST", "/api/v1/auth/login", body, content_type="application/json")

    assert_payload_too_large(response, caplog)
    assert not LoginEvent.objects.exists()


def test_an_oversized_registration_creates_no_account(caplog):
    body = oversized_json(email="planted.user.big@example.test", password="long-enough-password", full_name="Big")

    response = APIClient().generic("POST", "/api/v1/auth/register", body, content_type="application/json")

    assert_payload_too_large(response, caplog)
    assert not User.objects.exists()


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT"])
def test_an_oversized_body_to_an_authenticated_endpoint_changes_nothing(method, caplog):
    seat = AdminSeatFactory()
    body = oversized_json(title="t", description="d", city="c", category="sales")

    response = client_for(seat.user).generic(method, "/api/v1/jobs", body, content_type="application/json")

    assert_payload_too_large(response, caplog)
    assert not JobPosting.objects.exists()


def test_the_limit_itself_is_still_accepted(caplog):
    padding = "x" * (LIMIT - 200)
    body = json.dumps({"email": "nobody@example.test", "password": padding})

    response = APIClient().generic("POST", "/api/v1/auth/login", body, content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid_credentials")


def test_multipart_files_do_not_count_against_the_limit(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    seat = AdminSeatFactory()
    licence = io.BytesIO(b"%PDF-1.4\n" + b"0" * (LIMIT * 4))
    licence.name = "licence.pdf"

    response = client_for(seat.user).post("/api/v1/organizations/me/licence", {"file": licence}, format="multipart")

    assert response.status_code == 201
    assert BusinessLicence.objects.count() == 1


def test_oversized_multipart_fields_are_413_too(settings, tmp_path, caplog):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    seat = AdminSeatFactory()
    licence = io.BytesIO(b"%PDF-1.4\n")
    licence.name = "licence.pdf"

    response = client_for(seat.user).post(
        "/api/v1/organizations/me/licence", {"file": licence, "note": "x" * (LIMIT + 1)}, format="multipart"
    )

    assert_payload_too_large(response, caplog)
    assert not BusinessLicence.objects.exists()


def test_an_oversized_web_form_is_413_without_a_trace(caplog):
    body = urlencode({"username": "a@example.test", "password": "x" * (LIMIT + 1)})

    response = Client().post("/accounts/login/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 413
    assert not LoginEvent.objects.exists()
    assert not [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE"])
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/jobs/1/nothing", "/api/v2/jobs", "/api/"])
def test_unknown_api_paths_are_json_404_whatever_the_method(method, path):
    # A browser-like client: CSRF is enforced, as it is for real requests.
    client = Client(enforce_csrf_checks=True)

    response = client.generic(method, path, "{}", content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"code": "not_found", "detail": "Not found."}


@pytest.mark.parametrize("path", ["//api/v1/jobs", "//relay/x", "///api/"])
def test_a_doubled_slash_before_api_still_gets_the_json_404(path):
    """Found by an attack on the API: //api/v1/jobs got Django's HTML 404. (The test client would read the
    doubled slash as a host name, so the server's PATH_INFO is set as gunicorn sets it.)"""
    response = Client().get("/unused", PATH_INFO=path)

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v2/jobs", "/api/nope", "/api/"])
def test_unknown_api_paths_are_json_404_with_debug_on_too(path, settings):
    # make run serves with DEBUG on, where Django's own 404 is an HTML page.
    settings.DEBUG = True

    response = Client().generic("PATCH", path, "{}", content_type="application/json")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_web_forms_still_need_their_csrf_token():
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "a", "password": "b"})

    assert response.status_code == 403
