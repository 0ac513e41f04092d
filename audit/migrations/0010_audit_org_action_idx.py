"""Index the audit log by (organization_id, action) in place of organization_id alone.

The organisation admin's status history reads an organisation's events of nine kinds, the newest
twenty. Most of an organisation's events are its reveals, so the single-column index led to all of
them, and once PostgreSQL planned the query generically (a prepared statement, after a few views on
one connection) it scanned the whole log backwards by id instead: 0.3 s a view at 2M events, growing
with the log (BENCHMARKS.md, "The organisation's status history"). The composite index finds the few
events directly, and its leading column serves the look-ups by organisation alone (the audit admin's
filter and search) as the old index did; every event still writes one entry to it, a little wider.

PostgreSQL builds and drops CONCURRENTLY (so the migration is not atomic): appends go on while it
waits for the transactions already using the table. If it fails half-way (a lock timeout), run it
again: each step drops what it is about to build first, since a build cut off leaves an invalid
index under the name. Reversing builds the single-column index again the same way.
"""

from django.db import migrations, models

TABLE = "audit_auditevent"
COMPOSITE = ("audit_org_action_idx", ("organization_id", "action"))


def _single(schema_editor) -> tuple[str, tuple[str, ...]]:
    return schema_editor._create_index_name(TABLE, ["organization_id"], suffix=""), ("organization_id",)


def _drop(schema_editor, name: str) -> None:
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {schema_editor.quote_name(name)}")


def _build(schema_editor, name: str, columns: tuple[str, ...]) -> None:
    _drop(schema_editor, name)
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    listed = ", ".join(schema_editor.quote_name(column) for column in columns)
    schema_editor.execute(
        f"CREATE INDEX{concurrently} {schema_editor.quote_name(name)} ON {schema_editor.quote_name(TABLE)} ({listed})"
    )


def to_composite(apps, schema_editor):
    _build(schema_editor, *COMPOSITE)
    _drop(schema_editor, _single(schema_editor)[0])


def to_single(apps, schema_editor):
    _build(schema_editor, *_single(schema_editor))
    _drop(schema_editor, COMPOSITE[0])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("audit", "0009_drop_pattern_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="organization_id",
                    field=models.BigIntegerField(blank=True, editable=False, null=True),
                ),
                migrations.AddIndex(
                    model_name="auditevent",
                    index=models.Index(fields=["organization_id", "action"], name="audit_org_action_idx"),
                ),
            ],
            database_operations=[migrations.RunPython(to_composite, to_single, elidable=False)],
        )
    ]
