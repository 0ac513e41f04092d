"""PostgreSQL's bounds on every connection, and what a request that meets one answers: 503, with nothing written."""

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection, connections, transaction
from rest_framework.test import APIClient

from accounts import crypto
from audit.chain import GENESIS_HASH
from audit.models import AuditChainHead, AuditEvent
from audit.services import CHAIN_HEAD_ID
from config.db import database_options, session_timeouts
from employers.models import QuotaCounter
from resumes.models import Notification, RelayContact, Reveal
from tests.config.error_views import WRITTEN_SESSION_KEY
from tests.config.test_settings import PRODUCTION_ENV, PROJECT_ROOT
from tests.employers.conftest import client_for
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.postgres

BOUNDS = ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")


def session_bounds(cursor) -> dict[str, int]:
    cursor.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(BOUNDS)])
    return {name: int(setting) for name, setting in cursor.fetchall()}


@pytest.mark.django_db
def test_the_suites_connections_carry_the_configured_bounds(settings):
    with connection.cursor() as cursor:
        bounds = session_bounds(cursor)

    assert bounds == session_timeouts(settings, profile="web")
    assert connection.connection.info.get_parameters()["connect_timeout"] == str(settings.DB_CONNECT_TIMEOUT_S)
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db
def test_the_connections_socket_gives_up_on_a_silent_database_host(settings):
    """TCP_USER_TIMEOUT and keepalives on the socket itself: a host gone from the network ends the wait."""
    with connection.cursor():
        session = connection.connection
    probe = socket.socket(fileno=os.dup(session.pgconn.socket))
    try:
        user_timeout = probe.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT)
        keepalive = probe.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
        idle = probe.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE)
    finally:
        probe.close()

    assert settings.DB_TCP_USER_TIMEOUT_MS > settings.DB_STATEMENT_TIMEOUT_MS
    assert (user_timeout, keepalive, idle) == (settings.DB_TCP_USER_TIMEOUT_MS, 1, 30)


# A fresh interpreter under production settings, connected to the test database, reports what
# its connection got: the defaults an operator gets, and what the environment changes.
REPORT_BOUNDS = """
from django.conf import settings
from django.db import connection
{before}
with connection.cursor() as cursor:
    cursor.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [{bounds!r}])
    bounds = dict(cursor.fetchall())
print(json.dumps({{
    "bounds": {{name: int(value) for name, value in bounds.items()}},
    "connect_timeout": connection.connection.info.get_parameters().get("connect_timeout"),
    "tcp_user_timeout": connection.connection.info.get_parameters().get("tcp_user_timeout"),
    "health_checks": settings.DATABASES["default"]["CONN_HEALTH_CHECKS"],
    "max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
}}))
"""


def database_url_of_the_tests() -> str:
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"


def production_bounds(*command: str, before: str = "", **env_overrides: str) -> dict:
    """Run REPORT_BOUNDS under production settings (through `command`, by default a bare interpreter)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DB_", "DJANGO_"))}
    env.update(PRODUCTION_ENV, DATABASE_URL=database_url_of_the_tests(), **env_overrides)
    code = "import json\n" + REPORT_BOUNDS.format(before=before, bounds=list(BOUNDS))
    if not command:
        command, code = (sys.executable, "-c"), f"import django\ndjango.setup()\n{code}"
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [*command, code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_production_defaults_are_well_under_the_worker_timeout():
    report = production_bounds()

    assert report["bounds"] == {
        "statement_timeout": 10_000,
        "lock_timeout": 5_000,
        "idle_in_transaction_session_timeout": 15_000,
    }
    assert report["connect_timeout"] == "5"
    assert report["tcp_user_timeout"] == "15000"
    assert report["health_checks"] is True
    assert report["max_age"] == 60
    # gunicorn's worker timeout (deploy/gunicorn.conf.py) is 30 s.
    assert max(report["bounds"].values()) < 30_000


@pytest.mark.django_db
def test_the_environment_sets_each_bound():
    report = production_bounds(
        DB_CONNECT_TIMEOUT_S="3",
        DB_STATEMENT_TIMEOUT_MS="1234",
        DB_LOCK_TIMEOUT_MS="567",
        DB_IDLE_IN_TRANSACTION_TIMEOUT_MS="8910",
        DB_TCP_USER_TIMEOUT_MS="7000",
    )

    assert report["bounds"] == {
        "statement_timeout": 1234,
        "lock_timeout": 567,
        "idle_in_transaction_session_timeout": 8910,
    }
    assert report["connect_timeout"] == "3"
    assert report["tcp_user_timeout"] == "7000"


BATCH_BOUNDS = {"statement_timeout": 0, "lock_timeout": 5_000, "idle_in_transaction_session_timeout": 300_000}


@pytest.mark.django_db
def test_management_commands_get_the_batch_bounds():
    """Migrations, detectors and rebuilds run statements longer than a web request may."""
    report = production_bounds(sys.executable, "manage.py", "shell", "-c")

    assert report["bounds"] == BATCH_BOUNDS


@pytest.mark.django_db
def test_a_starting_celery_worker_switches_to_the_batch_bounds():
    # The worker_init handler runs after the settings (and maybe a connection) exist.
    before = "from config.celery_app import use_batch_database_timeouts\nuse_batch_database_timeouts()"

    report = production_bounds(before=before)

    assert report["bounds"] == BATCH_BOUNDS


@pytest.fixture
def bounded_connection(settings, transactional_db):
    """Reconnect the test's connection (the test client's too) with the bounds a test gives, as settings build them."""
    database = connection.settings_dict
    original = database["OPTIONS"]

    def bound(**values: int) -> None:
        for name, value in values.items():
            setattr(settings, name, value)
        connection.close()
        database["OPTIONS"] = database_options(settings)

    yield bound
    connection.close()
    database["OPTIONS"] = original


def assert_unavailable(response, *, detail_says: str) -> None:
    # The code only: a body that is not a 503 may be a granted reveal, contact details and all.
    assert response.status_code == 503, response.json().get("code")
    body = response.json()
    assert body == {"code": "service_unavailable", "detail": body["detail"]}
    assert detail_says in body["detail"]
    assert int(response["Retry-After"]) >= 1


@pytest.mark.urls("tests.config.error_views")
@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("fault", "detail_says"),
    [
        ("statement-timeout", "in time"),
        ("idle-in-transaction", "not answering"),
        ("connection-lost", "not answering"),
    ],
)
def test_a_fault_inside_a_transaction_is_503_and_writes_nothing(bounded_connection, fault, detail_says):
    bounded_connection(DB_STATEMENT_TIMEOUT_MS=1_000, DB_IDLE_IN_TRANSACTION_TIMEOUT_MS=500)
    started = time.monotonic()

    response = APIClient().post(f"/api/v1/test/write-then/{fault}")

    assert_unavailable(response, detail_says=detail_says)
    assert time.monotonic() - started < 10
    # The next query finds a working connection, and not the row written before the fault.
    assert not Session.objects.filter(session_key=WRITTEN_SESSION_KEY).exists()


@pytest.fixture
def reveal_setup(transactional_db):
    """A recruiter's token client, an open job and a resume it may reveal, and what the database held before."""
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization)
    job = JobPostingFactory(organization=organization)
    resume = ResumeFactory()
    AuditChainHead.objects.get_or_create(pk=CHAIN_HEAD_ID, defaults={"seq": 0, "hash": GENESIS_HASH})
    return {
        "client": client_for(seat.user),
        "path": f"/api/v1/resumes/{resume.pk}/reveal",
        "body": {"job_id": job.pk},
        "events_before": AuditEvent.objects.count(),
        "head_before": AuditChainHead.objects.values_list("seq", "hash").get(pk=CHAIN_HEAD_ID),
    }


def assert_nothing_revealed(setup: dict) -> None:
    assert not Reveal.objects.exists()
    assert sum(QuotaCounter.objects.values_list("used", flat=True)) == 0
    assert not RelayContact.objects.exists()
    assert not Notification.objects.exists()
    assert AuditEvent.objects.count() == setup["events_before"]
    assert not AuditEvent.objects.filter(action__startswith="reveal.").exists()
    assert AuditChainHead.objects.values_list("seq", "hash").get(pk=CHAIN_HEAD_ID) == setup["head_before"]


@pytest.fixture
def slow_reveal_insert(transactional_db):
    """Every insert of a reveal first sleeps 30 s in the database: a stuck statement, wherever the reveal makes it."""
    table = Reveal._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_sleep_before_insert() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_slow_reveal BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION test_sleep_before_insert()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS test_slow_reveal ON {table}")
        cursor.execute("DROP FUNCTION IF EXISTS test_sleep_before_insert()")


@pytest.mark.timeout(120)
def test_a_reveal_past_the_statement_timeout_is_503_and_charges_nothing(
    reveal_setup, slow_reveal_insert, bounded_connection
):
    bounded_connection(DB_STATEMENT_TIMEOUT_MS=2_000)
    started = time.monotonic()

    response = reveal_setup["client"].post(reveal_setup["path"], reveal_setup["body"], format="json")

    assert_unavailable(response, detail_says="in time")
    assert time.monotonic() - started < 15
    assert_nothing_revealed(reveal_setup)


def hold_chain_head(*, locked: threading.Event, release: threading.Event, seconds: float) -> None:
    """Another connection takes the chain head, as a transaction stuck mid-append would, and keeps it."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT seq FROM audit_auditchainhead WHERE id = %s FOR UPDATE", [CHAIN_HEAD_ID])
            locked.set()
            release.wait(seconds)
    finally:
        connections.close_all()


@pytest.mark.timeout(120)
def test_a_reveal_behind_a_stuck_chain_head_is_503_within_the_chain_lock_timeout(reveal_setup, settings):
    # The general lock timeout of the test settings (30 s) is far longer: only the chain's own can answer in time.
    settings.AUDIT_CHAIN_LOCK_TIMEOUT_MS = 500
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_chain_head, kwargs={"locked": locked, "release": release, "seconds": 20})
    holder.start()
    assert locked.wait(timeout=30), "the holder did not get the chain head"
    try:
        started = time.monotonic()
        response = reveal_setup["client"].post(reveal_setup["path"], reveal_setup["body"], format="json")
        elapsed = time.monotonic() - started
    finally:
        release.set()
        holder.join(timeout=30)

    assert_unavailable(response, detail_says="in time")
    assert elapsed < 8
    assert_nothing_revealed(reveal_setup)


@pytest.mark.timeout(120)
def test_a_reveal_frozen_between_its_policy_read_and_its_write_is_cut_off_and_writes_nothing(
    reveal_setup, bounded_connection, monkeypatch
):
    """The resume's row, locked by the policy read, is freed by the idle-in-transaction bound, not by gunicorn.

    Found by review: a policy read sent in psycopg's pipeline mode (with its BEGIN) left PostgreSQL's idle timer
    stopped (psycopg ends pipeline mode with a Flush after the Sync), so the frozen worker kept the row and then
    committed a charged reveal. The freeze is at the decryption just before the write statement.
    """
    bounded_connection(DB_IDLE_IN_TRANSACTION_TIMEOUT_MS=300, DB_LOCK_TIMEOUT_MS=1_000)
    resume_id = reveal_setup["path"].split("/")[-2]
    real_decrypt = crypto.decrypt

    def frozen(ciphertext):
        time.sleep(2.0)
        return real_decrypt(ciphertext)

    other = {}

    def another_reveal_takes_the_resume_row() -> None:
        time.sleep(0.8)  # the frozen worker is well past the idle bound
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM resumes_resume WHERE id = %s FOR UPDATE", [resume_id])
                other["row"] = "taken"
        except OperationalError as error:
            other["row"] = type(error.__cause__).__name__
        finally:
            connections.close_all()

    monkeypatch.setattr(crypto, "decrypt", frozen)
    waiter = threading.Thread(target=another_reveal_takes_the_resume_row)
    waiter.start()
    try:
        response = reveal_setup["client"].post(reveal_setup["path"], reveal_setup["body"], format="json")
    finally:
        monkeypatch.setattr(crypto, "decrypt", real_decrypt)
        waiter.join(timeout=30)

    assert other["row"] == "taken"
    assert_unavailable(response, detail_says="not answering")
    assert_nothing_revealed(reveal_setup)
