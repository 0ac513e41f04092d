"""Per-connection PostgreSQL timeouts: bounds on connecting, on a statement, a lock wait and an idle transaction.

A stuck or stalled database must not hold a web worker until gunicorn kills it: each bound ends
the wait with an error, the transaction rolls back, and the API answers 503 with nothing
written (config/errors.py). The bounds travel in the connection's startup packet (libpq's
`options`), so they cost no round trip and hold from the connection's first statement.

Two profiles (settings DB_TIMEOUT_PROFILE, "web" by default):
- "web": gunicorn, runserver and the test suite. Statements and lock waits end well before
  gunicorn's worker timeout (deploy/gunicorn.conf.py), so the client gets a JSON 503, not a dropped
  connection.
- "batch": management commands (manage.py picks it for everything but runserver) and Celery
  workers (config/celery_app.py switches to it when a worker starts). Migrations, detectors,
  simulate_traffic, rebuild_resume_search_text and the like legitimately run statements longer
  than any web request; they get their own statement and idle-in-transaction bounds
  (DB_BATCH_*), while Celery's task time limits and the operator at the terminal bound the whole
  run. Lock waits keep the web bound in both profiles: a batch job queued behind a stuck lock
  would queue every web request behind itself (ACCESS EXCLUSIVE in a migration, row locks in a
  job), and a failed run is simply run again.
Backups are pg_dump's own connection and do not go through Django.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ImproperlyConfigured

WEB = "web"
BATCH = "batch"
PROFILES = (WEB, BATCH)
POSTGRESQL_ENGINE = "django.db.backends.postgresql"


def session_timeouts(conf: Any, *, profile: str) -> dict[str, int]:
    """PostgreSQL's own parameters, in milliseconds (0 = no bound), for a profile, read from settings.

    `conf` is django.conf.settings, or a settings module while it is being read.
    """
    if profile == WEB:
        statement, idle = conf.DB_STATEMENT_TIMEOUT_MS, conf.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS
    elif profile == BATCH:
        statement, idle = conf.DB_BATCH_STATEMENT_TIMEOUT_MS, conf.DB_BATCH_IDLE_IN_TRANSACTION_TIMEOUT_MS
    else:
        raise ImproperlyConfigured(f"DB_TIMEOUT_PROFILE must be one of {', '.join(PROFILES)}, not {profile!r}.")
    return {
        "statement_timeout": int(statement),
        "lock_timeout": int(conf.DB_LOCK_TIMEOUT_MS),
        "idle_in_transaction_session_timeout": int(idle),
    }


def connection_options(
    *,
    url_options: Mapping[str, Any],
    connect_timeout_s: int,
    timeouts: Mapping[str, int] | None,
    prepare_threshold: int | None = None,
    tcp_user_timeout_ms: int = 0,
) -> dict[str, Any]:
    """OPTIONS of a PostgreSQL entry of DATABASES: the connect timeout and the session bounds, then DATABASE_URL's own.

    What DATABASE_URL's query string says comes last and wins (PostgreSQL takes the last `-c` of a
    parameter). `timeouts` None sends no session parameters (behind PgBouncer, see production.py).
    `prepare_threshold` N binds parameters on the server and prepares a statement once a connection
    has run it N times (psycopg's prepared statements); None binds on the client and never prepares.
    `tcp_user_timeout_ms` bounds how long the client waits for the server to acknowledge what it
    sent, and TCP keepalives probe an idle connection: a database host that vanished from the
    network (no reset, no answer) ends the wait with an error instead of hanging the worker, where
    the server-side bounds cannot help. 0 leaves the kernel's defaults.
    """
    prepared = {"server_side_binding": True, "prepare_threshold": prepare_threshold} if prepare_threshold else {}
    network = (
        {
            "tcp_user_timeout": tcp_user_timeout_ms,
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 5,
            "keepalives_count": 3,
        }
        if tcp_user_timeout_ms
        else {}
    )
    options = {"connect_timeout": connect_timeout_s, **network, **prepared, **url_options}
    ours = " ".join(f"-c {name}={value}" for name, value in (timeouts or {}).items())
    combined = " ".join(part for part in (ours, url_options.get("options", "")) if part)
    if combined:
        options["options"] = combined
    return options


def database_options(conf: Any, *, profile: str | None = None) -> dict[str, Any]:
    """The default database's OPTIONS under `conf`'s settings (and `profile`, by default DB_TIMEOUT_PROFILE)."""
    timeouts = session_timeouts(conf, profile=profile or conf.DB_TIMEOUT_PROFILE)
    return connection_options(
        url_options=conf.DATABASE_URL_OPTIONS,
        connect_timeout_s=conf.DB_CONNECT_TIMEOUT_S,
        timeouts=timeouts if conf.DB_SEND_SESSION_TIMEOUTS else None,
        prepare_threshold=conf.DB_PREPARE_THRESHOLD,
        tcp_user_timeout_ms=conf.DB_TCP_USER_TIMEOUT_MS,
    )


def use_timeout_profile(profile: str) -> None:
    """Give this process's future connections the bounds of `profile` (a Celery worker starting: "batch").

    Connections already open keep theirs, so they are closed; Django opens new ones on demand.
    SQLite has no such bounds; behind PgBouncer none are sent (DB_SEND_SESSION_TIMEOUTS).
    """
    from django.conf import settings
    from django.db import connections

    database = settings.DATABASES["default"]
    session_timeouts(settings, profile=profile)  # refuses an unknown profile
    settings.DB_TIMEOUT_PROFILE = profile
    if database["ENGINE"] != POSTGRESQL_ENGINE:
        return
    # Django's connection objects share this dict (ConnectionHandler hands out the settings' own entry).
    database["OPTIONS"] = database_options(settings, profile=profile)
    connections.close_all()


# psycopg parses a statement's %s placeholders on every execute, unless the statement is at most 4,096
# characters long and has at most 50 values: then it keeps the parse (an LRU of 128 statements). The
# reveal's policy statement (4.6k characters) and its write statement (69 values) are over those bounds,
# and the parse is a regular expression over the whole text: about 0.3 ms of CPU each, on every reveal.
# These bounds let them be kept. A kept parse holds about the statement's text, so a process holds at
# most about 2 MB of them; statements whose text varies with their data can still push the reveal's
# out of the LRU, which costs the parse again, nothing else.
PSYCOPG_CACHED_STATEMENT_LENGTH = 8_192
PSYCOPG_CACHED_STATEMENT_PARAMS = 128


def keep_long_statements_parsed() -> bool:
    """Raise psycopg's bounds on the statements whose parse it keeps; False if this psycopg has none to raise."""
    try:
        from psycopg import _queries
    except ImportError:
        return False
    if not hasattr(_queries, "MAX_CACHED_STATEMENT_LENGTH") or not hasattr(_queries, "MAX_CACHED_STATEMENT_PARAMS"):
        return False
    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, PSYCOPG_CACHED_STATEMENT_LENGTH)
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, PSYCOPG_CACHED_STATEMENT_PARAMS)
    return True


@contextmanager
def sent_together(connection) -> Iterator[None]:
    """PostgreSQL: what the block executes goes to the server together and comes back in one round trip.

    psycopg's pipeline mode: each execute is queued, and the block's end sends them with one Sync and
    reads every result, so a fetch belongs after the block (one inside would cost a round trip of its
    own). An error in any of them is raised at the block's end, as Django raises it (OperationalError,
    IntegrityError, ...), and the server skips what was queued after it.

    Only for a block that ends its transaction (a write and its COMMIT): psycopg ends pipeline mode with
    a Flush after the Sync, and PostgreSQL's idle-in-transaction timer then stays stopped until the next
    statement, so a transaction left open after the block would hold its locks past that bound.
    """
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


@contextmanager
def planned_for_their_values(connection) -> Iterator[None]:
    """PostgreSQL: the statements the block runs are never prepared by psycopg, so each is planned for its values.

    A prepared statement (psycopg prepares one after DB_PREPARE_THRESHOLD runs on a connection) may be
    planned once for any values, when PostgreSQL's plan cache finds that generic plan no dearer than the
    plans it made so far. For a filter whose values are skewed (a rare action in the audit log, a quiet
    organisation's newest reveals) that plan walks a whole table by its newest-first index: seconds at
    millions of rows (BENCHMARKS.md, "Reads that grow with the platform"). No round trip: psycopg's own
    setting on this connection, put back after the block. Statements outside keep their preparing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    session = connection.connection
    threshold = session.prepare_threshold
    session.prepare_threshold = None
    try:
        yield
    finally:
        session.prepare_threshold = threshold
