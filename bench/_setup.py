"""Shared set-up for the benchmarks: Django on DATABASE_URL, migrated and emptied, with the test factories."""

import math
import os
import statistics
import sys
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def setup_django(settings_module: str = "config.settings.test") -> None:
    """Django on a new, migrated, empty database; test settings (fixed keys, fast hashing) unless told otherwise."""
    sys.path.insert(0, str(PROJECT_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    recreate_postgres_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    if connection.vendor != "postgresql":
        # Every run starts from an empty scratch database, so runs compare.
        call_command("flush", interactive=False, verbosity=0)


def recreate_postgres_database() -> None:
    """Drop and create DATABASE_URL's PostgreSQL database; nothing on SQLite.

    `manage.py flush` cannot empty it there: the audit tables' triggers refuse TRUNCATE
    (audit/migrations/0005). Only a database whose name says "bench" is dropped.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to drop the database {name!r}: a benchmark's scratch database has 'bench' in its name")
    import psycopg
    from psycopg import sql

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def percentile(ordered: list[float], share: float) -> float:
    """The value at `share` (0..1) of a sorted list, nearest rank."""
    return ordered[max(0, min(len(ordered) - 1, math.ceil(len(ordered) * share) - 1))]


def summary(label: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"{label:<24} n={len(ordered):<5} p50={statistics.median(ordered) * 1000:7.1f} ms  "
        f"p95={p95 * 1000:7.1f} ms  max={ordered[-1] * 1000:7.1f} ms"
    )
