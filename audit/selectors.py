"""Reads on the audit log: walking the chain and holding it against every signed head on record.

`verify_chain` is the one check: `manage.py verify_audit_chain` and the admin's
"Verify the chain" both call it, so they cannot disagree.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db.models import Max

from . import digests, signing
from .chain import GENESIS_HASH, event_hash
from .models import ActivityEvent, ActivityKind, AuditChainHead, AuditDigest, AuditEvent

VERIFY_BATCH_SIZE = 2000
# A look-up of the chain's hashes at the signed heads' positions, this many positions at a time.
HEAD_LOOKUP_BATCH_SIZE = 1000


class ProblemKind:
    """What verification found; the admin's audit event stores it as its code."""

    MISSING_EVENT = "missing_event"
    BROKEN_LINK = "broken_link"
    EDITED_EVENT = "edited_event"
    HEAD_ROW_MISMATCH = "head_row_mismatch"
    BAD_SIGNATURE = "bad_signature"
    HEAD_MISMATCH = "head_mismatch"
    BEYOND_CHAIN_END = "beyond_chain_end"
    UNREADABLE_DIGEST = "unreadable_digest"


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str
    kind: str = ProblemKind.BROKEN_LINK


@dataclass(frozen=True)
class ChainReport:
    """The links alone: what `walk_chain` proves."""

    verified: int
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


@dataclass(frozen=True)
class ChainVerification:
    """The links and the signed heads: what `verify_chain` proves. `problem` is the first of `problems`."""

    verified: int
    chain_end: int
    signed_heads: int
    unsigned_heads: int
    problems: tuple[ChainBreak, ...]

    @property
    def problem(self) -> ChainBreak | None:
        return self.problems[0] if self.problems else None

    @property
    def ok(self) -> bool:
        return not self.problems


def walk_chain(*, on_event: Callable[[], None] | None = None) -> ChainReport:
    """Recompute every link in seq order; stop at the first that does not hold."""
    expected_prev, expected_seq, verified = GENESIS_HASH, 1, 0
    for event in _events_in_order():
        if event.seq != expected_seq:
            return ChainReport(
                verified, ChainBreak(expected_seq, f"event #{expected_seq} is missing", ProblemKind.MISSING_EVENT)
            )
        if event.prev_hash != expected_prev:
            return ChainReport(verified, ChainBreak(event.seq, "prev_hash does not match the previous event"))
        if event_hash(event) != event.hash:
            return ChainReport(
                verified,
                ChainBreak(event.seq, "hash does not match the event's content", ProblemKind.EDITED_EVENT),
            )
        expected_prev, expected_seq, verified = event.hash, expected_seq + 1, verified + 1
        if on_event is not None:
            on_event()
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (verified, expected_prev):
        return ChainReport(
            verified,
            ChainBreak(verified + 1, "the chain head does not match the last event", ProblemKind.HEAD_ROW_MISMATCH),
        )
    return ChainReport(verified, None)


def verify_chain(
    *, on_event: Callable[[], None] | None = None, public_keys: list[Ed25519PublicKey] | None = None
) -> ChainVerification:
    """Walk the links, then hold the chain against every head in the digest table, the digest file and its mirror.

    A signed head must carry a valid signature under the platform's public key (or a
    retired one, or `public_keys` when given), and the chain's event at its seq must
    have exactly its hash. Deleting events and re-chaining the rest keeps every link
    intact, but cannot keep those heads: it is found here.
    """
    keys = signing.verification_keys() if public_keys is None else public_keys
    links = walk_chain(on_event=on_event)
    problems = [links.broken] if links.broken is not None else []
    heads: list[digests.SignedHead] = []
    for record in _all_heads():
        if isinstance(record, digests.UnreadableDigest):
            problems.append(
                ChainBreak(
                    0, f"{record.source}: not a digest line, the record was edited", ProblemKind.UNREADABLE_DIGEST
                )
            )
        else:
            heads.append(record)
    chain_end = AuditEvent.objects.aggregate(end=Max("seq"))["end"] or 0
    hashes = _chain_hashes_at({head.seq for head in heads})
    matching_seqs = sorted(head.seq for head in heads if hashes.get(head.seq) == head.hash)
    signed = unsigned = 0
    for head in heads:
        if head.signature:
            signed += 1
            if not signing.head_signature_is_valid(
                seq=head.seq, hash=head.hash, signed_at=head.signed_at, signature=head.signature, keys=keys
            ):
                problems.append(
                    ChainBreak(
                        head.seq,
                        f"{head.source}: the signature of head #{head.seq} was not made by the platform's key",
                        ProblemKind.BAD_SIGNATURE,
                    )
                )
                continue
        else:
            unsigned += 1
        if head.seq > chain_end:
            problems.append(
                ChainBreak(
                    head.seq,
                    f"{head.source}: head #{head.seq} lies beyond the chain's end at #{chain_end}: "
                    "events were removed from its end",
                    ProblemKind.BEYOND_CHAIN_END,
                )
            )
        elif hashes.get(head.seq) != head.hash:
            last_good = max((seq for seq in matching_seqs if seq < head.seq), default=0)
            problems.append(
                ChainBreak(
                    head.seq,
                    f"{head.source}: event #{head.seq} does not have the hash of the signed head: "
                    f"the chain was rewritten after #{last_good} and at or before #{head.seq}",
                    ProblemKind.HEAD_MISMATCH,
                )
            )
    problems.sort(key=lambda problem: problem.seq)
    return ChainVerification(links.verified, chain_end, signed, unsigned, tuple(problems))


def latest_digest() -> AuditDigest | None:
    return AuditDigest.objects.order_by("-created_at", "-id").first()


def digest_signature_is_valid(digest: AuditDigest) -> bool | None:
    """True or False for a signed digest under the platform's keys; None for one written before signing."""
    if not digest.signature:
        return None
    return signing.head_signature_is_valid(
        seq=digest.seq,
        hash=digest.hash,
        signed_at=digest.created_at,
        signature=digest.signature,
        keys=signing.verification_keys(),
    )


@dataclass(frozen=True)
class PublicKey:
    text: str
    pem: str
    fingerprint: str


def platform_public_key() -> PublicKey | None:
    """The published key that verifies the signed heads; None where AUDIT_SIGNING_KEY is not set."""
    if not settings.AUDIT_SIGNING_KEY:
        return None
    key = signing.signing_key().public_key()
    return PublicKey(signing.public_key_text(key), signing.public_key_pem(key), signing.public_key_fingerprint(key))


def _all_heads() -> Iterator[digests.SignedHead | digests.UnreadableDigest]:
    for digest in AuditDigest.objects.order_by("id").iterator():
        yield digests.SignedHead(
            f"digest table (row {digest.pk})", digest.seq, digest.hash, digest.created_at, digest.signature
        )
    yield from digests.external_heads()


def _chain_hashes_at(seqs: set[int]) -> dict[int, str]:
    """The stored hash of the chain's event at each seq (the genesis hash at 0); absent seqs are left out."""
    found = {0: GENESIS_HASH} if 0 in seqs else {}
    wanted = sorted(seq for seq in seqs if seq > 0)
    for start in range(0, len(wanted), HEAD_LOOKUP_BATCH_SIZE):
        batch = wanted[start : start + HEAD_LOOKUP_BATCH_SIZE]
        found.update(AuditEvent.objects.filter(seq__in=batch).values_list("seq", "hash"))
    return found


def _events_in_order() -> Iterator[AuditEvent]:
    # Keyset batches keep memory flat on a long chain.
    last_seq = 0
    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:VERIFY_BATCH_SIZE])
        if not batch:
            return
        yield from batch
        last_seq = batch[-1].seq


def chain_length() -> int:
    return AuditEvent.objects.count()


# Reads for the detectors (detection.services.run_detectors): new events since a watermark, by index.

AUDIT_EVENT_FIELDS = (
    "seq",
    "created_at",
    "action",
    "actor_id",
    "organization_id",
    "target_id",
    "code",
    "ip",
    "details",
)


def audit_events_since(*, after_seq: int, actions: tuple[str, ...], limit: int) -> tuple[list[dict], int]:
    """Events of `actions` after `after_seq`, oldest first, and the seq a reader has now seen up to.

    Seqs are taken under the chain head's lock until the appending transaction commits,
    so every seq up to the highest committed one is already visible: nothing is skipped.
    """
    upper = AuditEvent.objects.filter(seq__gt=after_seq).order_by("-seq").values_list("seq", flat=True).first()
    if upper is None:
        return [], after_seq
    rows = list(
        AuditEvent.objects.filter(seq__gt=after_seq, seq__lte=upper, action__in=actions)
        .order_by("seq")
        .values(*AUDIT_EVENT_FIELDS)[:limit]
    )
    return rows, rows[-1]["seq"] if len(rows) == limit else upper


def activity_events_since(*, after_id: int, limit: int) -> list[dict]:
    """Searches and masked views after `after_id`, oldest first (rate-limited requests are not among them)."""
    return list(
        ActivityEvent.objects.filter(id__gt=after_id, kind__in=(ActivityKind.SEARCH, ActivityKind.VIEW))
        .order_by("id")
        .values("id", "kind", "actor_id", "organization_id", "resume_id", "filters", "result_count", "created_at")[
            :limit
        ]
    )


def viewed_resumes(*, actor_ids: set, resume_ids: set, since) -> set[tuple[str, str]]:
    """(actor id, resume id) pairs among these in which the actor opened the masked resume since `since`."""
    if not actor_ids or not resume_ids:
        return set()
    pairs = (
        ActivityEvent.objects.filter(
            kind=ActivityKind.VIEW, actor_id__in=actor_ids, resume_id__in=resume_ids, created_at__gte=since
        )
        .values_list("actor_id", "resume_id")
        .distinct()
    )
    return {(str(actor), str(resume)) for actor, resume in pairs}
