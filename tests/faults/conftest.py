"""Fault-test fixtures: proxies wired in front of the suite's PostgreSQL and Redis, a reveal setup, the invariants.

The tests here run only where DATABASE_URL is PostgreSQL and REDIS_URL is set (CI); they
carry the `postgres` and `redis` markers, skip with a reason elsewhere, and a skip fails
CI (tests/ci_skips.py). After every test, with the database back, the invariants that
no fault may break are checked: quota used equals charged reveals, one `reveal.granted`
event per reveal, the audit chain verifies.
"""

import copy
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connections
from django.test import override_settings

from audit import selectors as audit_selectors
from audit.models import AuditEvent
from employers.models import QuotaCounter
from employers.quota import QUOTA_LIMIT_NAMES
from resumes.models import Reveal
from tests.employers.conftest import client_for
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.faults.proxy import FaultProxy
from tests.resumes.factories import ResumeFactory

FAULT_MARKERS = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
# How long a test waits past a configured timeout before it calls the request hung: a loaded CI box
# schedules threads late, and the request has work to do besides its wait.
MARGIN_SECONDS = 5


# --- the invariants ---------------------------------------------------------------------------


def assert_invariants() -> None:
    """What no fault may break: every charge is a reveal and every reveal has its event, in a chain that verifies."""
    charged = Reveal.objects.filter(charged=True).count()
    for limit_name in QUOTA_LIMIT_NAMES:
        used = sum(QuotaCounter.objects.filter(limit_name=limit_name).values_list("used", flat=True))
        assert used == charged, f"{limit_name}: {used} used for {charged} charged reveals"
    granted = AuditEvent.objects.filter(action="reveal.granted")
    assert sorted(event.details["reveal_id"] for event in granted) == sorted(
        Reveal.objects.values_list("pk", flat=True)
    ), "reveals and reveal.granted events do not match one to one"
    verification = audit_selectors.verify_chain()
    assert verification.ok, verification.problems


@pytest.fixture(autouse=True)
def _invariants_hold(transactional_db, settings, tmp_path):
    # This test's own digest file: verify_chain must not read another test's signed heads.
    settings.AUDIT_DIGEST_FILE = str(tmp_path / "digests.log")
    settings.AUDIT_DIGEST_MIRROR_DIR = ""
    yield
    # Set up before the proxies, torn down after them: the database is back by now.
    assert_invariants()


# --- the proxies ------------------------------------------------------------------------------


@pytest.fixture
def redis_proxy() -> Iterator[FaultProxy]:
    """A proxy in front of REDIS_URL, and the default cache (rate limits) reaching Redis through it only."""
    parts = urlsplit(settings.REDIS_URL)
    proxy = FaultProxy(parts.hostname or "127.0.0.1", parts.port or 6379, name="redis").start()
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{proxy.host}:{proxy.port}" if credentials else f"{proxy.host}:{proxy.port}"
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = urlunsplit(parts._replace(netloc=netloc))
    try:
        # A new CACHES makes Django build a new cache, with its own pool: every connection goes through the proxy.
        with override_settings(CACHES=caches):
            yield proxy
    finally:
        proxy.close()


# The database's own address while postgres_proxy points the settings at itself.
_real_postgres_address: dict[str, tuple[str, str]] = {}


@pytest.fixture
def postgres_proxy(transactional_db) -> Iterator[FaultProxy]:
    """A proxy in front of the test database; every connection opened from now on, in any thread, goes through it.

    Threads open their connections from the same settings dict as the test's own, so
    changing HOST and PORT there, then closing the open connection, reroutes them all.
    """
    connection = connections["default"]
    settings_dict = connection.settings_dict
    assert settings_dict is connections.settings["default"], "threads would not reach the database through the proxy"
    host, port = settings_dict["HOST"], settings_dict["PORT"]
    if not host or host.startswith("/"):
        pytest.skip("needs PostgreSQL over TCP: DATABASE_URL names a Unix socket")
    proxy = FaultProxy(host, int(port or 5432), name="postgres").start()
    connection.close()
    _real_postgres_address["default"] = (host, port)
    settings_dict.update(HOST=proxy.host, PORT=str(proxy.port))
    try:
        yield proxy
    finally:
        settings_dict.update(HOST=host, PORT=port)
        del _real_postgres_address["default"]
        proxy.close()
        connection.close()


@pytest.fixture
def direct_postgres():
    """Open psycopg connections to the test database that go through no proxy (to hold a lock, say)."""
    import psycopg

    connection = connections["default"]
    opened: list[psycopg.Connection] = []

    def connect() -> psycopg.Connection:
        params = connection.get_connection_params()
        host, port = _real_postgres_address.get("default", (params.get("host"), params.get("port")))
        direct = psycopg.connect(**{**params, "host": host, "port": port}, autocommit=False)
        opened.append(direct)
        return direct

    yield connect
    for direct in opened:
        direct.close()


# --- running a request that may hang -------------------------------------------------------------


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None
    seconds: float = 0.0
    done: threading.Event = field(default_factory=threading.Event)


def in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, Outcome]:
    """Start `call` in a thread of its own (with its own database connection, closed when it ends)."""
    outcome = Outcome()

    def run() -> None:
        started = time.monotonic()
        try:
            outcome.value = call()
        except BaseException as error:  # handed to the test, which decides
            outcome.error = error
        finally:
            outcome.seconds = time.monotonic() - started
            connections.close_all()
            outcome.done.set()

    thread = threading.Thread(target=run, name="fault-request", daemon=True)
    thread.start()
    return thread, outcome


def answer_within(seconds: float, call: Callable[[], Any], *, unblock: Callable[[], None]) -> Outcome:
    """Run `call`; fail the test if it has not answered within `seconds` (then `unblock` frees it, and it is joined).

    The deadline is the test's own, not pytest-timeout's: a request stuck in a socket read
    is left behind cleanly, and the run goes on.
    """
    thread, outcome = in_thread(call)
    if not outcome.done.wait(seconds):
        unblock()
        thread.join(30)
        answered = getattr(outcome.value, "status_code", outcome.error)
        pytest.fail(f"no answer within {seconds:.0f} s: the request hung (freed, it ended with {answered!r})")
    thread.join()
    return outcome


# --- a recruiter about to reveal --------------------------------------------------------------------


@dataclass
class RevealSetup:
    client: Any
    job: Any
    resumes: list

    def reveal(self, resume, **extra):
        return self.client.post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": self.job.pk}, format="json", **extra)


@pytest.fixture
def reveals(transactional_db) -> RevealSetup:
    """A recruiter of a verified organisation, an open job, and six resumes nobody revealed yet."""
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    return RevealSetup(client=client_for(seat.user), job=job, resumes=[ResumeFactory() for _ in range(6)])


def assert_service_unavailable(response) -> None:
    assert response.status_code == 503, (response.status_code, response.content[:300])
    assert response.json()["code"] == "service_unavailable"
    assert int(response["Retry-After"]) > 0
