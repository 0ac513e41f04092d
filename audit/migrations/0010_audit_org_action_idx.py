"""Index the audit log by (organization_id, action) in place of organization_id alone.

The organisation admin's status history reads an organisation's events of nine kinds, the newest
twenty. Most of an organisation's events are its reveals, so the single-column index led to all of
them, and once PostgreSQL planned the query generically (a prepared statement, after a few views on
one connection) it scanned the whole log backwards by id instead: 0.3 s a view at 2M events, growing
with the log (BENCHMARKS.md, "The organisation's status history"). The composite index finds the few
events directly, and its leading column serves the look-ups by organisation alone (the audit admin's
filter and search) as the old index did; every event still writes one entry to it, a little wider.

Built and dropped by config.db_indexes: CONCURRENTLY on PostgreSQL (so the migration is not atomic),
appends going on meanwhile; a rerun after a failure skips what is built and rebuilds what is invalid.
Reversing builds the single-column index again the same way.
"""

from django.db import migrations, models

from config.db_indexes import build_index, drop_index

TABLE = "audit_auditevent"
COMPOSITE = "audit_org_action_idx"


def _single(schema_editor) -> str:
    return schema_editor._create_index_name(TABLE, ["organization_id"], suffix="")


def to_composite(apps, schema_editor):
    build_index(schema_editor, name=COMPOSITE, table=TABLE, columns=("organization_id", "action"))
    drop_index(schema_editor, _single(schema_editor))


def to_single(apps, schema_editor):
    build_index(schema_editor, name=_single(schema_editor), table=TABLE, columns=("organization_id",))
    drop_index(schema_editor, COMPOSITE)


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
