"""The indexes a charged reveal writes: none that another index already gives, none that no query uses.

A charged reveal inserts a row into each of these tables (the relay contact only when it issues one),
and every index of a table is one more entry written, with its WAL, inside the transaction that holds
the quota counters and the chain head (BENCHMARKS.md, "Fewer indexes").
"""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

WRITTEN_BY_A_CHARGED_REVEAL = (
    "resumes_reveal",
    "resumes_notification",
    "outbox_outboxmessage",
    "audit_auditevent",
    "resumes_relaycontact",
)

INDEXES = """
SELECT index.relname, indexes.indisunique, indexes.indpred IS NOT NULL OR method.amname <> 'btree',
       ARRAY(SELECT pg_get_indexdef(indexes.indexrelid, position, true)
             FROM generate_series(1, indexes.indnkeyatts) AS position),
       pg_get_indexdef(indexes.indexrelid)
FROM pg_index AS indexes
JOIN pg_class AS index ON index.oid = indexes.indexrelid
JOIN pg_am AS method ON method.oid = index.relam
WHERE indexes.indrelid = %s::regclass
"""


def indexes_of(table: str) -> list[tuple[str, bool, bool, list[str], str]]:
    """(name, unique, partial or not a btree, key columns, definition) of each index: only a plain btree serves
    every query on its leading columns, so only such an index can make another redundant, or be."""
    with connection.cursor() as cursor:
        cursor.execute(INDEXES, [table])
        return cursor.fetchall()


@pytest.mark.parametrize("table", WRITTEN_BY_A_CHARGED_REVEAL)
def test_no_index_is_a_leading_part_of_another(table):
    indexes = indexes_of(table)
    redundant = [
        (name, other)
        for name, unique, partial, columns, _ in indexes
        if not unique and not partial
        for other, _, other_partial, other_columns, _ in indexes
        if other != name and not other_partial and other_columns[: len(columns)] == columns
    ]
    assert redundant == []


@pytest.mark.parametrize("table", WRITTEN_BY_A_CHARGED_REVEAL)
def test_no_index_is_a_pattern_copy(table):
    pattern_copies = [name for name, *_, definition in indexes_of(table) if "_pattern_ops" in definition]
    assert pattern_copies == []


def test_the_dropped_indexes_leave_what_their_queries_need():
    """The covering index of each dropped foreign-key index is there, and so are the plain audit indexes."""
    leading = {
        (table, columns[0]) for table in WRITTEN_BY_A_CHARGED_REVEAL for _, _, _, columns, _ in indexes_of(table)
    }

    assert ("resumes_reveal", "organization_id") in leading
    assert ("resumes_relaycontact", "resume_id") in leading
    assert ("resumes_relaycontact", "email_alias") in leading
    assert ("audit_auditevent", "action") in leading
    assert ("audit_auditevent", "target_id") in leading
