"""PostgreSQL: close the TRUNCATE side door, and protect the chain head and the activity log too.

Migration 0003 let TRUNCATE through whenever the session had set
`hirewall.allow_audit_truncate`, which any session may set. Now:

- audit events, digests and the activity log refuse UPDATE and DELETE from everyone,
  and TRUNCATE from every role except `hirewall_maintenance`;
- the chain head may only move forward (an UPDATE that raises seq); DELETE is refused,
  TRUNCATE likewise except for the maintenance role.

`hirewall_maintenance` is a NOLOGIN role that only the test setup creates
(tests/conftest.py), so that the suite can empty its tables; a deployment never grants
it to the application's role. The trigger compares `current_user`, which a session
changes only with SET ROLE, and SET ROLE needs membership of the role. (A superuser or
the tables' owner can still disable triggers: the application must connect as neither,
and the signed heads outside the database catch what such a person rewrites.)

The activity log's retention pruning (issue 14) will need to delete old rows: it
should do so through this maintenance path (a DELETE allowed to the maintenance role
for rows past retention), not by loosening the rule for the application's role.
"""

from django.db import migrations

MAINTENANCE_ROLE = "hirewall_maintenance"
NEW_APPEND_ONLY_TABLES = ("audit_activityevent",)
HEAD_TABLE = "audit_auditchainhead"

REFUSE_CHANGE = f"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_user = '{MAINTENANCE_ROLE}' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

HEAD_FORWARD_ONLY = f"""
CREATE OR REPLACE FUNCTION audit_chain_head_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq > OLD.seq THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'TRUNCATE' AND current_user = '{MAINTENANCE_ROLE}' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit chain head only moves forward: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

# 0003's function, restored when this migration is reversed.
OLD_REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('hirewall.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

CREATE_TRIGGERS = """
CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
"""


def protect(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(REFUSE_CHANGE, params=None)
    schema_editor.execute(HEAD_FORWARD_ONLY, params=None)
    for table in NEW_APPEND_ONLY_TABLES:
        schema_editor.execute(CREATE_TRIGGERS.format(table=table, function="audit_refuse_change"))
    schema_editor.execute(CREATE_TRIGGERS.format(table=HEAD_TABLE, function="audit_chain_head_forward_only"))


def unprotect(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in (*NEW_APPEND_ONLY_TABLES, HEAD_TABLE):
        schema_editor.execute(DROP_TRIGGERS.format(table=table))
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_chain_head_forward_only();")
    schema_editor.execute(OLD_REFUSE_CHANGE, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_auditdigest_signature")]

    operations = [migrations.RunPython(protect, unprotect)]
