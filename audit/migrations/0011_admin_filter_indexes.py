"""Index the operators' own events and the rate-limited requests, which the admin lists by their filters.

Each is a few among millions of reveals, searches and logins, and no other index leads to them: the audit
log filtered by the operator role, and the activity log by the rate-limited kind, read the log from its
newest row to its first to find a page. Both indexes are partial, so a row of another kind writes no entry
to them: nothing on a reveal's or a search's path.

Built and dropped by config.db_indexes: CONCURRENTLY on PostgreSQL (so the migration is not atomic).
"""

from django.db import migrations, models

from config.db_indexes import build_index, drop_index

OPERATOR_EVENTS = "audit_operator_events_idx"
RATE_LIMITED = "activity_rate_limited_idx"


def build(apps, schema_editor):
    build_index(
        schema_editor,
        name=OPERATOR_EVENTS,
        table="audit_auditevent",
        columns=("seq",),
        condition="actor_role = 'operator'",
    )
    build_index(
        schema_editor,
        name=RATE_LIMITED,
        table="audit_activityevent",
        columns=("created_at",),
        condition="kind = 'rate_limited'",
    )


def drop(apps, schema_editor):
    drop_index(schema_editor, RATE_LIMITED)
    drop_index(schema_editor, OPERATOR_EVENTS)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("audit", "0010_audit_org_action_idx")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="auditevent",
                    index=models.Index(fields=["seq"], condition=models.Q(actor_role="operator"), name=OPERATOR_EVENTS),
                ),
                migrations.AddIndex(
                    model_name="activityevent",
                    index=models.Index(
                        fields=["created_at"], condition=models.Q(kind="rate_limited"), name=RATE_LIMITED
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(build, drop, elidable=False)],
        )
    ]
