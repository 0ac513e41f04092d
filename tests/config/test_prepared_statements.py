"""A statement a connection runs again and again is prepared there (DB_PREPARE_THRESHOLD): PostgreSQL plans it once.

Behind PgBouncer in transaction mode a connection is not ours from one transaction to the next, so
production prepares nothing there (DATABASE_TRANSACTION_POOLING).
"""

import ast
import uuid

import pytest
from django.db import connection

from tests.config.test_settings import PRODUCTION_ENV, run_django

pytestmark = pytest.mark.postgres

SERVER_DATABASE = "postgres://hirewall@db.internal:5432/hirewall"
PRINT_OPTIONS = "from django.conf import settings\nprint(sorted(settings.DATABASES['default']['OPTIONS'].items()))"


def prepared_statements(cursor) -> list[str]:
    cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
    return [statement for (statement,) in cursor.fetchall()]


@pytest.mark.django_db
def test_a_statement_run_again_on_a_connection_is_prepared_there(settings):
    assert settings.DB_PREPARE_THRESHOLD == 2
    marker = f"probe-{uuid.uuid4().hex}"  # a statement this connection has never run
    probe = f"SELECT count(*) FROM django_migrations WHERE app = %s AND name <> '{marker}'"  # noqa: S608 (a uuid)
    with connection.cursor() as cursor:
        for app in ("resumes", "audit"):  # psycopg counts the runs before the threshold
            cursor.execute(probe, [app])
            assert not any(marker in statement for statement in prepared_statements(cursor))

        cursor.execute(probe, ["employers"])  # the third run, other values: the same statement, prepared
        assert cursor.fetchone()[0] > 0

        (statement,) = [statement for statement in prepared_statements(cursor) if marker in statement]
    # Bound on the server: the values are parameters of the prepared statement, not part of its text.
    assert statement == probe.replace("%s", "$1")


def options_under(**env: str) -> dict:
    result = run_django(PRINT_OPTIONS, **PRODUCTION_ENV, DATABASE_URL=SERVER_DATABASE, **env)
    assert result.returncode == 0, result.stderr
    return dict(ast.literal_eval(result.stdout.strip()))


def test_production_binds_on_the_server_and_prepares_after_two_runs():
    options = options_under()

    assert (options["server_side_binding"], options["prepare_threshold"]) == (True, 2)


def test_the_environment_sets_the_threshold_and_zero_turns_preparing_off():
    assert options_under(DB_PREPARE_THRESHOLD="5")["prepare_threshold"] == 5
    options = options_under(DB_PREPARE_THRESHOLD="0")
    assert "prepare_threshold" not in options
    assert "server_side_binding" not in options


def test_behind_pgbouncer_in_transaction_mode_nothing_is_prepared():
    options = options_under(DATABASE_TRANSACTION_POOLING="True")

    assert "prepare_threshold" not in options
    assert "server_side_binding" not in options
