"""/healthz answers 200 only when the database and the cache both answer."""

import pytest
from django.db import connection
from django.test import override_settings

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Port 1 on loopback: nothing listens there, so the connection is refused at once.
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.mark.django_db
def test_healthy(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_cache_down_is_503(client):
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert body["checks"] == {"database": "ok", "cache": "down"}


@pytest.fixture
def database_down(transactional_db):
    """Point the default connection at a database that cannot be reached, then put it back."""
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(original)


# SQLite's in-memory test database cannot be closed and reopened without losing it.
@pytest.mark.postgres
def test_database_down_is_503(client, database_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "down", "cache": "ok"}


@pytest.mark.django_db
def test_login_fails_closed_when_the_cache_is_down(api_client):
    """Rate limits live in the cache: without it, no login is attempted and no token is issued."""
    from knox.models import AuthToken

    from tests.factories import DEFAULT_PASSWORD, UserFactory

    UserFactory(role="recruiter", email="closed@example.test")

    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = api_client.post(
            "/api/v1/auth/login", {"email": "closed@example.test", "password": DEFAULT_PASSWORD}, format="json"
        )

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert not AuthToken.objects.exists()
