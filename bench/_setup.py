"""Shared set-up for the benchmarks: Django on DATABASE_URL, migrated and emptied, with the test factories."""

import os
import statistics
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def setup_django() -> None:
    sys.path.insert(0, str(PROJECT_ROOT))
    # Test settings: fixed keys and fast password hashing; the database is whatever DATABASE_URL says.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Every run starts from an empty scratch database, so runs compare.
    call_command("flush", interactive=False, verbosity=0)


def summary(label: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"{label:<24} n={len(ordered):<5} p50={statistics.median(ordered) * 1000:7.1f} ms  "
        f"p95={p95 * 1000:7.1f} ms  max={ordered[-1] * 1000:7.1f} ms"
    )
