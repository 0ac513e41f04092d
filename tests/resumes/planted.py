"""Planted contact details that tests search for in stored rows, exports and logs, and the raw rows to search."""

from django.db import connection

PLANTED_NAME = "Zelda Quuxworth 祝融夫"
PLANTED_PHONE = "+8613987654321"
PLANTED_PHONE_LOCAL = "13987654321"
PLANTED_EMAIL = "zelda.quuxworth.77@example.test"
PLANTED_ADDRESS = "Planted Road 99, 浦东新区"


def raw_rows(*tables: str) -> str:
    """Every column of every row of the tables, as the database holds them."""
    chunks = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)
