"""config.compiled_query: a queryset compiled once, run with new values, refused when it cannot be compiled once."""

import datetime as dt
import re
import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import Exists, OuterRef
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.compiled_query import CompiledQuery, CompiledQueryError, Slot
from employers.models import JobPosting, Seat
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory

pytestmark = pytest.mark.django_db

USER = Slot(Seat._meta.get_field("user"), (uuid.UUID(int=1), uuid.UUID(int=2)))
TITLE = Slot(JobPosting._meta.get_field("title"), ("sentinel title one", "sentinel title two"))
SINCE = Slot(
    JobPosting._meta.get_field("created_at"),
    (dt.datetime(2001, 1, 1, tzinfo=dt.UTC), dt.datetime(2002, 1, 1, tzinfo=dt.UTC)),
)


def seats_with_a_job_titled(*, user, title):
    titled = JobPosting.objects.filter(organization=OuterRef("organization"), title=title)
    return Seat.objects.filter(user=user).annotate(has_job=Exists(titled)).select_related("organization")


def test_runs_give_what_the_queryset_gives_each_time_with_that_run_s_values():
    first_seat, second_seat = SeatFactory(organization=VerifiedOrganizationFactory()), SeatFactory()
    JobPostingFactory(organization=first_seat.organization, title="Backend engineer")
    query = CompiledQuery(seats_with_a_job_titled, user=USER, title=TITLE)

    for seat, title, has_job in [
        (first_seat, "Backend engineer", True),
        (second_seat, "Backend engineer", False),
        (first_seat, "Designer", False),
        (first_seat, "Backend engineer", True),
    ]:
        found = query.first(user=seat.user.pk, title=title)
        built = seats_with_a_job_titled(user=seat.user.pk, title=title).first()

        assert (
            (found.pk, found.user_id, found.has_job)
            == (built.pk, built.user_id, built.has_job)
            == (
                seat.pk,
                seat.user_id,
                has_job,
            )
        )
        assert found.organization.legal_name == seat.organization.legal_name  # select_related, no query
    assert query.first(user=uuid.uuid4(), title="Backend engineer") is None


def test_the_statement_is_compiled_once_per_database():
    query = CompiledQuery(seats_with_a_job_titled, user=USER, title=TITLE)
    compiled = query.compiled(using=connection.alias)

    query.first(user=uuid.uuid4(), title="x")

    assert query.compiled(using=connection.alias) is compiled
    assert {name for _, name in compiled.positions} == {"title", "user"}


def test_a_value_the_builder_computes_itself_is_refused_not_frozen_into_the_statement():
    def recent_seats(*, user):
        return Seat.objects.filter(user=user, organization__created_at__gte=timezone.now())

    with pytest.raises(CompiledQueryError, match="neither a constant nor one slot"):
        CompiledQuery(recent_seats, user=USER).compiled()


def test_a_slot_transformed_before_it_reaches_the_statement_is_refused():
    def titled(*, title):
        return JobPosting.objects.filter(title=title.upper())

    with pytest.raises(CompiledQueryError):
        CompiledQuery(titled, title=TITLE).compiled()


def test_a_slot_that_never_reaches_the_statement_is_refused():
    def any_seat(*, user, title):
        return Seat.objects.filter(user=user)

    with pytest.raises(CompiledQueryError, match=r"\['title'\] do not reach"):
        CompiledQuery(any_seat, user=USER, title=TITLE).compiled()


def test_values_must_name_every_slot_and_nothing_else():
    query = CompiledQuery(seats_with_a_job_titled, user=USER, title=TITLE)

    with pytest.raises(TypeError):
        query.first(user=uuid.uuid4())
    with pytest.raises(TypeError):
        query.first(user=uuid.uuid4(), title="x", since=timezone.now())


def test_a_datetime_slot_is_prepared_as_a_filter_prepares_it():
    job = JobPostingFactory()
    query = CompiledQuery(lambda *, since: JobPosting.objects.filter(created_at__gte=since), since=SINCE)

    assert [found.pk for found in query.instances(since=job.created_at)] == [job.pk]
    assert query.instances(since=job.created_at + dt.timedelta(microseconds=1)) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_locking_statement_runs_only_in_a_transaction_as_the_orm_requires():
    query = CompiledQuery(lambda *, user: Seat.objects.filter(user=user).select_for_update(), user=USER)
    with transaction.atomic():
        assert query.compiled().locks
        assert "FOR UPDATE" in query.compiled().sql

    with pytest.raises(TransactionManagementError):
        query.first(user=uuid.uuid4())


@pytest.fixture
def persistent_connection(monkeypatch):
    """As in production (CONN_MAX_AGE 60): the database session outlives the request; psycopg prepares nothing
    itself (DB_PREPARE_THRESHOLD 0), so the statement is prepared by CompiledQuery."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)


@pytest.fixture
def psycopg_prepares(monkeypatch):
    """As in production by default (CONN_MAX_AGE 60, DB_PREPARE_THRESHOLD 2): psycopg prepares repeated statements."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", 2)
    monkeypatch.setattr(connection.connection, "cursor_factory", ServerBindingCursor)


def prepared_by_psycopg() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [statement for (statement,) in cursor.fetchall()]


@pytest.mark.postgres
def test_where_psycopg_prepares_statements_the_statement_is_sent_whole_and_psycopg_prepares_it(psycopg_prepares):
    seat = SeatFactory()
    query = CompiledQuery(seats_with_a_job_titled, user=USER, title=TITLE)

    with CaptureQueriesContext(connection) as captured:
        found = [query.first(user=seat.user.pk, title=title) for title in ("a", "b", "c")]

    assert [entry["sql"].split(" ", 1)[0] for entry in captured.captured_queries] == ["SELECT"] * 3
    assert [row.pk for row in found] == [seat.pk] * 3
    # The constants are literals and each slot is one parameter, whatever the number of its places.
    named = query.compiled().named
    numbers = {}
    prepared_text = re.sub(r"%\((\w+)\)s", lambda slot: f"${numbers.setdefault(slot[1], len(numbers) + 1)}", named)
    assert numbers.keys() == {"user", "title"}
    assert prepared_text in prepared_by_psycopg()
    assert "%s" not in named


@pytest.mark.postgres
def test_sent_whole_the_statement_carries_its_constants_as_literals_and_each_slot_once(psycopg_prepares):
    """The policy statement has 50 parameters, 37 of them constants: psycopg dumps each one, in Python, every run."""
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    JobPostingFactory(organization=seat.organization, title="Backend engineer")
    other = SeatFactory(organization=VerifiedOrganizationFactory())
    JobPostingFactory(organization=other.organization, title="100% remote")

    def built(*, user, title, since):
        titled = JobPosting.objects.filter(organization=OuterRef("organization"), title=title, created_at__gte=since)
        percent = JobPosting.objects.filter(organization=OuterRef("organization"), title__startswith="100%")
        return (
            Seat.objects.filter(user=user, organization__status="verified")
            .annotate(has_job=Exists(titled), all_remote=Exists(percent))
            .filter(user__in=[user])
        )

    query = CompiledQuery(built, user=USER, title=TITLE, since=SINCE)
    long_ago = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

    with CaptureQueriesContext(connection) as captured:
        found = query.first(user=seat.user.pk, title="Backend engineer", since=long_ago)

    assert len(captured) == 1
    assert (found.pk, found.has_job, found.all_remote) == (seat.pk, True, False)
    assert query.first(user=seat.user.pk, title="Designer", since=long_ago).has_job is False
    assert query.first(user=seat.user.pk, title="Backend engineer", since=timezone.now()).has_job is False
    assert query.first(user=other.user.pk, title="Designer", since=long_ago).all_remote is True  # "%" survives
    named = query.compiled().named
    assert "'verified'" in named and "%s" not in named
    assert query.compiled().sql.count("%s") == 8  # 4 constants, and the slots in 4 places
    assert sorted(re.findall(r"%\((\w+)\)s", named)) == ["since", "title", "user", "user"]
    assert prepared_parameter_types("all_remote") == [["timestamp with time zone", "text", "uuid"]]  # one a slot


def prepared_parameter_types(naming: str) -> list[list[str]]:
    """The parameter types of each statement psycopg prepared whose text holds `naming`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT parameter_types::text[] FROM pg_prepared_statements"
            " WHERE NOT from_sql AND strpos(statement, %s) > 0",
            [naming],
        )
        return [types for (types,) in cursor.fetchall()]


@pytest.mark.postgres
def test_where_psycopg_prepares_statements_a_savepoint_rollback_does_not_break_the_next_run(psycopg_prepares):
    """psycopg deallocates every prepared statement of the session after a rollback: a PREPARE of CompiledQuery's own
    would be gone, and the next reveal on that worker would fail."""
    seat = SeatFactory()
    query = CompiledQuery(seats_with_a_job_titled, user=USER, title=TITLE)
    for title in ("a", "b", "c"):
        query.first(user=seat.user.pk, title=title)
        Seat.objects.filter(pk=seat.pk).exists()  # as a request would: psycopg prepares the ORM's statements too
    with pytest.raises(RuntimeError), transaction.atomic():
        query.first(user=seat.user.pk, title="d")
        raise RuntimeError("roll back to the savepoint")

    assert query.first(user=seat.user.pk, title="e").pk == seat.pk


@pytest.mark.postgres
def test_with_persistent_connections_postgresql_prepares_the_statement_once_per_session(persistent_connection):
    first_seat = SeatFactory(organization=VerifiedOrganizationFactory())
    JobPostingFactory(organization=first_seat.organization, title="Backend engineer")
    second_seat = SeatFactory()
    query = CompiledQuery(seats_with_a_job_titled, user=USER, title=TITLE)

    with CaptureQueriesContext(connection) as captured:
        found = [
            query.first(user=seat.user.pk, title=title)
            for seat, title in [(first_seat, "Backend engineer"), (second_seat, "Backend engineer"), (first_seat, "x")]
        ]

    statements = [entry["sql"].split(" ", 1)[0] for entry in captured.captured_queries]
    assert statements == ["PREPARE", "EXECUTE", "EXECUTE", "EXECUTE"]
    assert [(seat.pk, seat.has_job) for seat in found] == [
        (first_seat.pk, True),
        (second_seat.pk, False),
        (first_seat.pk, False),
    ]
    assert found[0].organization.legal_name == first_seat.organization.legal_name


@pytest.mark.postgres
def test_a_prepared_statement_survives_a_rollback(persistent_connection):
    seat = SeatFactory()
    query = CompiledQuery(seats_with_a_job_titled, user=USER, title=TITLE)
    with pytest.raises(RuntimeError), transaction.atomic():
        query.first(user=seat.user.pk, title="x")
        raise RuntimeError("roll back")

    with CaptureQueriesContext(connection) as captured:
        assert query.first(user=seat.user.pk, title="x").pk == seat.pk

    assert [entry["sql"].split(" ", 1)[0] for entry in captured.captured_queries] == ["EXECUTE"]


@pytest.mark.postgres
def test_behind_transaction_pooling_the_statement_is_sent_whole(persistent_connection, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    seat = SeatFactory()
    query = CompiledQuery(seats_with_a_job_titled, user=USER, title=TITLE)

    with CaptureQueriesContext(connection) as captured:
        assert query.first(user=seat.user.pk, title="x").pk == seat.pk

    assert [entry["sql"].split(" ", 1)[0] for entry in captured.captured_queries] == ["SELECT"]


@pytest.mark.postgres
def test_constants_with_quotes_and_percent_signs_reach_the_prepared_statement_intact(persistent_connection):
    job = JobPostingFactory(title="100% O'Brien's job")

    def titled(*, since):
        return JobPosting.objects.filter(title="100% O'Brien's job", created_at__gte=since, description__contains="%")

    JobPosting.objects.filter(pk=job.pk).update(description="50% remote")
    query = CompiledQuery(titled, since=SINCE)

    assert [found.pk for found in query.instances(since=job.created_at)] == [job.pk]
    assert query.compiled().prepare_as.startswith("(timestamp with time zone) AS ")


@pytest.mark.postgres
def test_a_prepared_statement_a_schema_change_broke_is_prepared_again_on_the_next_run(persistent_connection):
    """A migration that changes a read column's type (even varchar(200) to varchar(300)) leaves the session's
    prepared statement failing for good ("cached plan must not change result type"): with CONN_MAX_AGE 60
    every reveal on that worker would answer 500 until the connection is recycled. The run that meets it
    fails like any statement during a migration; the next one prepares the statement again.
    """
    seat = SeatFactory()
    query = CompiledQuery(seats_with_a_job_titled, user=USER, title=TITLE)
    assert query.first(user=seat.user.pk, title="x").pk == seat.pk
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the factories' rows: no trigger event may be pending
        cursor.execute("ALTER TABLE employers_organization ALTER COLUMN legal_name TYPE text")

    with pytest.raises(DatabaseError), transaction.atomic():
        query.first(user=seat.user.pk, title="x")

    with CaptureQueriesContext(connection) as captured:
        assert query.first(user=seat.user.pk, title="x").pk == seat.pk
    assert [entry["sql"].split(" ", 1)[0] for entry in captured.captured_queries] == ["PREPARE", "EXECUTE"]


@pytest.mark.postgres
def test_a_prepared_statement_deallocated_under_the_process_is_prepared_again_on_the_next_run(persistent_connection):
    seat = SeatFactory()
    query = CompiledQuery(seats_with_a_job_titled, user=USER, title=TITLE)
    assert query.first(user=seat.user.pk, title="x").pk == seat.pk
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")

    with pytest.raises(DatabaseError), transaction.atomic():
        query.first(user=seat.user.pk, title="x")

    assert query.first(user=seat.user.pk, title="x").pk == seat.pk


@pytest.mark.postgres
def test_a_null_value_runs_the_prepared_statement_with_server_side_binding_too(persistent_connection, monkeypatch):
    """DATABASE_URL's options reach OPTIONS, so "?server_side_binding=true" is a deployment's choice: then the
    EXECUTE's values are sent as parameters, and a NULL one (a job id beyond any key becomes None) has no type
    PostgreSQL can infer from "EXECUTE name($1)"."""
    seat = SeatFactory()
    query = CompiledQuery(seats_with_a_job_titled, user=USER, title=TITLE)
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "cursor_factory", ServerBindingCursor)

    assert query.first(user=None, title="x") is None
    assert query.first(user=seat.user.pk, title=None).pk == seat.pk
