"""Querysets compiled to SQL once per process and database, then run with each call's values as parameters.

Why: on a hot path a queryset with many annotations (the reveal's policy statement: nine
EXISTS/Subquery annotations) costs more Python to build, resolve and compile on every request
than PostgreSQL spends running it. The ORM stays the one description of the query (the rules it
is built from, resumes.access, are not copied into SQL by hand); only the building is done once.

How: `CompiledQuery(build, **slots)` calls `build` with each slot's first sentinel value and
compiles the queryset for the connection's alias; then again with the second sentinels. The
two compilations must give the same SQL, and every parameter must either hold a slot's
sentinel in both (a slot position) or be the same constant in both; every slot must appear.
Anything else (a value inlined into the SQL text, a value the builder computes itself such as
`timezone.now()`, a slot's value transformed before it becomes a parameter) fails the compile
with CompiledQueryError instead of being frozen into the statement. A value the builder computes
that comes out the same in both compilations (today's date) cannot be told from a constant: a
builder takes every value that varies as a slot. A run prepares each value
with its slot's field (`get_db_prep_value`, as a filter on that field does), puts it in every
position of its slot, executes on the current connection's cursor (query logging, timeouts and
error wrapping apply as to any ORM query) and builds instances the way Django's ModelIterable
does: model fields, `select_related` objects and annotations, through the same converters.

The compiled form is kept per alias. It holds no connection state: the converters and the
column map read only the backend's operations and features, and each run uses the calling
thread's own connection.

On PostgreSQL with persistent connections (CONN_MAX_AGE not 0, no transaction pooling), the
statement is also a server-side prepared statement of each database session (PREPARE once per
session, then EXECUTE with the slots' values): PostgreSQL then plans it once instead of on every
run, which for a statement of many subqueries costs more than running it. The constants are
written into the prepared text as literals (psycopg's own quoting), the slots are its typed
parameters. Behind PgBouncer in transaction mode (DISABLE_SERVER_SIDE_CURSORS, CONN_MAX_AGE 0)
a session is not this client's to keep, and the statement is sent whole each time. Where psycopg
prepares repeated statements itself (server-side binding with a prepare threshold, the default:
DB_PREPARE_THRESHOLD), the statement is sent whole too, and psycopg prepares it like any other.
Sent whole on PostgreSQL, it is the same text: constants as literals, each slot once, by name.
"""

import dataclasses
import re
import threading
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, NotSupportedError, ProgrammingError, connections
from django.db.models import Field, Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError


class CompiledQueryError(Exception):
    """The queryset cannot be run from one compiled statement with these slots."""


@dataclass(frozen=True)
class Slot:
    """A value the caller passes on each run, prepared for the database as a filter on `field` prepares it.

    `sentinels`: two distinct values of the field's type, used only to compile and check the
    statement; a real value may equal one of them.
    """

    field: Field
    sentinels: tuple[Any, Any]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple  # the constants, with None where a slot goes
    positions: tuple[tuple[int, str], ...]  # (parameter index, slot name)
    locks: bool  # SELECT ... FOR UPDATE: only inside a transaction
    model: type[Model]
    fields_start: int
    fields_end: int
    init_list: tuple[str, ...]
    related_populators: tuple
    annotation_col_map: dict[str, int]
    converters: tuple[tuple[int, tuple, Any], ...]  # (column, converters, expression)
    prepare_as: str = ""  # PostgreSQL: "(types) AS <statement with $1..$n for the slots>"
    # PostgreSQL: the statement with the constants as literals and slot k as %(k)s, run with the slots' values
    named: str = ""


class CompiledQuery:
    """A queryset of `build(**slot values)`, compiled once per database alias and run with new values."""

    def __init__(self, build: Callable[..., QuerySet], **slots: Slot) -> None:
        self._build = build
        self._slots = slots
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()
        # PostgreSQL sessions (psycopg connections) that hold the prepared statement, with its name there.
        self._prepared_in: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def instances(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[Model]:
        """The model instances the queryset built with `values` would give, from the compiled statement."""
        self._check_names(values)
        connection = connections[using]
        compiled = self.compiled(using=using)
        if compiled.locks and connection.get_autocommit():
            # As the ORM refuses it: outside a transaction the lock would end with the statement.
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        with connection.cursor() as cursor:
            if compiled.prepare_as and _keeps_sessions(connection) and not _psycopg_prepares(connection):
                name = self._prepared_name(compiled, cursor, connection)
                prepared = self._prepared(values, connection)
                # The values as literals (psycopg's quoting, as the default client-side binding sends them):
                # with server-side binding ("?server_side_binding=true" in DATABASE_URL) a NULL or text
                # parameter of EXECUTE has no type PostgreSQL can infer, and the run would fail.
                placeholders = ", ".join(["%s"] * len(self._slots))
                execute = connection.ops.compose_sql(
                    f"EXECUTE {name}({placeholders})", [prepared[slot] for slot in self._slots]
                )
                try:
                    cursor.execute(execute)
                except (NotSupportedError, ProgrammingError) as error:
                    if _sqlstate(error) in STALE_PREPARED:
                        # Gone (DEALLOCATE, DISCARD) or broken for good by a schema change: this run fails
                        # like any statement during a migration, the next one PREPAREs it again.
                        self._prepared_in.pop(connection.connection, None)
                    raise
            elif compiled.named:
                cursor.execute(compiled.named, self._prepared(values, connection))
            else:
                cursor.execute(*self.sql_with_params(using=using, **values))
            rows = cursor.fetchall()
        return [_instance(compiled, row, connection, using) for row in rows]

    def bind(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> "BoundQuery":
        """The statement with these values, to run (`exists`) or to embed in a larger statement (`sql_with_params`)."""
        self._check_names(values)
        return BoundQuery(query=self, using=using, values=values)

    def sql_with_params(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> tuple[str, list]:
        """The statement's SQL and these values as its parameters (the whole statement, never the prepared one)."""
        self._check_names(values)
        compiled = self.compiled(using=using)
        prepared = self._prepared(values, connections[using])
        params = list(compiled.params)
        for index, slot in compiled.positions:
            params[index] = prepared[slot]
        return compiled.sql, params

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> Model | None:
        """The first instance, or None (build a queryset sliced to one row: this does not add the LIMIT)."""
        found = self.instances(using=using, **values)
        return found[0] if found else None

    def compiled(self, *, using: str = DEFAULT_DB_ALIAS) -> _Compiled:
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(using) or self._compile(using)
                self._compiled[using] = compiled
        return compiled

    def _check_names(self, values: dict[str, Any]) -> None:
        if set(values) != set(self._slots):
            raise TypeError(f"expected values for {sorted(self._slots)}, got {sorted(values)}")

    def _prepared_name(self, compiled: _Compiled, cursor, connection) -> str:
        """The statement's name in this session, PREPAREd first if this session has not got it yet."""
        session = connection.connection
        name = self._prepared_in.get(session)
        if name is None:
            # A name of this session's own: a server session a pooler hands on keeps nothing it could clash with.
            name = f"hw_compiled_{uuid.uuid4().hex}"
            cursor.execute(f"PREPARE {name} {compiled.prepare_as}", [])
            self._prepared_in[session] = name
        return name

    def _prepared(self, values: dict[str, Any], connection) -> dict[str, Any]:
        """Each slot's value as the database gets it, as a filter on the slot's field prepares it."""
        return {
            name: slot.field.get_db_prep_value(values[name], connection, prepared=False)
            for name, slot in self._slots.items()
        }

    def _compile(self, using: str) -> _Compiled:
        connection = connections[using]
        first, second = ({name: slot.sentinels[n] for name, slot in self._slots.items()} for n in (0, 1))
        compiler, sql, params = _compiled_sql(self._build(**first), using)
        _, other_sql, other_params = _compiled_sql(self._build(**second), using)
        if sql != other_sql or len(params) != len(other_params):
            raise CompiledQueryError("the SQL text depends on the slots' values: it cannot be compiled once")
        marks = [self._prepared(sentinels, connection) for sentinels in (first, second)]
        positions, constants = [], []
        for index, (value, other) in enumerate(zip(params, other_params, strict=True)):
            slot = _slot_holding(value, marks[0])
            if slot is not None and _same(other, marks[1][slot]):
                positions.append((index, slot))
                constants.append(None)
            elif slot is None and _slot_holding(other, marks[1]) is None and _same(value, other):
                constants.append(value)
            else:
                raise CompiledQueryError(
                    f"parameter {index} is neither a constant nor one slot's value in both compilations"
                )
        missing = set(self._slots) - {name for _, name in positions}
        if missing:
            raise CompiledQueryError(f"slots {sorted(missing)} do not reach the statement as parameters")
        compiled = _layout(compiler, sql=sql, params=tuple(constants), positions=tuple(positions), using=using)
        if connection.vendor == "postgresql":
            numbers = {name: number for number, name in enumerate(self._slots, 1)}
            types = ", ".join(slot.field.db_type(connection) for slot in self._slots.values())
            compiled = dataclasses.replace(
                compiled,
                prepare_as=f"({types}) AS {_with_literals(compiled, connection, lambda name: f'${numbers[name]}')}",
                named=_with_literals(compiled, connection, lambda name: f"%({name})s"),
            )
        return compiled


@dataclass(frozen=True)
class BoundQuery:
    """A compiled query with one call's values: what a QuerySet offers a caller that only runs or embeds it."""

    query: CompiledQuery
    using: str
    values: dict[str, Any]

    def exists(self) -> bool:
        return bool(self.query.instances(using=self.using, **self.values))

    def sql_with_params(self) -> tuple[str, list]:
        return self.query.sql_with_params(using=self.using, **self.values)


# A DB-API placeholder, or an escaped percent sign (kept as it is).
PLACEHOLDERS = re.compile(r"(%%|%s)")


def _with_literals(compiled: _Compiled, connection, slot_text: Callable[[str], str]) -> str:
    """The statement with each constant as a literal (psycopg's quoting) and each slot's place as `slot_text(name)`.

    Why the named form runs instead of the positional one: psycopg dumps every parameter in Python on every
    run, and converts a long statement's placeholders anew each time (it caches that only for short ones).
    The policy statement has 50 parameters, 37 of them constants and 13 the places of 4 slots: named, it
    sends 4, and converting it costs a sixth of what it did. A slot is then one parameter everywhere it
    appears: PostgreSQL gives it one type, so a slot must only meet columns of one type (a None or str value
    beside a uuid and a text column would fail as "inconsistent types deduced"). Give each use its own slot.
    """
    slot_at = dict(compiled.positions)
    pieces, index = [], 0
    for piece in PLACEHOLDERS.split(compiled.sql):
        if piece == "%s":
            if index in slot_at:
                pieces.append(slot_text(slot_at[index]))
            else:
                literal = connection.ops.compose_sql("%s", [compiled.params[index]])
                pieces.append(literal.replace("%", "%%"))  # the statement is sent with parameters too
            index += 1
        else:
            pieces.append(piece)
    return "".join(pieces)


# SQLSTATEs of an EXECUTE whose prepared statement cannot run again in this session: 0A000 "cached plan
# must not change result type" (a column it reads changed type: every later EXECUTE fails too), 26000
# "prepared statement does not exist".
STALE_PREPARED = frozenset({"0A000", "26000"})


def _sqlstate(error: Exception) -> str | None:
    return getattr(error.__cause__, "sqlstate", None)


def _psycopg_prepares(connection) -> bool:
    """Whether psycopg prepares repeated statements on this connection itself (DB_PREPARE_THRESHOLD).

    Then the statement is sent whole and psycopg prepares it as it does any other. A PREPARE of ours
    would not last there: psycopg deallocates every prepared statement of the session (DEALLOCATE ALL)
    after any rollback, a savepoint's included.
    """
    import psycopg  # PostgreSQL only: the caller has a prepare_as, which only PostgreSQL gets

    session = connection.connection
    return (
        session is not None
        and session.prepare_threshold is not None
        and not issubclass(session.cursor_factory, psycopg.ClientCursor)
    )


def _keeps_sessions(connection) -> bool:
    """Whether this connection's database session outlives the request (persistent, not transaction-pooled)."""
    settings = connection.settings_dict
    return settings.get("CONN_MAX_AGE") != 0 and not settings.get("DISABLE_SERVER_SIDE_CURSORS")


def _compiled_sql(queryset: QuerySet, using: str) -> tuple:
    compiler = queryset.query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    return compiler, sql, tuple(params)


def _same(value: Any, other: Any) -> bool:
    # By type too: True == 1 must not make a boolean constant look like an integer slot.
    return type(value) is type(other) and value == other


def _slot_holding(value: Any, marks: dict[str, Any]) -> str | None:
    holding = [name for name, mark in marks.items() if _same(value, mark)]
    if len(holding) > 1:
        raise CompiledQueryError(f"slots {holding} share a sentinel: give each its own")
    return holding[0] if holding else None


def _layout(compiler, *, sql: str, params: tuple, positions: tuple, using: str) -> _Compiled:
    """What ModelIterable reads from a compiler that has run, kept for every later run."""
    select, klass_info = compiler.select, compiler.klass_info
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
    return _Compiled(
        sql=sql,
        params=params,
        positions=positions,
        locks=bool(compiler.query.select_for_update) and compiler.connection.features.has_select_for_update,
        model=klass_info["model"],
        fields_start=start,
        fields_end=end,
        init_list=tuple(column[0].target.attname for column in select[start:end]),
        related_populators=tuple(get_related_populators(klass_info, select, using)),
        annotation_col_map=dict(compiler.annotation_col_map or {}),
        converters=tuple((index, tuple(convs), expression) for index, (convs, expression) in converters.items()),
    )


def _instance(compiled: _Compiled, row: tuple, connection, using: str) -> Model:
    row = list(row)
    for index, convs, expression in compiled.converters:
        value = row[index]
        for converter in convs:
            value = converter(value, expression, connection)
        row[index] = value
    instance = compiled.model.from_db(using, compiled.init_list, row[compiled.fields_start : compiled.fields_end])
    for populator in compiled.related_populators:
        populator.populate(row, instance)
    for name, index in compiled.annotation_col_map.items():
        setattr(instance, name, row[index])
    return instance
