"""PostgreSQL: issue a relay contact on the first free slot of a few candidates, `relay_issue_contact(...)`.

resumes.services.relay issued it with one INSERT ... SELECT that looked for the first free candidate
with NOT EXISTS against the held extensions. That look-up is a join, planned from the table's
statistics: while the table grows faster than autovacuum analyzes it (a new platform, a burst of
reveals), the planner takes it for a few rows and reads every held extension on every issue
(5 ms at 4,800 contacts in bench/reveal_http.py, growing with the table). Here each candidate is
one INSERT ... ON CONFLICT DO NOTHING instead: the unique indexes decide, with no plan to choose.
A conflict on the slot (held), the alias (taken) or the pair (a parallel issue for the same
organisation and seeker committed meanwhile) inserts nothing; after the first conflict the pair's
own row, if there is one now, is returned instead of trying the rest. Nothing returned: every
candidate was held, and the caller tries others.

Runs as the caller (SECURITY INVOKER). On SQLite nothing is created: relay.py keeps its one
INSERT ... SELECT there.
"""

from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION relay_issue_contact(
    p_resume_id uuid,
    p_organization_id bigint,
    p_email_alias text,
    p_created_at timestamptz,
    p_numbers text[],
    p_extensions text[]
) RETURNS SETOF resumes_relaycontact
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    issued resumes_relaycontact;
BEGIN
    FOR candidate IN 1 .. coalesce(array_length(p_numbers, 1), 0) LOOP
        INSERT INTO resumes_relaycontact
            (resume_id, organization_id, email_alias, phone_number, phone_extension, created_at)
        VALUES
            (p_resume_id, p_organization_id, p_email_alias, p_numbers[candidate], p_extensions[candidate], p_created_at)
        ON CONFLICT DO NOTHING
        RETURNING * INTO issued;
        IF FOUND THEN
            RETURN NEXT issued;
            RETURN;
        END IF;
        -- A new snapshot: a parallel issue for the pair that committed while this INSERT waited is seen.
        SELECT * INTO issued FROM resumes_relaycontact
        WHERE resume_id = p_resume_id AND organization_id = p_organization_id;
        IF FOUND THEN
            RETURN NEXT issued;
            RETURN;
        END IF;
    END LOOP;
END;
$$;
"""

DROP_FUNCTION = "DROP FUNCTION IF EXISTS relay_issue_contact(uuid, bigint, text, timestamptz, text[], text[]);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("resumes", "0014_maskedresumetext")]

    operations = [migrations.RunPython(create, drop)]
