"""Reads on the audit log: walking the chain to prove it unbroken."""

from collections.abc import Iterator
from dataclasses import dataclass

from .chain import GENESIS_HASH, event_hash
from .models import AuditChainHead, AuditEvent

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
