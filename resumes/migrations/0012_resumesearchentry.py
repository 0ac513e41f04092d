"""The narrow search table (resumes.ResumeSearchEntry), kept by triggers, backfilled here.

PostgreSQL: the entry owns the weighted tsvector and its GIN index (keeping the index's name,
resume_search_vector_gin); the generated column and index on the wide resume row go, so a
resume write maintains one vector, not two. Row triggers upsert the entry after a resume
insert or an update that changes what search reads, and copy a seeker's is_active when it
changes; the entry goes with its resume (ON DELETE CASCADE). SQLite gets the same triggers in
its dialect, without the vector (its search matches the resume's tokens).
The backfill runs after the triggers exist, in the migration's transaction: no write is missed.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

# What the entry copies from the resume and the user; one list for the triggers and the backfill.
ENTRY_COLUMNS = "resume_id, seeker_active, visibility, category, city, years_experience, skill_keys, updated_at"
COPIED = "r.id, u.is_active, r.visibility, r.category, r.city, r.years_experience, r.skill_keys, r.updated_at"
# A resume update that changes none of these leaves its entry alone (contact edits, say).
WATCHED = ("seeker_id", "visibility", "category", "city", "years_experience", "skill_keys", "updated_at",
           "search_primary", "search_secondary")

PG_VECTOR = ("setweight(to_tsvector('simple'::regconfig, r.search_primary), 'A')"
             " || setweight(to_tsvector('simple'::regconfig, r.search_secondary), 'B')")
PG_UPSERT = f"""
    INSERT INTO resumes_resumesearchentry ({ENTRY_COLUMNS}, search_vector)
    SELECT {COPIED}, {PG_VECTOR}
    FROM resumes_resume r JOIN accounts_user u ON u.id = r.seeker_id
    WHERE %(where)s
    ON CONFLICT (resume_id) DO UPDATE SET
        seeker_active = EXCLUDED.seeker_active, visibility = EXCLUDED.visibility,
        category = EXCLUDED.category, city = EXCLUDED.city, years_experience = EXCLUDED.years_experience,
        skill_keys = EXCLUDED.skill_keys, updated_at = EXCLUDED.updated_at, search_vector = EXCLUDED.search_vector
"""
PG_CHANGED = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in WATCHED)

PG_CREATE = f"""
ALTER TABLE resumes_resumesearchentry ADD CONSTRAINT resumes_searchentry_resume_fk
    FOREIGN KEY (resume_id) REFERENCES resumes_resume (id) ON DELETE CASCADE;
DROP INDEX IF EXISTS resume_search_vector_gin;
ALTER TABLE resumes_resume DROP COLUMN IF EXISTS search_vector;
CREATE INDEX resume_search_vector_gin ON resumes_resumesearchentry USING GIN (search_vector);

CREATE FUNCTION resumes_search_entry_from_resume() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {PG_UPSERT % {"where": "r.id = NEW.id"}};
    RETURN NULL;
END $$;
CREATE TRIGGER resume_search_entry_insert AFTER INSERT ON resumes_resume
    FOR EACH ROW EXECUTE FUNCTION resumes_search_entry_from_resume();
CREATE TRIGGER resume_search_entry_update AFTER UPDATE ON resumes_resume
    FOR EACH ROW WHEN ({PG_CHANGED}) EXECUTE FUNCTION resumes_search_entry_from_resume();

CREATE FUNCTION resumes_search_entry_from_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE resumes_resumesearchentry e SET seeker_active = NEW.is_active
    FROM resumes_resume r WHERE r.seeker_id = NEW.id AND e.resume_id = r.id;
    RETURN NULL;
END $$;
CREATE TRIGGER user_active_search_entry AFTER UPDATE OF is_active ON accounts_user
    FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active)
    EXECUTE FUNCTION resumes_search_entry_from_user();

{PG_UPSERT % {"where": "true"}};
ANALYZE resumes_resumesearchentry;
"""

PG_DROP = """
DROP TRIGGER IF EXISTS user_active_search_entry ON accounts_user;
DROP TRIGGER IF EXISTS resume_search_entry_update ON resumes_resume;
DROP TRIGGER IF EXISTS resume_search_entry_insert ON resumes_resume;
DROP FUNCTION IF EXISTS resumes_search_entry_from_user();
DROP FUNCTION IF EXISTS resumes_search_entry_from_resume();
DROP INDEX IF EXISTS resume_search_vector_gin;
ALTER TABLE resumes_resume ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, search_primary), 'A')
    || setweight(to_tsvector('simple'::regconfig, search_secondary), 'B')
) STORED;
CREATE INDEX resume_search_vector_gin ON resumes_resume USING GIN (search_vector);
"""

SQLITE_UPSERT = f"""
    INSERT OR REPLACE INTO resumes_resumesearchentry ({ENTRY_COLUMNS}, search_vector)
    SELECT {COPIED}, NULL FROM resumes_resume r JOIN accounts_user u ON u.id = r.seeker_id
"""
SQLITE_CREATE = [
    f"CREATE TRIGGER resume_search_entry_insert AFTER INSERT ON resumes_resume BEGIN "
    f"{SQLITE_UPSERT} WHERE r.id = NEW.id; END",
    f"CREATE TRIGGER resume_search_entry_update AFTER UPDATE ON resumes_resume BEGIN "
    f"{SQLITE_UPSERT} WHERE r.id = NEW.id; END",
    "CREATE TRIGGER resume_search_entry_delete AFTER DELETE ON resumes_resume BEGIN "
    "DELETE FROM resumes_resumesearchentry WHERE resume_id = OLD.id; END",
    "CREATE TRIGGER user_active_search_entry AFTER UPDATE OF is_active ON accounts_user BEGIN "
    "UPDATE resumes_resumesearchentry SET seeker_active = NEW.is_active "
    "WHERE resume_id IN (SELECT id FROM resumes_resume WHERE seeker_id = NEW.id); END",
    f"{SQLITE_UPSERT} WHERE true",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in ("resume_search_entry_insert", "resume_search_entry_update", "resume_search_entry_delete",
                 "user_active_search_entry")
]


def create_sync(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop_sync(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('resumes', '0011_perreq_relay_extension_release'),
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='ResumeSearchEntry',
            fields=[
                ('resume', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_entry', serialize=False, to='resumes.resume')),
                ('seeker_active', models.BooleanField()),
                ('visibility', models.CharField(choices=[('public', 'Public: searchable; employers may reveal my contact within their limits'), ('on_request', 'On request: searchable; I approve each organisation first'), ('applied_only', 'Applied only: not searchable; only organisations I applied to'), ('hidden', 'Hidden: nobody sees my resume')], max_length=16)),
                ('category', models.CharField(choices=[('software_engineering', 'Software engineering'), ('data_science', 'Data and analytics'), ('product_management', 'Product management'), ('design', 'Design'), ('sales', 'Sales'), ('marketing', 'Marketing'), ('customer_service', 'Customer service'), ('finance', 'Finance and accounting'), ('human_resources', 'Human resources'), ('operations', 'Operations and logistics'), ('manufacturing', 'Manufacturing and engineering'), ('healthcare', 'Healthcare'), ('education', 'Education'), ('legal', 'Legal'), ('administration', 'Administration'), ('other', 'Other')], max_length=32)),
                ('city', models.CharField(blank=True, max_length=64)),
                ('years_experience', models.PositiveSmallIntegerField()),
                ('skill_keys', models.TextField(blank=True)),
                ('updated_at', models.DateTimeField()),
                ('search_vector', django.contrib.postgres.search.SearchVectorField(null=True)),
            ],
            options={
                'indexes': [models.Index(fields=['updated_at', 'resume'], name='resume_search_recency')],
            },
        ),
        migrations.RunPython(create_sync, drop_sync),
    ]
