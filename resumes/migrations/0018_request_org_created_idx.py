"""Index an organisation's contact requests newest first.

GET /api/v1/contact-requests pages an organisation's requests by created_at, and every request for consent
counts the organisation's requests of the day while it holds the organisation's lock. No index began with
the organisation and then the time, so both read all of the organisation's requests (and the page sorted
them): 27-41 ms at 90,000, growing with its history (BENCHMARKS.md, "Reads that grow with the platform").

Built by config.db_indexes: CONCURRENTLY on PostgreSQL (so the migration is not atomic), writes going on
meanwhile; a rerun after a failure skips what is built and rebuilds what is invalid.
"""

from django.db import migrations, models

from config.db_indexes import build_index, drop_index

NAME, TABLE = "request_org_created_idx", "resumes_contactrequest"


def build(apps, schema_editor):
    build_index(schema_editor, name=NAME, table=TABLE, columns=("organization_id", "-created_at"))


def drop(apps, schema_editor):
    drop_index(schema_editor, NAME)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("resumes", "0017_covered_foreign_key_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="contactrequest",
                    index=models.Index(fields=["organization", "-created_at"], name="request_org_created_idx"),
                ),
            ],
            database_operations=[migrations.RunPython(build, drop, elidable=False)],
        )
    ]
