"""Drop the varchar_pattern_ops copies ("_like") of the audit log's action and target_id indexes.

PostgreSQL's backend for Django creates one beside the plain index of every indexed CharField, so
that LIKE 'prefix%' can use an index. Nothing reads the log by a pattern of either column (the
admin's target search and the detectors compare whole values, which the plain indexes serve), and
every audited action, every reveal above all, wrote both copies: the largest table's two widest
index entries (BENCHMARKS.md, "Fewer indexes").

Dropped CONCURRENTLY (so the migration is not atomic): appends go on while it waits for the
transactions already using the table. Reversing builds them again the same way. SQLite has no
such copies: nothing to do there.
"""

from django.db import migrations

COLUMNS = ("action", "target_id")
TABLE = "audit_auditevent"


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        name = schema_editor._create_index_name(TABLE, [column], suffix="_like")
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")


def build(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Dropped first: a reversal that failed half-way (a lock timeout) leaves an invalid index under the name.
    drop(apps, schema_editor)
    for column in COLUMNS:
        name = schema_editor._create_index_name(TABLE, [column], suffix="_like")
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY {schema_editor.quote_name(name)}"
            f" ON {TABLE} ({schema_editor.quote_name(column)} varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("audit", "0008_reveal_chain_append_function")]

    operations = [migrations.RunPython(drop, build, elidable=False)]
