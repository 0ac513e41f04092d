"""Shared fixtures: API clients, users, and markers for PostgreSQL, Redis and the browser."""

import logging
import os
import re
import shutil

import pytest
import time_machine
from celery._state import _set_task_join_will_block
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from tests.cache_keys import delete_this_runs_keys
from tests.ci_skips import fail_enforced_skip
from tests.factories import UserFactory

TEST_PASSWORD = "correct-horse-battery-staple"


# Values the factories plant (tests/factories.py, tests/resumes/factories.py). No log line of
# the whole run may carry one: contact-grade data never reaches the logs.
PLANTED_IN_LOGS = re.compile(r"Plantedname|Plantedseeker|planted\.user|planted\.seeker|植入|\+8613900\d{6}")


class _LogLeakCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        if PLANTED_IN_LOGS.search(text):
            self.leaks.append(f"{record.name}: {text[:300]}")


_log_leaks = _LogLeakCollector()


def pytest_configure(config):
    logging.getLogger().addHandler(_log_leaks)


def pytest_sessionfinish(session, exitstatus):
    logging.getLogger().removeHandler(_log_leaks)
    if _log_leaks.leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("")
            reporter.write_line("Contact-grade test values reached the logs:", red=True)
            for leak in _log_leaks.leaks[:20]:
                reporter.write_line(f"  {leak}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(config, items):
    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    redis_configured = bool(settings.REDIS_URL)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL to a PostgreSQL database"))
        if "redis" in item.keywords and not redis_configured:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))
        if "browser" in item.keywords and not chromium:
            item.add_marker(pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium)"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # CI=true: a PostgreSQL-only or browser test that skipped fails the run (tests/ci_skips.py).
    outcome = yield
    fail_enforced_skip(outcome.get_result(), environ=os.environ, markers=[mark.name for mark in item.iter_markers()])


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, empty tables between transactional tests as the maintenance role, the one the triggers allow.

    The suite's own connection is an ordinary session, refused like the application's
    role in production: only the flush switches role, for its own transaction.
    """
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    from audit.models import MAINTENANCE_ROLE

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            DO $$ BEGIN
                CREATE ROLE {MAINTENANCE_ROLE} NOLOGIN;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$;
            """
        )
        cursor.execute(f"GRANT {MAINTENANCE_ROLE} TO CURRENT_USER")
        cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {MAINTENANCE_ROLE}")
    plain_sql_flush = DatabaseOperations.sql_flush

    def sql_flush_as_maintenance(self, style, tables, **options):
        statements = plain_sql_flush(self, style, tables, **options)
        # Django runs the flush in one transaction; SET LOCAL ends with it.
        return [f"SET LOCAL ROLE {MAINTENANCE_ROLE}", *statements] if statements else statements

    DatabaseOperations.sql_flush = sql_flush_as_maintenance
    yield
    DatabaseOperations.sql_flush = plain_sql_flush


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache; every test starts from zero. Only this run's
    # keys go: other runs sharing the Redis database keep theirs (tests/cache_keys.py).
    delete_this_runs_keys()
    yield
    delete_this_runs_keys()


@pytest.fixture(autouse=True)
def _celery_may_wait_for_results():
    # Eager tasks (CELERY_TASK_ALWAYS_EAGER) set Celery's process-wide "a result.get() would block"
    # flag while they run and put back what they found: eager deliveries in parallel threads (the
    # concurrency tests) can put back each other's True and leave it set for every later test.
    _set_task_join_will_block(False)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def recruiter(db):
    return UserFactory(role="recruiter")


@pytest.fixture
def seeker(db):
    return UserFactory(role="seeker")


@pytest.fixture
def operator(db):
    return UserFactory(role="operator", is_staff=True, is_superuser=True)


@pytest.fixture
def operator_client(client, operator):
    """The test client, signed in as that operator (a module that needs a second factor declares its own)."""
    client.force_login(operator)
    return client


@pytest.fixture
def recruiter_client(recruiter) -> APIClient:
    """An API client holding a real knox token of `recruiter`."""
    from knox.models import AuthToken

    client = APIClient()
    _, token = AuthToken.objects.create(user=recruiter)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def pinned_clock():
    """Stop the clock for a test that counts requests against a rate limit.

    Rate limits count in fixed windows of the real clock; a slow run that straddles a
    window's edge would start counting afresh and miss its 429.
    """
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller
