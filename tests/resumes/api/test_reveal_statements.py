"""What a reveal through the API costs in PostgreSQL statements: at most 5 for a charged one, 7 for a free re-reveal.

Counted from the token check to the last after-commit callback, in a real transaction (as a request
runs in production, not inside the test's own): BEGIN and COMMIT count, as every SAVEPOINT would.
A charged reveal's five go out in four round trips (tests/resumes/test_reveal_commit_with_writes.py).
The outbox hands the seeker's e-mail to a broker after commit, as in production, instead of
delivering it in-process as the test settings' eager Celery would: the delivery is a worker's
work, not the request's.
"""

import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outbox.tasks import deliver_outbox_message
from resumes.models import DirectContactGrant, RelayPreference
from tests.employers.conftest import client_for
from tests.resumes.factories import ResumeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _outbox_hands_over_to_a_broker():
    conf = deliver_outbox_message.app.conf
    eager = conf.task_always_eager
    conf.update(task_always_eager=False)
    yield
    conf.update(task_always_eager=eager)


STATEMENTS_PER_REVEAL = 5
STATEMENTS_PER_FREE_RE_REVEAL = 7
TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT"})


def reveal_counting_statements(client, resume, job, capture_on_commit) -> tuple:
    with CaptureQueriesContext(connection) as captured, capture_on_commit(execute=True):
        response = client.post(f"/api/v1/resumes/{resume.pk}/reveal", {"job_id": job.pk}, format="json")
    return response, [query["sql"] for query in captured.captured_queries]


def listed(statements: list[str]) -> str:
    return f"{len(statements)} statements:\n" + "\n".join(
        f"{number:>3}. {sql.strip()[:400]}" for number, sql in enumerate(statements, 1)
    )


def test_a_charged_reveal_takes_at_most_5_statements(seat, job, django_capture_on_commit_callbacks):
    resume = ResumeFactory()

    response, statements = reveal_counting_statements(
        client_for(seat.user), resume, job, django_capture_on_commit_callbacks
    )

    assert response.status_code == 200, response.json()
    assert response.json()["charged"] is True
    assert response.json()["quota"]["org_daily"]["used"] == 1
    assert len(statements) <= STATEMENTS_PER_REVEAL, listed(statements)


@pytest.mark.parametrize("contact", ["relay", "direct"])
def test_nothing_after_the_policy_statement_reads_the_resume_or_its_seeker_again(
    contact, seat, job, django_capture_on_commit_callbacks
):
    """The policy statement reads only the resume fields a reveal needs (and not the seeker's row): a later read of
    another field, or of the seeker, would cost one SELECT more on every reveal."""
    if contact == "direct":
        resume = ResumeFactory(relay_preference=RelayPreference.DIRECT_WHEN_APPROVED)
        DirectContactGrant.objects.create(resume=resume, organization=seat.organization)
    else:
        resume = ResumeFactory()

    response, statements = reveal_counting_statements(
        client_for(seat.user), resume, job, django_capture_on_commit_callbacks
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["contact"]["kind"], response.json()["charged"]) == (contact, True)
    reading_resume = [sql for sql in statements if sql.startswith('SELECT "resumes_resume"')]
    reading_user = [sql for sql in statements if sql.startswith('SELECT "accounts_user"')]
    assert (len(reading_resume), reading_user) == (1, []), listed(statements)
    # The token, BEGIN, the policy statement, the writes (the relay contact's issue among them) and COMMIT.
    assert len(statements) == STATEMENTS_PER_REVEAL, listed(statements)


def test_a_free_re_reveal_takes_at_most_7_statements(seat, job, django_capture_on_commit_callbacks):
    """No notice (the charged reveal before it told the seeker), so no look at the window for one either."""
    resume = ResumeFactory()
    client = client_for(seat.user)
    assert client.post(f"/api/v1/resumes/{resume.pk}/reveal", {"job_id": job.pk}, format="json").json()["charged"]

    response, statements = reveal_counting_statements(client, resume, job, django_capture_on_commit_callbacks)

    assert response.status_code == 200, response.json()
    assert response.json()["charged"] is False
    assert response.json()["quota"]["org_daily"]["used"] == 1
    assert len(statements) <= STATEMENTS_PER_FREE_RE_REVEAL, listed(statements)


def test_with_persistent_connections_the_policy_statement_is_prepared_once_per_session(
    seat, job, django_capture_on_commit_callbacks, monkeypatch
):
    """Production keeps sessions (CONN_MAX_AGE): without psycopg's own preparing (DB_PREPARE_THRESHOLD 0) the policy
    statement is PREPAREd once by CompiledQuery, then one EXECUTE per reveal."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)
    client = client_for(seat.user)
    first, second = ResumeFactory(), ResumeFactory()

    reveal_counting_statements(client, first, job, django_capture_on_commit_callbacks)
    response, statements = reveal_counting_statements(client, second, job, django_capture_on_commit_callbacks)

    assert response.status_code == 200, response.json()
    assert response.json()["charged"] is True
    assert [sql.split(" ", 1)[0] for sql in statements].count("EXECUTE") == 1, listed(statements)
    assert not any(sql.startswith("PREPARE") for sql in statements), listed(statements)
    assert len(statements) <= STATEMENTS_PER_REVEAL, listed(statements)


def test_where_psycopg_prepares_every_statement_of_a_reveal_is_prepared_after_two_reveals(
    seat, job, django_capture_on_commit_callbacks, monkeypatch
):
    """The default (DB_PREPARE_THRESHOLD 2, persistent sessions): from the third reveal on a connection, PostgreSQL
    plans none of the reveal's statements again."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 2
    client = client_for(seat.user)
    for resume in ResumeFactory.create_batch(2):
        reveal_counting_statements(client, resume, job, django_capture_on_commit_callbacks)
    resume, sent = ResumeFactory(), []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response, statements = reveal_counting_statements(client, resume, job, django_capture_on_commit_callbacks)

    assert response.json()["charged"] is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        prepared = {statement for (statement,) in cursor.fetchall()}
    assert len(sent) == len([sql for sql in statements if sql not in TRANSACTION_CONTROL]), listed(statements)
    assert [sql for sql in map(as_prepared, sent) if sql not in prepared] == [], listed(statements)


def as_prepared(sql: str) -> str:
    """The statement as psycopg prepares it: %s placeholders numbered $1, $2, ..., %% a single %.

    Named placeholders (%(name)s) are numbered by name in the order they first appear: one parameter each.
    """
    numbers, names = itertools.count(1), {}

    def numbered(mark: re.Match) -> str:
        if mark.group() == "%%":
            return "%"
        if mark.group() == "%s":
            return f"${next(numbers)}"
        return f"${names.setdefault(mark.group(1), len(names) + 1)}"

    return re.sub(r"%%|%s|%\((\w+)\)s", numbered, sql)


def test_psycopg_keeps_its_parse_of_every_statement_of_a_reveal(
    seat, job, django_capture_on_commit_callbacks, monkeypatch
):
    """The policy and write statements are longer than psycopg keeps by default (config.db.keep_long_statements_parsed):
    parsing their placeholders again on every reveal cost a third of a millisecond each."""
    from psycopg import _queries

    client = client_for(seat.user)
    reveal_counting_statements(client, ResumeFactory(), job, django_capture_on_commit_callbacks)
    parsed_again = []
    parse = _queries._query2pg_nocache
    monkeypatch.setattr(
        _queries, "_query2pg_nocache", lambda query, *args: parsed_again.append(query) or parse(query, *args)
    )

    response, statements = reveal_counting_statements(client, ResumeFactory(), job, django_capture_on_commit_callbacks)

    assert response.json()["charged"] is True
    assert len(statements) == STATEMENTS_PER_REVEAL and any(len(sql) > 4096 for sql in statements), listed(statements)
    assert parsed_again == []
