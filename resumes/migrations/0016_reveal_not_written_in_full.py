"""PostgreSQL: `reveal_not_written_in_full()`, which fails the statement (and so the transaction) that calls it.

A charged reveal's writes are one statement (resumes.services.reveal._write_charged_reveal). When its
COMMIT goes to the server with that statement, in the same round trip, nothing can look at the
statement's result before the transaction commits; so the statement itself must refuse to commit a
quota take without the reveal it pays for (every relay candidate it tried was held, or a counter
filled up under it). It calls this function then: the error (SQLSTATE HW001) rolls the whole
transaction back, and the reveal is run again, step by step.

VOLATILE, so that the planner never evaluates it ahead of the condition that guards the call.
On SQLite nothing is created: reveals there never send their COMMIT with their writes.
"""

from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION reveal_not_written_in_full() RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'reveal not written in full: the quota was taken without the reveal'
        USING ERRCODE = 'HW001';
END;
$$;
"""

DROP_FUNCTION = "DROP FUNCTION IF EXISTS reveal_not_written_in_full();"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("resumes", "0015_relay_issue_function")]

    operations = [migrations.RunPython(create, drop)]
