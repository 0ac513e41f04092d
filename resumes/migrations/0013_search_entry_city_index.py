"""Search by city, newest first, from an index: (upper(city), updated_at, resume_id) on the search table.

Search filters a city case-insensitively (`city__iexact`: UPPER(city) = UPPER(%s)). Without
an index on that expression PostgreSQL had no statistics for it and guessed that one city of
ten kept 0.5 % of the entries; `q=engineer` with a city and min_years then sorted the whole
filtered table for its recency window: 1.1-1.3 s at 1M resumes (BENCHMARKS.md, "Masked
search"). ANALYZE gathers statistics on an index's expressions, so this index gives the planner
the city's real frequency and a walk of one city's entries newest first.

An expression index rather than a lower-cased copy of the city: the triggers of migration 0012
stay as they are, and there is no column to backfill.

PostgreSQL: CREATE INDEX CONCURRENTLY (so the migration is not atomic) takes no lock that stops
reads or writes of the table (it waits for transactions already writing it to end); at 1M
resumes it took 12 s with the ANALYZE that follows, on the benchmark's shared 2-core machine
(BENCHMARKS.md, "Masked search"). If it is interrupted it leaves an INVALID index: drop it and
migrate again. SQLite: a plain CREATE INDEX.
"""

from django.db import migrations, models
from django.db.models.functions import Upper

INDEX = models.Index(Upper("city"), "updated_at", "resume", name="resume_search_city_recency")


def add_index(apps, schema_editor):
    model = apps.get_model("resumes", "ResumeSearchEntry")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(model, INDEX, concurrently=True)
        schema_editor.execute("ANALYZE resumes_resumesearchentry")
    else:
        schema_editor.add_index(model, INDEX)


def remove_index(apps, schema_editor):
    model = apps.get_model("resumes", "ResumeSearchEntry")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(model, INDEX, concurrently=True)
    else:
        schema_editor.remove_index(model, INDEX)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("resumes", "0012_resumesearchentry"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="resumesearchentry", index=INDEX)],
            database_operations=[migrations.RunPython(add_index, remove_index)],
        ),
    ]
