"""Reads on the audit log: walking the chain to prove it unbroken."""

from collections.abc import Iterator
from dataclasses import dataclass

from .chain import GENESIS_HASH, event_hash
from .models import ActivityEvent, ActivityKind, AuditChainHead, AuditEvent

VERIFY_BATCH_SIZE = 2000


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    verified: int
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def walk_chain(*, on_event=None) -> ChainReport:
    """Recompute every link in seq order; stop at the first that does not hold."""
    expected_prev, expected_seq, verified = GENESIS_HASH, 1, 0
    for event in _events_in_order():
        if event.seq != expected_seq:
            return ChainReport(verified, ChainBreak(expected_seq, f"event #{expected_seq} is missing"))
        if event.prev_hash != expected_prev:
            return ChainReport(verified, ChainBreak(event.seq, "prev_hash does not match the previous event"))
        if event_hash(event) != event.hash:
            return ChainReport(verified, ChainBreak(event.seq, "hash does not match the event's content"))
        expected_prev, expected_seq, verified = event.hash, expected_seq + 1, verified + 1
        if on_event is not None:
            on_event()
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (verified, expected_prev):
        return ChainReport(verified, ChainBreak(verified + 1, "the chain head does not match the last event"))
    return ChainReport(verified, None)


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
    """Searches and masked views after `after_id`, oldest first."""
    return list(
        ActivityEvent.objects.filter(id__gt=after_id)
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
