"""/healthz answers 200 only when the database and the cache both answer, in bounded time, whoever else asks."""

import socket
import threading
import time
from collections import Counter

import pytest
from django.core.cache import caches
from django.db import connection, connections
from django.test import Client, override_settings

from config import health
from tests.cache_keys import _glob_escape

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
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}, "warnings": []}


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


@pytest.mark.redis
@pytest.mark.django_db
def test_parallel_probes_do_not_fail_each_other():
    """Probes that ran at once read each other's value under one shared key: 503 for about half of them."""
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def probe_repeatedly():
        client = Client()
        try:
            barrier.wait(timeout=30)
            for _ in range(25):
                statuses.append(client.get("/healthz").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=probe_repeatedly) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert Counter(statuses) == Counter({200: 200})


@pytest.mark.redis
@pytest.mark.django_db
def test_probe_leaves_no_key_behind(client):
    cache = caches["default"]
    pattern = f"{_glob_escape(cache.key_prefix)}:*{health.HEALTH_CACHE_KEY_PREFIX}*"
    redis = cache._cache.get_client(write=True)

    assert client.get("/healthz").status_code == 200

    assert list(redis.scan_iter(match=pattern)) == []


@pytest.fixture
def silent_server():
    """A port that accepts TCP connections and never says a word: a stalled database or cache.

    The kernel completes the handshake of a listening socket's backlog without accept(); closing
    the listener resets them. It closes itself after 15 s, so that code with no bound of its own
    comes back and fails the timing assertion instead of hanging the suite.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    closer = threading.Timer(15, listener.close)
    closer.start()
    yield listener.getsockname()[1]
    closer.cancel()
    listener.close()


@pytest.fixture
def database_stalled(transactional_db, silent_server):
    """Every connection, the test's own included, goes to the silent port; then back."""
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(silent_server))
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(original)


def timed_healthz(client):
    started = time.monotonic()
    response = client.get("/healthz")
    return response, time.monotonic() - started


@pytest.mark.postgres
@pytest.mark.timeout(60)
def test_stalled_database_is_503_within_the_deadline(client, settings, database_stalled):
    settings.HEALTHZ_TIMEOUT_MS = 1000

    response, elapsed = timed_healthz(client)

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "down", "cache": "ok"}
    assert elapsed < 2.5


@pytest.mark.django_db
@pytest.mark.timeout(60)
def test_stalled_cache_is_503_within_the_deadline(client, settings, silent_server):
    settings.HEALTHZ_TIMEOUT_MS = 1000
    stalled = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{silent_server}/0",
            # Longer than the deadline: the deadline, not the socket, must end the wait.
            "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5},
        }
    }

    with override_settings(CACHES=stalled):
        response, elapsed = timed_healthz(client)

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "down"}
    assert elapsed < 2.5


# HEALTH_WARNINGS functions for the tests below.
def pool_nearly_full() -> str:
    return "relay pool 85 % used"


def nothing_to_say() -> None:
    return None


def broken_warning() -> str:
    raise RuntimeError("no pool table")


def slow_warning() -> str:
    time.sleep(5)
    return "too late"


WARNINGS = "tests.config.test_health"


@pytest.mark.django_db
def test_warnings_are_listed_and_keep_200(client, settings):
    settings.HEALTH_WARNINGS = [
        f"{WARNINGS}.pool_nearly_full",
        f"{WARNINGS}.nothing_to_say",
        f"{WARNINGS}.broken_warning",
    ]

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["warnings"] == ["relay pool 85 % used", f"{WARNINGS}.broken_warning: the check failed"]


@pytest.mark.django_db
@pytest.mark.timeout(60)
def test_a_slow_warning_does_not_hold_the_answer(client, settings):
    settings.HEALTHZ_TIMEOUT_MS = 1000
    settings.HEALTH_WARNINGS = [f"{WARNINGS}.pool_nearly_full", f"{WARNINGS}.slow_warning"]

    response, elapsed = timed_healthz(client)

    assert response.status_code == 200
    assert response.json()["warnings"] == ["relay pool 85 % used", "some warnings did not answer in time"]
    assert elapsed < 2.5


def sleeping_query() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(10)")
    return "slept"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_warning_queries_are_cut_at_the_deadline(settings):
    """The warnings' statements carry the health deadline as their statement timeout (server side)."""
    settings.HEALTHZ_TIMEOUT_MS = 500
    found: list[str] = []
    started = time.monotonic()

    worker = threading.Thread(target=health._collect_warnings, args=([f"{WARNINGS}.sleeping_query"], found))
    worker.start()
    worker.join(timeout=30)

    assert found == [f"{WARNINGS}.sleeping_query: the check failed"]
    assert time.monotonic() - started < 3
