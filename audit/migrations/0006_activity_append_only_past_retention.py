"""PostgreSQL: the activity log refuses UPDATE, and DELETE of any row younger than the legal floor.

Searches and masked views are network logs: the Cybersecurity Law asks for six months,
which are at most 184 days. A row older than that may be deleted, and retention
(audit/retention.py) deletes it; a younger one may not, whoever asks. The floor is
written here, not read from a table or a setting the application's role could change.

TRUNCATE stays with 0005's statement trigger: only the maintenance role.
"""

from django.db import migrations

# NETWORK_LOGS_MINIMUM_DAYS in config/settings/base.py when this was written; frozen here.
FLOOR_DAYS = 184
TABLE = "audit_activityevent"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_activity_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.created_at < now() - interval '{FLOOR_DAYS} days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'activity log is append-only until its rows are % days old: % on % refused',
        {FLOOR_DAYS}, TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

# The name the audit tables' triggers use, so that a later migration protecting this table
# the same way replaces this trigger instead of adding a second, stricter one.
CREATE_TRIGGER = f"""
DROP TRIGGER IF EXISTS {TABLE}_no_update_delete ON {TABLE};
CREATE TRIGGER {TABLE}_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_activity_refuse_change();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TABLE}_no_update_delete ON {TABLE};
DROP FUNCTION IF EXISTS audit_activity_refuse_change();
"""


def protect(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)
    schema_editor.execute(CREATE_TRIGGER)


def unprotect(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_maintenance_role_triggers")]

    operations = [migrations.RunPython(protect, unprotect)]
