"""PostgreSQL cut after a reveal's COMMIT, stalled, or stuck behind a lock: a committed answer stays an answer,
and a wait is bounded by the configured timeouts and ends in 503, never in a hang.
"""

import pytest
from django.conf import settings as django_settings
from django.db import close_old_connections, connections

from audit.models import AuditEvent
from config.db import database_options
from resumes.models import Reveal
from tests.faults.conftest import FAULT_MARKERS, MARGIN_SECONDS, answer_within, assert_service_unavailable
from tests.faults.proxy import postgres_ready_for_query

pytestmark = [*FAULT_MARKERS, pytest.mark.timeout(180)]

# The bound used when a timeout is not configured at all (0 in PostgreSQL, no connect_timeout in psycopg):
# the test still fails then, by hanging past it, instead of hanging the run.
UNCONFIGURED_SECONDS = 10


@pytest.fixture
def short_lock_timeouts(settings):
    """Production's kind of bounds, shorter than the suite's generous ones (config/settings/test.py): quick tests."""
    settings.DB_LOCK_TIMEOUT_MS = 1_500
    settings.DB_STATEMENT_TIMEOUT_MS = 4_000
    database = connections["default"].settings_dict
    suites = database["OPTIONS"]
    # As config/db.py builds them at start-up; threads read this same dict when they connect.
    database["OPTIONS"] = database_options(django_settings)
    connections["default"].close()
    yield
    database["OPTIONS"] = suites
    connections["default"].close()


def session_timeout_seconds(name: str) -> float:
    """A PostgreSQL timeout (statement_timeout, lock_timeout) as a new application connection gets it; 0 if off."""
    connection = connections["default"]
    connection.close()  # a fresh session, set up as the application's are
    with connection.cursor() as cursor:
        cursor.execute("SELECT setting::float / 1000 FROM pg_settings WHERE name = %s", [name])
        (seconds,) = cursor.fetchone()
    connection.close()
    return seconds


def lock_wait_bound() -> float:
    """The longest a query may wait on a lock: lock_timeout, else statement_timeout, whichever binds first."""
    configured = [seconds for seconds in map(session_timeout_seconds, ("lock_timeout", "statement_timeout")) if seconds]
    return min(configured) if configured else UNCONFIGURED_SECONDS


def test_a_reveal_whose_commit_succeeded_is_answered_200_even_if_the_database_goes_right_after(postgres_proxy, reveals):
    # Given a reveal that commits, after which the database is gone (the connection cut, new ones refused)
    resume = reveals.resumes[0]
    postgres_proxy.cut_after_reply_to(b"COMMIT", reply_complete=postgres_ready_for_query)

    response = reveals.reveal(resume)

    # Then the client is told what happened: the reveal, not a 503 that says nothing was changed
    assert postgres_proxy.fired.is_set(), "no COMMIT went through the proxy"
    assert response.status_code == 200, (response.status_code, response.content[:300])
    # And it is what the database holds, once it is back
    postgres_proxy.pass_through()
    connections["default"].close()
    stored = Reveal.objects.get()
    assert response.json()["reveal_id"] == stored.pk
    assert stored.charged
    assert AuditEvent.objects.get(action="reveal.granted").details["reveal_id"] == stored.pk


def test_a_stalled_database_is_503_within_the_connect_timeout(postgres_proxy, reveals):
    # DB_CONNECT_TIMEOUT_S, as config/db.py hands it to psycopg
    configured = float(connections["default"].settings_dict["OPTIONS"].get("connect_timeout") or 0)
    bound = configured or UNCONFIGURED_SECONDS
    # Given a database that accepts connections and then says nothing, as a stopped server
    postgres_proxy.stall()

    outcome = answer_within(
        bound + MARGIN_SECONDS, lambda: reveals.reveal(reveals.resumes[0]), unblock=postgres_proxy.cut
    )

    assert configured, "DATABASES OPTIONS has no connect_timeout: a stalled database is waited for forever"
    assert outcome.error is None, outcome.error
    assert_service_unavailable(outcome.value)
    assert outcome.seconds <= bound + MARGIN_SECONDS
    postgres_proxy.pass_through()
    assert Reveal.objects.count() == 0


@pytest.mark.usefixtures("short_lock_timeouts")
def test_a_query_stuck_behind_a_lock_is_503_within_the_lock_timeout(reveals, direct_postgres):
    # Given a transaction that holds the users' table and does not finish (a stuck migration, a stuck operator)
    bound = lock_wait_bound()
    holder = direct_postgres()
    holder.execute("LOCK TABLE accounts_user IN ACCESS EXCLUSIVE MODE")

    outcome = answer_within(bound + MARGIN_SECONDS, lambda: reveals.reveal(reveals.resumes[0]), unblock=holder.rollback)

    holder.rollback()
    assert outcome.error is None, outcome.error
    assert_service_unavailable(outcome.value)
    assert outcome.seconds <= bound + MARGIN_SECONDS
    assert Reveal.objects.count() == 0


def test_a_transaction_stuck_on_the_audit_chain_head_makes_others_503_within_the_chain_lock_timeout(
    reveals, direct_postgres, settings
):
    # The head's own bound, shorter than every other lock wait (the suite's DB_LOCK_TIMEOUT_MS is 30 s): it is
    # this one that must end the wait.
    settings.AUDIT_CHAIN_LOCK_TIMEOUT_MS = 1_000
    bound = settings.AUDIT_CHAIN_LOCK_TIMEOUT_MS / 1000
    assert bound + MARGIN_SECONDS < lock_wait_bound()
    # Given a chain with a head (one reveal), and a transaction that holds the head and does not finish
    assert reveals.reveal(reveals.resumes[0]).status_code == 200
    holder = direct_postgres()
    holder.execute("SELECT seq FROM audit_auditchainhead FOR UPDATE")

    outcome = answer_within(bound + MARGIN_SECONDS, lambda: reveals.reveal(reveals.resumes[1]), unblock=holder.rollback)

    holder.rollback()
    # Then the next reveal is refused in bounded time, and nothing of it was kept: no charge, no event
    assert outcome.error is None, outcome.error
    assert_service_unavailable(outcome.value)
    assert outcome.seconds <= bound + MARGIN_SECONDS
    assert Reveal.objects.count() == 1
    assert AuditEvent.objects.filter(action="reveal.granted").count() == 1


def test_the_first_request_after_an_idle_persistent_connection_was_cut_succeeds(postgres_proxy, reveals):
    # Production keeps connections between requests (CONN_MAX_AGE); a firewall or a database restart drops
    # an idle one. Django checks it at the request's first query (CONN_HEALTH_CHECKS) and reconnects.
    database = connections["default"].settings_dict
    kept_for = database["CONN_MAX_AGE"]
    database["CONN_MAX_AGE"] = 60
    connections["default"].close()  # the next connection is opened to be kept
    try:
        assert reveals.reveal(reveals.resumes[0]).status_code == 200
        close_old_connections()  # what Django's handler does between requests; the test client skips it
        assert connections["default"].connection is not None, "the connection was not kept between requests"
        postgres_proxy.cut()

        close_old_connections()
        response = reveals.reveal(reveals.resumes[1])
    finally:
        database["CONN_MAX_AGE"] = kept_for

    assert response.status_code == 200, (response.status_code, response.content[:300])
    assert postgres_proxy.accepted >= 2, "no new connection was made: the cut connection was not replaced"
    assert Reveal.objects.count() == 2
