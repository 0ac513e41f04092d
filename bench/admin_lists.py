"""Time the logs' admin lists on a loaded history: what an operator waits for on each view.

Runs in-process (Django's test client, signed in as an operator, no HTTP server) against DATABASE_URL as
it is: load a history first with `bench/detector_cost.py --load-only` (3.6M audit events, 5.4M activity
events, 1.0M logins, 3.9M aggregates at 10M). Each view is rendered --runs times on one connection, after
one unmeasured view; prints the median wall time, the statements and the slowest statement's time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hw_bench_admin_10000000 \\
        .venv/bin/python bench/admin_lists.py --runs 3
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# (list, query string): plain, filtered by a rare and a common value, by date, searched.
VIEWS = [
    ("audit/auditevent", ""),
    ("audit/auditevent", "action__exact=organization.suspended"),
    ("audit/auditevent", "outcome__exact=denied"),
    ("audit/auditevent", "actor_role__exact=operator"),
    ("audit/auditevent", "actor_role__exact=seeker"),
    ("audit/auditevent", "outcome__exact=refused"),
    ("audit/auditevent", "o=3"),
    ("audit/auditevent", "q=203.0.113.77"),
    ("audit/auditevent", "{date}"),
    ("audit/activityevent", ""),
    ("audit/activityevent", "kind__exact=rate_limited"),
    ("audit/activityevent", "o=6"),
    ("audit/activityevent", "{date}"),
    ("accounts/loginevent", ""),
    ("accounts/loginevent", "success__exact=0"),
    ("accounts/loginevent", "failure_reason__exact=bad_otp_token"),
    ("accounts/loginevent", "channel__exact=admin"),
    ("accounts/loginevent", "created_at__from={year}-06-01&created_at__to={year}-06-30"),
    ("accounts/loginevent", "q=203.0.113.77"),
    ("detection/activityaggregate", ""),
    ("detection/activityaggregate", "q={organization_id}"),
    ("detection/detectionrun", ""),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="measured views of each list (default 3)")
    parser.add_argument(
        "--drill-down",
        action="store_true",
        help="date views by the old drill-down (?created_at__year=), for a commit that still has it",
    )
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.db import DatabaseError, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from accounts.models import User

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.ADMIN_REQUIRE_OTP = False
    operator = User.objects.filter(email_blind_index="bench-admin-lists").first()
    if operator is None:
        operator = User.objects.create(
            email_blind_index="bench-admin-lists", role="operator", is_staff=True, is_superuser=True
        )
    client = Client()
    client.force_login(operator)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM employers_organization")
        organization_id = cursor.fetchone()[0]
    year = time.gmtime().tm_year
    date = f"created_at__year={year}" if arguments.drill_down else f"created_at__from={year}-01-01"

    print(f"{'list':30} {'query':45} {'median ms':>10} {'statements':>10} {'slowest ms':>10}")
    for path, query in VIEWS:
        query = query.format(date=date, organization_id=organization_id, year=year)
        url = f"/admin/{path}/?{query}"
        walls, statements, slowest = [], 0, 0.0
        try:
            client.get(url)
            for _ in range(arguments.runs):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    walls.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    break
        except DatabaseError as error:  # the statement timeout, past DB_STATEMENT_TIMEOUT_MS
            print(f"{path:30} {query[:45]:45} failed: {type(error).__name__}: {str(error).splitlines()[0]}")
            continue
        if response.status_code != 200:
            print(f"{path:30} {query[:45]:45} answered {response.status_code} {response.get('Location', '')}")
            continue
        statements = len(captured.captured_queries)
        slowest = max(float(statement["time"]) * 1000 for statement in captured.captured_queries)
        print(f"{path:30} {query[:45]:45} {statistics.median(walls):10.1f} {statements:10d} {slowest:10.1f}")


if __name__ == "__main__":
    main()
