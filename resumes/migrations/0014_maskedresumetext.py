"""The masked view's free text kept redacted (resumes.MaskedResumeText), and the triggers that forget it.

A card is the resume's free text as search shows it, redacted when it is written
(resumes/masked_text.py). These triggers delete it, in the writing transaction, whenever what it
was made from changes, whoever writes it (a service, the admin, a bulk update, raw SQL): the
resume's headline, summary, skills, city or name index (the seeker's name), or any insert, update
or delete of one of its experience or education entries. An entry trigger first takes the resume
row's key-share lock: a card being made (under the resume's FOR UPDATE lock) from the entries as
they were is then committed first and deleted by the change. The card goes with its resume
(ON DELETE CASCADE). Search shows a card only if it exists and was made by the current rules;
otherwise it redacts the resume's text as before, so nothing needs backfilling for search to be
right: `manage.py rebuild_masked_text` makes the cards (and after any change of the redaction).
"""

import django.db.models.deletion
from django.db import migrations, models

# What a card is made from, on the resume row (the entries are watched by their own triggers).
WATCHED = ("headline", "summary", "skills", "city", "name_index")
ENTRY_TABLES = {"experience": "resumes_experienceentry", "education": "resumes_educationentry"}

PG_CHANGED = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in WATCHED)
PG_CREATE = f"""
ALTER TABLE resumes_maskedresumetext ADD CONSTRAINT resumes_maskedtext_resume_fk
    FOREIGN KEY (resume_id) REFERENCES resumes_resume (id) ON DELETE CASCADE;

CREATE FUNCTION resumes_masked_text_forget_resume() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM resumes_maskedresumetext WHERE resume_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER resume_masked_text_forget AFTER UPDATE ON resumes_resume
    FOR EACH ROW WHEN ({PG_CHANGED}) EXECUTE FUNCTION resumes_masked_text_forget_resume();

CREATE FUNCTION resumes_masked_text_forget_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The resume's key-share lock waits for a card being made from the entries as they were.
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM 1 FROM resumes_resume WHERE id = OLD.resume_id FOR KEY SHARE;
        DELETE FROM resumes_maskedresumetext WHERE resume_id = OLD.resume_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM 1 FROM resumes_resume WHERE id = NEW.resume_id FOR KEY SHARE;
        DELETE FROM resumes_maskedresumetext WHERE resume_id = NEW.resume_id;
    END IF;
    RETURN NULL;
END $$;
""" + "".join(
    f"""
CREATE TRIGGER {kind}_masked_text_forget AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION resumes_masked_text_forget_entry();
"""
    for kind, table in ENTRY_TABLES.items()
)

PG_DROP = "".join(f"DROP TRIGGER IF EXISTS {kind}_masked_text_forget ON {table};\n" for kind, table in ENTRY_TABLES.items()) + """
DROP TRIGGER IF EXISTS resume_masked_text_forget ON resumes_resume;
DROP FUNCTION IF EXISTS resumes_masked_text_forget_entry();
DROP FUNCTION IF EXISTS resumes_masked_text_forget_resume();
"""

SQLITE_CHANGED = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in WATCHED)
SQLITE_FORGET = "DELETE FROM resumes_maskedresumetext WHERE resume_id = {row}.resume_id;"
SQLITE_CREATE = [
    f"CREATE TRIGGER resume_masked_text_forget AFTER UPDATE ON resumes_resume WHEN {SQLITE_CHANGED} BEGIN "
    "DELETE FROM resumes_maskedresumetext WHERE resume_id = NEW.id; END",
    "CREATE TRIGGER resume_masked_text_delete AFTER DELETE ON resumes_resume BEGIN "
    "DELETE FROM resumes_maskedresumetext WHERE resume_id = OLD.id; END",
]
for kind, table in ENTRY_TABLES.items():
    SQLITE_CREATE += [
        f"CREATE TRIGGER {kind}_masked_text_insert AFTER INSERT ON {table} BEGIN {SQLITE_FORGET.format(row='NEW')} END",
        f"CREATE TRIGGER {kind}_masked_text_update AFTER UPDATE ON {table} BEGIN "
        f"{SQLITE_FORGET.format(row='OLD')} {SQLITE_FORGET.format(row='NEW')} END",
        f"CREATE TRIGGER {kind}_masked_text_delete AFTER DELETE ON {table} BEGIN {SQLITE_FORGET.format(row='OLD')} END",
    ]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "resume_masked_text_forget",
        "resume_masked_text_delete",
        *(f"{kind}_masked_text_{op}" for kind in ENTRY_TABLES for op in ("insert", "update", "delete")),
    )
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('resumes', '0013_search_entry_city_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='MaskedResumeText',
            fields=[
                ('resume', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='masked_text', serialize=False, to='resumes.resume')),
                ('rules', models.CharField(max_length=16)),
                ('card', models.JSONField()),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
