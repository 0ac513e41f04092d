"""Index the failed logins, which the login admin lists by its success and failure-reason filters.

Failures are a few among the logins (many only in an attack, when an operator looks for them), and no
other index leads to them: the filtered list read every login to find a page. Both indexes are partial,
so a successful login writes no entry to either.

Built and dropped by config.db_indexes: CONCURRENTLY on PostgreSQL (so the migration is not atomic).
"""

from django.db import migrations, models

from config.db_indexes import build_index, drop_index

TABLE = "accounts_loginevent"
FAILED = "login_failed_idx"
BY_REASON = "login_failure_reason_idx"


def build(apps, schema_editor):
    build_index(schema_editor, name=FAILED, table=TABLE, columns=("id",), condition="NOT success")
    build_index(schema_editor, name=BY_REASON, table=TABLE, columns=("failure_reason", "id"), condition="failure_reason <> ''")


def drop(apps, schema_editor):
    drop_index(schema_editor, BY_REASON)
    drop_index(schema_editor, FAILED)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="loginevent",
                    index=models.Index(fields=["id"], condition=models.Q(success=False), name=FAILED),
                ),
                migrations.AddIndex(
                    model_name="loginevent",
                    index=models.Index(
                        fields=["failure_reason", "id"], condition=~models.Q(failure_reason=""), name=BY_REASON
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(build, drop, elidable=False)],
        )
    ]
