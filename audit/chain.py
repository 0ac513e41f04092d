"""The hash chain: canonical JSON of an event and the hash that links it to the one before."""

import hashlib
import json
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
