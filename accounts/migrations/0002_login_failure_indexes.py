"""Index the failed logins and the operators' logins, which the login admin lists by its filters.

Both are a few among the logins (failures are many only in an attack, when an operator looks for them), and
no other index leads to them: the filtered list read every login to find a page. The indexes are partial,
so a recruiter's or a seeker's successful login writes to none of them, and they end with the list's
order (newest first), so a page is their first entries.

Built and dropped by config.db_indexes: CONCURRENTLY on PostgreSQL (so the migration is not atomic).
"""

from django.db import migrations, models

from config.db_indexes import build_model_index, drop_index

INDEXES = [
    models.Index(fields=["created_at", "id"], condition=models.Q(success=False), name="login_failed_idx"),
    models.Index(
        fields=["failure_reason", "created_at", "id"],
        condition=~models.Q(failure_reason=""),
        name="login_failure_reason_idx",
    ),
    models.Index(fields=["created_at", "id"], condition=models.Q(channel="admin"), name="login_admin_channel_idx"),
]


def build(apps, schema_editor):
    for index in INDEXES:
        build_model_index(schema_editor, apps.get_model("accounts", "LoginEvent"), index)


def drop(apps, schema_editor):
    for index in INDEXES:
        drop_index(schema_editor, index.name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="loginevent", index=index) for index in INDEXES],
            database_operations=[migrations.RunPython(build, drop, elidable=False)],
        )
    ]
