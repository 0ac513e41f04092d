"""What PostgreSQL reads for a query: the rows a transaction has read, and the indexes of a generic plan.

The indexes PostgreSQL's generic plan of a query would read are what a statement prepared by psycopg comes to.

psycopg prepares a statement after a few runs on a connection, and PostgreSQL's plan cache may then plan
it once for any values. A list that filters by a rare value and orders newest first can then walk a whole
table through its newest-first index; these tests look at that plan directly.
"""

import psycopg
from django.db import connection
from django.db.models import QuerySet


def rows_read(table: str) -> int:
    """Rows of `table` this transaction has read so far, by index or by scan."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0) FROM pg_stat_xact_user_tables"
            " WHERE relname = %s",
            [table],
        )
        return cursor.fetchone()[0]


def generic_plan_indexes(queryset: QuerySet) -> set[str]:
    """Every index named in the generic plan of `queryset`'s statement, after the caller's ANALYZE."""
    sql, params = queryset.query.sql_with_params()
    numbered = sql % tuple(f"${number}" for number in range(1, len(params) + 1))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE generic_plan_under_test AS {numbered}")
    try:
        # Literal arguments: EXECUTE takes no bound parameters, whatever binding this connection uses.
        with psycopg.ClientCursor(connection.connection) as cursor:
            arguments = ", ".join(["%s"] * len(params))
            cursor.execute(f"EXPLAIN (FORMAT JSON) EXECUTE generic_plan_under_test({arguments})", list(params))
            plan = cursor.fetchone()[0][0]["Plan"]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE generic_plan_under_test")
    return _index_names(plan)


def _index_names(plan: dict) -> set[str]:
    names = {plan["Index Name"]} if "Index Name" in plan else set()
    for child in plan.get("Plans", ()):
        names |= _index_names(child)
    return names
