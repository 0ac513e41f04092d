"""A database or cache outage is 503 on every surface: a plain page in the reader's language, JSON for programs.

These run everywhere (SQLite or PostgreSQL): the cache outage is a Redis cache pointed at a
port nothing listens on. tests/faults/ cuts the real PostgreSQL and Redis through a proxy.
"""

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings

OUTAGE_VIEWS = "tests.config.outage_views"
# Nothing listens on port 1: every connection is refused at once, as a Redis that is down.
REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "KEY_PREFIX": "hirewall-test-redis-down",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
EMAIL = "someone@example.test"


def retry_after() -> int:
    return django_settings.SERVICE_UNAVAILABLE_RETRY_AFTER_S


@pytest.fixture
def lenient_client() -> Client:
    # Django's test client re-raises what a view raised even when a handler answered it; a browser sees the answer.
    return Client(raise_request_exception=False)


def assert_unavailable_page(response, *, language: str = "en") -> str:
    assert response.status_code == 503
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Retry-After"] == str(retry_after())
    assert "no-store" in response["Cache-Control"]
    content = response.content.decode()
    assert f'<html lang="{language}">' in content
    assert "Traceback" not in content
    return content


def assert_unavailable_json(response) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "service_unavailable",
        "detail": "A component the platform depends on is not answering; nothing was changed.",
    }
    assert response["Retry-After"] == str(retry_after())


@pytest.mark.urls(OUTAGE_VIEWS)
class TestAnOutageInAView:
    # No database for these: the 503 page must render without one (no session, user or messages).

    def test_a_database_outage_is_a_503_page(self, lenient_client):
        content = assert_unavailable_page(lenient_client.get("/test/database-gone"))

        assert "Hirewall is temporarily unavailable" in content
        assert f"Please try again in {retry_after()} seconds." in content

    def test_a_cache_outage_is_a_503_page(self, lenient_client):
        assert_unavailable_page(lenient_client.get("/test/cache-gone"))

    def test_the_page_speaks_the_readers_language(self, lenient_client):
        response = lenient_client.get("/test/database-gone", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")

        content = assert_unavailable_page(response, language="zh-hans")
        assert "Hirewall 暂时无法使用" in content
        assert f"请在 {retry_after()} 秒后重试。" in content
        assert response["Content-Language"] == "zh-hans"

    def test_the_language_chosen_on_the_site_wins(self, lenient_client):
        lenient_client.cookies["django_language"] = "zh-hans"

        assert "暂时无法使用" in assert_unavailable_page(lenient_client.get("/test/database-gone"), language="zh-hans")

    def test_the_relay_webhooks_answer_json(self, lenient_client):
        response = lenient_client.post("/relay/test/database-gone", b"{}", content_type="application/json")

        assert_unavailable_json(response)

    def test_a_programming_error_keeps_its_500(self, lenient_client):
        assert lenient_client.get("/test/bad-query").status_code == 500
        assert lenient_client.get("/test/bug").status_code == 500

    def test_the_log_names_the_error_and_the_route_and_nothing_the_client_sent(self, lenient_client, caplog):
        lenient_client.get("/test/database-gone?email=planted.someone%40example.test")

        outage_lines = [record.getMessage() for record in caplog.records if record.name == "config.unavailable"]
        assert outage_lines == ["dependency unavailable: OperationalError in tests.config.outage_views.database_gone"]
        assert "planted" not in caplog.text


@pytest.mark.urls(OUTAGE_VIEWS)
class TestAnOutageOutsideAView:
    @pytest.fixture(autouse=True)
    def _failing_middleware(self, settings):
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.config.outage_views.DatabaseGoneInMiddleware"]

    def test_a_web_page_is_still_a_503_page(self, lenient_client):
        assert_unavailable_page(lenient_client.get("/test/outage-in-middleware"))

    def test_the_api_is_still_503_json(self, lenient_client):
        assert_unavailable_json(lenient_client.get("/api/v1/test/outage-in-middleware"))

    def test_a_bug_there_keeps_its_500(self, lenient_client, settings):
        settings.MIDDLEWARE = [*settings.MIDDLEWARE[:-1]]

        assert lenient_client.get("/test/outage-in-middleware").status_code == 500


@pytest.mark.django_db
class TestTheLoginsWithTheCacheDown:
    """Every login counts attempts in the cache first; with the cache down that was a 500 page."""

    @pytest.fixture(autouse=True)
    def _cache_down(self):
        with override_settings(CACHES=REDIS_DOWN):
            yield

    def test_the_seekers_web_login(self, client):
        response = client.post("/accounts/login/", {"username": EMAIL, "password": "whatever-it-is"})

        assert "Hirewall is temporarily unavailable" in assert_unavailable_page(response)

    def test_the_seekers_web_login_in_chinese(self, client):
        response = client.post(
            "/accounts/login/", {"username": EMAIL, "password": "whatever-it-is"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )

        assert "暂时无法使用" in assert_unavailable_page(response, language="zh-hans")

    def test_the_signup(self, client):
        assert_unavailable_page(client.post("/accounts/signup/", {"email": EMAIL}))

    def test_the_admin_login(self, client):
        assert_unavailable_page(client.post("/admin/login/", {"username": EMAIL, "password": "whatever-it-is"}))

    def test_the_admin_login_with_its_second_factor(self, client, settings):
        settings.ADMIN_REQUIRE_OTP = True

        response = client.post(
            "/admin/2fa/login/",
            {"operator_login_view-current_step": "auth", "auth-username": EMAIL, "auth-password": "whatever-it-is"},
        )

        assert_unavailable_page(response)

    def test_the_api_login_answers_json_with_retry_after(self, api_client):
        response = api_client.post("/api/v1/auth/login", {"email": EMAIL, "password": "whatever-it-is"}, format="json")

        assert_unavailable_json(response)
