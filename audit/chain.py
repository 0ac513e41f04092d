"""The hash chain: canonical JSON of an event and the hash that links it to the one before."""

import hashlib
import json
import secrets
from types import SimpleNamespace
from typing import Any

GENESIS_HASH = "0" * 64

# The fields an event's hash covers, in the order they are listed (the JSON itself is key-sorted).
HASHED_FIELDS = (
    "seq",
    "prev_hash",
    "created_at",
    "action",
    "actor_id",
    "actor_role",
    "organization_id",
    "target_type",
    "target_id",
    "job_id",
    "outcome",
    "code",
    "ip",
    "user_agent",
    "details",
)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str | list | dict):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def canonical_json(event) -> str:
    """Key-sorted, compact, UTF-8 JSON of the hashed fields; datetimes in ISO 8601, ids as strings."""
    document = {name: _plain(getattr(event, name)) for name in HASHED_FIELDS}
    document["actor_id"] = str(event.actor_id) if event.actor_id is not None else None
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(event) -> str:
    return hashlib.sha256((event.prev_hash + canonical_json(event)).encode()).hexdigest()


def canonical_json_around_link(event) -> tuple[str, str, str]:
    """`canonical_json(event)` cut where the values of prev_hash and seq go: (before, between, after).

    For an append whose link only the database knows until it holds the chain head:
    before + prev_hash + between + str(seq) + after is the canonical JSON of the event
    with that prev_hash and seq (migration 0008's `audit_append_event`).
    """
    prev_marker = secrets.token_hex(32)
    seq_marker = secrets.randbits(62) | 1 << 62  # 19 digits, found once or refused below
    stand_in = SimpleNamespace(**{name: getattr(event, name) for name in HASHED_FIELDS})
    stand_in.prev_hash, stand_in.seq = prev_marker, seq_marker
    text = canonical_json(stand_in)
    if text.count(prev_marker) != 1 or text.count(str(seq_marker)) != 1:
        raise ValueError("the link's placeholders are not unique in the canonical JSON")
    before, rest = text.split(prev_marker)
    between, after = rest.split(str(seq_marker))
    return before, between, after
