"""Drop three indexes that no query needs and every charged reveal writes (BENCHMARKS.md, "Fewer indexes").

- resumes_reveal.organization_id: reveal_org_resume_idx (organization, resume, -created_at) begins with
  it, and serves every look-up by organisation (the free re-reveal window, PROTECT's check).
- resumes_relaycontact.resume_id: relay_once_per_org_and_seeker (resume, organization) begins with it,
  and serves the seeker's relay contacts and SET_NULL's update when a resume goes.
- resumes_relaycontact.email_alias's varchar_pattern_ops copy ("_like"), which PostgreSQL creates for a
  unique CharField so that LIKE 'prefix%' can use an index: nothing matches an alias by pattern (the
  relay webhook looks it up whole, which the unique index serves).

PostgreSQL drops them CONCURRENTLY (so the migration is not atomic): writes to the two tables go on
while it waits for the transactions already using them. If it fails half-way (a lock timeout), run it
again: what it dropped stays dropped, the rest is dropped then. Reversing builds them again the same way.
"""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = (
    ("resumes_reveal", "organization_id", ""),
    ("resumes_relaycontact", "resume_id", ""),
    ("resumes_relaycontact", "email_alias", "_like"),
)


def drop(apps, schema_editor):
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    for table, column, suffix in DROPPED:
        if suffix and schema_editor.connection.vendor != "postgresql":
            continue  # only PostgreSQL has pattern copies
        name = schema_editor._create_index_name(table, [column], suffix=suffix)
        schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {schema_editor.quote_name(name)}")


def build(apps, schema_editor):
    # Dropped first: a reversal that failed half-way (a lock timeout) leaves an invalid index under the name,
    # which CREATE INDEX ... IF NOT EXISTS would keep as it is, written on every insert and never read.
    drop(apps, schema_editor)
    postgresql = schema_editor.connection.vendor == "postgresql"
    concurrently = " CONCURRENTLY" if postgresql else ""
    for table, column, suffix in DROPPED:
        if suffix and not postgresql:
            continue
        name = schema_editor._create_index_name(table, [column], suffix=suffix)
        operator_class = " varchar_pattern_ops" if suffix else ""
        schema_editor.execute(
            f"CREATE INDEX{concurrently} {schema_editor.quote_name(name)}"
            f" ON {schema_editor.quote_name(table)} ({schema_editor.quote_name(column)}{operator_class})"
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("employers", "0006_organization_email_domains_and_more"),
        ("resumes", "0016_reveal_not_written_in_full"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="relaycontact",
                    name="resume",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="relay_contacts",
                        to="resumes.resume",
                    ),
                ),
                migrations.AlterField(
                    model_name="reveal",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="employers.organization",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, build)],
        )
    ]
