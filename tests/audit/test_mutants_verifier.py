"""verify_chain: what its report says, not only whether it is ok; found unpinned by mutation testing."""

import pytest

from audit import selectors
from audit.chain import GENESIS_HASH
from audit.selectors import ProblemKind
from audit.services import record_event, write_chain_digest
from tests.audit import tampering

pytestmark = pytest.mark.django_db


def append(count: int) -> None:
    for index in range(count):
        record_event(action="organization.licence_viewed", details={"n": index})


def test_a_missing_event_is_named_with_the_events_verified_before_it_and_the_chain_end():
    append(4)
    tampering.delete_events(3)

    verification = selectors.verify_chain()

    assert verification.problem == selectors.ChainBreak(3, "event #3 is missing", ProblemKind.MISSING_EVENT)
    assert (verification.verified, verification.chain_end) == (2, 4)


def test_on_event_is_called_once_per_verified_event():
    append(3)
    calls = []

    selectors.verify_chain(on_event=lambda: calls.append(1))

    assert len(calls) == 3


def test_an_empty_chain_verifies_and_ends_at_zero():
    verification = selectors.verify_chain()

    assert verification.ok
    assert (verification.verified, verification.chain_end) == (0, 0)


def test_every_unsigned_head_is_counted(digest_file):
    append(2)
    hashes = dict(selectors._chain_hashes_at({1, 2}))
    digest_file.write_text(
        f"2026-11-01T03:00:00+00:00 seq=1 sha256={hashes[1]}\n2026-11-02T03:00:00+00:00 seq=2 sha256={hashes[2]}\n"
    )

    verification = selectors.verify_chain()

    assert verification.ok
    assert (verification.signed_heads, verification.unsigned_heads) == (0, 2)


def test_a_head_beyond_the_chain_end_says_that_events_were_removed_from_the_end(digest_file):
    append(2)
    digest_file.write_text(f"2026-11-01T03:00:00+00:00 seq=5 sha256={'c' * 64}\n")

    problem = selectors.verify_chain().problem

    assert (problem.kind, problem.seq) == (ProblemKind.BEYOND_CHAIN_END, 5)
    assert problem.reason.endswith("head #5 lies beyond the chain's end at #2: events were removed from its end")


def test_a_head_signed_on_an_empty_chain_holds_the_genesis_hash():
    digest = write_chain_digest()
    append(2)

    verification = selectors.verify_chain()

    assert (digest.seq, digest.hash) == (0, GENESIS_HASH)
    assert verification.ok
    assert verification.signed_heads == 2  # the digest row and the digest file line


def test_the_hashes_at_the_heads_are_read_in_one_query(django_assert_num_queries):
    append(3)

    with django_assert_num_queries(1):
        hashes = selectors._chain_hashes_at({1, 2, 3})

    assert sorted(hashes) == [1, 2, 3]


def test_an_edited_event_is_named_with_the_events_verified_before_it():
    append(3)
    tampering.set_fields(selectors.AuditEvent.objects.get(seq=2), code="forged")

    verification = selectors.verify_chain()

    assert verification.problem == selectors.ChainBreak(
        2, "hash does not match the event's content", ProblemKind.EDITED_EVENT
    )
    assert verification.verified == 1


def test_a_broken_link_is_named():
    append(3)
    tampering.set_fields(selectors.AuditEvent.objects.get(seq=2), prev_hash="f" * 64)

    verification = selectors.verify_chain()

    assert verification.problem == selectors.ChainBreak(
        2, "prev_hash does not match the previous event", ProblemKind.BROKEN_LINK
    )
    assert verification.verified == 1


def test_a_head_row_behind_the_last_event_is_named_after_the_last_event():
    append(3)
    second = selectors.AuditEvent.objects.get(seq=2)
    tampering.move_head(seq=2, hash=second.hash)

    verification = selectors.verify_chain()

    assert verification.problem == selectors.ChainBreak(
        4, "the chain head does not match the last event", ProblemKind.HEAD_ROW_MISMATCH
    )
    assert verification.verified == 3
