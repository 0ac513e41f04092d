"""The chain's hash format, pinned by test vectors: a change to it breaks every chain already stored.

Recording and verifying share `canonical_json`, so a change to the format (keys, types,
separators, escaping, datetime text) leaves every round trip in the suite green; mutation
testing showed it (README, "Mutation testing"). Stored chains and signed heads were hashed
with the format as it is here, and verification of them must not change silently.
"""

import datetime as dt
import hashlib
import uuid

import pytest

from audit.chain import GENESIS_HASH, canonical_json, canonical_json_around_link, event_hash
from audit.models import AuditEvent

# Every kind of value a hashed field holds: int, str, UUID, datetime with microseconds, None,
# and details with nested list, null, bool, non-ASCII text and keys out of order.
REVEAL = AuditEvent(
    seq=7,
    prev_hash="ab" * 32,
    created_at=dt.datetime(2026, 11, 29, 3, 4, 5, 678901, tzinfo=dt.UTC),
    action="reveal.granted",
    actor_id=uuid.UUID("12345678-1234-5678-1234-567812345678"),
    actor_role="recruiter",
    organization_id=42,
    target_type="resume",
    target_id="9f1c",
    job_id=314,
    outcome="granted",
    code="",
    ip="203.0.113.7",
    user_agent="ua/1.0",
    details={"charged": True, "reveal_id": 5, "via": ["relay", "电话"], "note": None},
)
REVEAL_JSON = (
    '{"action":"reveal.granted","actor_id":"12345678-1234-5678-1234-567812345678","actor_role":"recruiter",'
    '"code":"","created_at":"2026-11-29T03:04:05.678901+00:00",'
    '"details":{"charged":true,"note":null,"reveal_id":5,"via":["relay","电话"]},'
    '"ip":"203.0.113.7","job_id":314,"organization_id":42,"outcome":"granted",'
    '"prev_hash":"abababababababababababababababababababababababababababababababab","seq":7,'
    '"target_id":"9f1c","target_type":"resume","user_agent":"ua/1.0"}'
)
REVEAL_HASH = "2d535b91194283e5cf2e36c12189965355af139c93183e3935903c231f2d5112"

# The platform's own event: no actor, organisation, job or address.
PLATFORM = AuditEvent(
    seq=1,
    prev_hash=GENESIS_HASH,
    created_at=dt.datetime(2026, 11, 29, tzinfo=dt.UTC),
    action="audit.chain_verified",
    actor_id=None,
    actor_role="",
    organization_id=None,
    target_type="",
    target_id="",
    job_id=None,
    outcome="",
    code="",
    ip=None,
    user_agent="",
    details={},
)
PLATFORM_JSON = (
    '{"action":"audit.chain_verified","actor_id":null,"actor_role":"","code":"",'
    '"created_at":"2026-11-29T00:00:00+00:00","details":{},"ip":null,"job_id":null,"organization_id":null,'
    '"outcome":"","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,'
    '"target_id":"","target_type":"","user_agent":""}'
)
PLATFORM_HASH = "77c7b5849a32856cbfd5578d462dfe0d925fd104fec312497b9f6dbda98b8b98"


def test_an_event_with_every_kind_of_value_has_its_pinned_canonical_json_and_hash():
    assert canonical_json(REVEAL) == REVEAL_JSON
    assert event_hash(REVEAL) == REVEAL_HASH
    # The hash is SHA-256 of the previous hash followed by the canonical JSON, in UTF-8.
    assert hashlib.sha256((REVEAL.prev_hash + REVEAL_JSON).encode()).hexdigest() == REVEAL_HASH


def test_a_platform_event_hashes_its_empty_ids_as_null():
    assert canonical_json(PLATFORM) == PLATFORM_JSON
    assert event_hash(PLATFORM) == PLATFORM_HASH
    assert hashlib.sha256((GENESIS_HASH + PLATFORM_JSON).encode("utf-8")).hexdigest() == PLATFORM_HASH


def test_a_link_placeholder_that_the_events_own_content_holds_is_refused_by_name(monkeypatch):
    # The placeholders are random, so this never happens by chance; if it did, cutting the JSON at the
    # wrong occurrence would have the database hash another text than Python's: refused with its reason.
    marker = "cd" * 32
    monkeypatch.setattr("audit.chain.secrets.token_hex", lambda *args, **kwargs: marker)
    event = AuditEvent(seq=3, prev_hash=GENESIS_HASH, action="reveal.granted", details={"note": marker})

    with pytest.raises(ValueError) as refused:
        canonical_json_around_link(event)

    assert str(refused.value) == "the link's placeholders are not unique in the canonical JSON"
