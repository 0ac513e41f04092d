"""Building and dropping an index in a migration without stopping writes to a live table.

On PostgreSQL CONCURRENTLY (so the migration must be `atomic = False`): the build reads the table while
appends go on, and waits for every transaction that began before it, in any table. That wait is no lock
on anything the application writes, so it is not bound by DB_LOCK_TIMEOUT_MS (which migrations keep), and a
long batch transaction only delays it. On SQLite a plain CREATE / DROP INDEX.

A build cut off half-way (a cancelled statement) leaves an invalid index under the name, written on every
insert and never read: a rerun drops it and builds again, and skips an index already built and valid.
"""

from collections.abc import Sequence


def build_index(schema_editor, *, name: str, table: str, columns: Sequence[str]) -> None:
    """Build `name` on `table`; a column written "-created_at" is descending, as in a model's Index."""
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql and _is_valid(schema_editor, name):
        return
    drop_index(schema_editor, name)
    listed = ", ".join(
        f"{schema_editor.quote_name(column.lstrip('-'))}{' DESC' if column.startswith('-') else ''}"
        for column in columns
    )
    concurrently = " CONCURRENTLY" if postgresql else ""
    _run(
        schema_editor,
        f"CREATE INDEX{concurrently} {schema_editor.quote_name(name)} ON {schema_editor.quote_name(table)} ({listed})",
    )


def build_model_index(schema_editor, model, index) -> None:
    """Build a model's `Index` (a partial one's condition included) as Django would, the same way as above."""
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql and _is_valid(schema_editor, index.name):
        return
    drop_index(schema_editor, index.name)
    options = {"concurrently": True} if postgresql else {}
    _run(schema_editor, str(index.create_sql(model, schema_editor, **options)))


def drop_index(schema_editor, name: str) -> None:
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    _run(schema_editor, f"DROP INDEX{concurrently} IF EXISTS {schema_editor.quote_name(name)}")


def _is_valid(schema_editor, name: str) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [name])
        row = cursor.fetchone()
    return bool(row and row[0])


def _run(schema_editor, statement: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(statement)
        return
    schema_editor.execute("SET lock_timeout = 0")
    try:
        schema_editor.execute(statement)
    finally:
        schema_editor.execute("RESET lock_timeout")
