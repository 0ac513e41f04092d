"""Every API error is {"code", "detail"} (plus named fields), for every status, never a trace."""

import pytest
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.error_views")]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_400_validation_names_fields(api_client):
    body = assert_error(api_client.post("/api/v1/auth/register", {}, format="json"), 400, "invalid")

    assert set(body["errors"]) == {"email", "password", "full_name"}


def test_400_malformed_json(api_client):
    response = api_client.generic("POST", "/api/v1/auth/login", "{not json", content_type="application/json")

    assert_error(response, 400, "parse_error")


@pytest.mark.parametrize("opening, closing", [('{"a":', "}"), ("[", "]")])
def test_400_json_nested_deeper_than_the_decoder_follows(api_client, opening, closing):
    """A few kilobytes of brackets made Python's decoder raise RecursionError: a 500 on every JSON endpoint."""
    body = opening * 5000 + "1" + closing * 5000

    response = api_client.generic("POST", "/api/v1/auth/login", body, content_type="application/json")

    assert_error(response, 400, "parse_error")


def test_401_without_token(api_client):
    assert_error(api_client.post("/api/v1/auth/logout"), 401, "not_authenticated")


def test_401_with_a_forged_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "f" * 64)

    assert_error(api_client.post("/api/v1/auth/logout"), 401, "authentication_failed")


def test_403(api_client):
    assert_error(api_client.get("/api/v1/test/forbidden"), 403, "permission_denied")


def test_404_for_an_unknown_api_path(api_client):
    assert_error(api_client.get("/api/v1/no-such-thing"), 404, "not_found")


@override_settings(DEBUG=True)
def test_404_stays_json_with_debug_on(api_client):
    assert_error(api_client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_405(api_client):
    assert_error(api_client.get("/api/v1/auth/login"), 405, "method_not_allowed")


def test_415(api_client):
    response = api_client.generic("POST", "/api/v1/auth/login", "email=x", content_type="text/plain")

    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.usefixtures("pinned_clock")
def test_429_is_covered_with_retry_after(api_client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "login_per_ip": "1/m"}
    api_client.post("/api/v1/auth/login", {"email": "a@example.test", "password": "x"}, format="json")

    response = api_client.post("/api/v1/auth/login", {"email": "a@example.test", "password": "x"}, format="json")

    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1


def test_500_is_json_without_a_trace(caplog):
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/test/crash")

    body = assert_error(response, 500, "server_error")
    assert "secret internal state" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert set(body) == {"code", "detail"}
    # The operator still gets the trace in the log.
    assert "secret internal state" in caplog.text


def test_a_web_page_that_fails_gets_the_sites_own_500_page_without_a_trace():
    response = Client(raise_request_exception=False).get("/test/crash", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 500
    page = response.content.decode()
    assert "出错了" in page
    assert 'href="/"' in page
    assert "secret internal state" not in page
    assert "Traceback" not in page


def test_database_failure_is_503_service_unavailable(settings):
    settings.SERVICE_UNAVAILABLE_RETRY_AFTER_S = 7
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/test/database-gone")

    assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == "7"


def test_html_pages_keep_html_errors(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
