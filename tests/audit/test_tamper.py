"""Tampering with the chain as someone with database write access would, and what verification finds.

Every hashed field is edited, with and without recomputing that event's hash; a
suffix is rewritten and the head moved; events are dropped and the rest re-chained.
The links alone cannot see the last two: the signed heads do.
"""

import base64
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit import digests, selectors, signing
from audit.chain import HASHED_FIELDS, event_hash
from audit.models import AuditChainHead, AuditDigest, AuditEvent
from audit.selectors import ProblemKind
from audit.services import record_event, write_chain_digest
from tests.audit import tampering
from tests.employers.factories import OrganizationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EDITED_SEQ = 3

# A different, storable value for each hashed field of an event (seq is the position itself).
FORGED_VALUES = {
    "created_at": lambda event: event.created_at + timedelta(seconds=1),
    "action": lambda event: "reveal.forged",
    "actor_id": lambda event: uuid.uuid4(),
    "actor_role": lambda event: "operator",
    "organization_id": lambda event: event.organization_id + 1000,
    "target_type": lambda event: "forged",
    "target_id": lambda event: "forged",
    "job_id": lambda event: event.job_id + 1000,
    "outcome": lambda event: "denied",
    "code": lambda event: "forged",
    "ip": lambda event: "198.51.100.99",
    "user_agent": lambda event: "forged-agent/1.0",
    "details": lambda event: {"n": 999},
    "prev_hash": lambda event: "f" * 64,
}
CONTENT_FIELDS = [name for name in FORGED_VALUES if name != "prev_hash"]


def test_every_hashed_field_but_seq_has_a_forged_value():
    assert set(FORGED_VALUES) == set(HASHED_FIELDS) - {"seq"}


def reveals(count: int) -> list[AuditEvent]:
    """A chain of reveal events with every field filled in, as the reveal service writes them."""
    recruiter = UserFactory(role="recruiter")
    organization = OrganizationFactory()
    return [
        record_event(
            action="reveal.granted",
            actor=recruiter,
            organization=organization,
            target_type="resume",
            target_id=str(uuid.uuid4()),
            job=4000 + index,
            outcome="granted",
            code="",
            ip="203.0.113.7",
            user_agent="curl/8.5",
            details={"n": index, "charged": True},
        )
        for index in range(count)
    ]


def forge(event: AuditEvent, field: str) -> None:
    stored = AuditEvent.objects.get(pk=event.pk)
    tampering.set_fields(stored, **{field: FORGED_VALUES[field](stored)})


def run_verify() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_chain", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("field", list(FORGED_VALUES))
def test_an_edited_field_breaks_its_own_event(field):
    events = reveals(5)

    forge(events[EDITED_SEQ - 1], field)

    verification = selectors.verify_chain()
    assert verification.problem.seq == EDITED_SEQ
    expected = ProblemKind.BROKEN_LINK if field == "prev_hash" else ProblemKind.EDITED_EVENT
    assert verification.problem.kind == expected
    assert verification.verified == EDITED_SEQ - 1


@pytest.mark.parametrize("field", list(FORGED_VALUES))
def test_an_edited_and_rehashed_event_breaks_the_next_link(field):
    events = reveals(5)
    edited = events[EDITED_SEQ - 1]

    forge(edited, field)
    new_hash = tampering.rehash(edited)

    assert new_hash != edited.hash  # the field is covered by the hash
    verification = selectors.verify_chain()
    # A forged prev_hash no longer links back; any other field's new hash no longer links forward.
    broken_at = EDITED_SEQ if field == "prev_hash" else EDITED_SEQ + 1
    assert (verification.problem.seq, verification.problem.kind) == (broken_at, ProblemKind.BROKEN_LINK)
    assert verification.verified == broken_at - 1


@pytest.mark.parametrize("field", CONTENT_FIELDS)
def test_a_rewritten_suffix_with_its_head_moved_is_caught_by_the_signed_head(field):
    events = reveals(5)
    write_chain_digest()

    forge(events[EDITED_SEQ - 1], field)
    tampering.rechain_from(EDITED_SEQ)

    assert selectors.walk_chain().ok  # every link and the head row hold: only the signed head can tell
    assert AuditChainHead.objects.get().hash != events[-1].hash
    verification = selectors.verify_chain()
    assert not verification.ok
    assert {(problem.seq, problem.kind) for problem in verification.problems} == {(5, ProblemKind.HEAD_MISMATCH)}
    assert "rewritten after #0 and at or before #5" in verification.problem.reason


def test_dropping_a_reveal_and_rechaining_the_rest_is_caught_by_the_signed_head():
    # Given a chain with an organisation's reveal at #4 and a signed digest of its head at #6,
    events = reveals(6)
    write_chain_digest()

    # when someone with database access drops that reveal, re-chains the rest and moves the head,
    tampering.delete_events(4)
    tampering.rechain_from(4)

    # then every link holds, but the signed head says the chain once reached #6.
    assert selectors.walk_chain().ok
    assert AuditChainHead.objects.get().seq == 5
    status, output = run_verify()
    assert status == 1
    assert "BROKEN at event #6 (beyond_chain_end)" in output
    assert "the chain's end at #5" in output
    # Padding the chain back to #6 through the application does not help either.
    record_event(action="organization.licence_viewed")
    verification = selectors.verify_chain()
    assert verification.problem.kind == ProblemKind.HEAD_MISMATCH
    assert verification.problem.seq == 6
    assert AuditEvent.objects.get(seq=6).hash != events[-1].hash


def test_an_earlier_signed_head_narrows_down_where_the_rewrite_began():
    reveals(3)
    write_chain_digest()
    reveals(3)
    write_chain_digest()

    tampering.delete_events(5)
    tampering.rechain_from(5)
    record_event(action="organization.licence_viewed")

    verification = selectors.verify_chain()
    assert verification.problem.seq == 6
    assert "rewritten after #3 and at or before #6" in verification.problem.reason


def test_the_first_inconsistency_is_the_earliest_one():
    events = reveals(6)
    write_chain_digest()
    forge(events[1], "code")  # #2 edited without rehashing,
    forge(events[4], "code")  # #5 edited and re-chained: the head at #6 no longer matches either
    tampering.rechain_from(5)

    verification = selectors.verify_chain()

    assert (verification.problem.seq, verification.problem.kind) == (2, ProblemKind.EDITED_EVENT)
    # The head at #6 is both in the digest table and in the file.
    kinds = [problem.kind for problem in verification.problems]
    assert kinds == [ProblemKind.EDITED_EVENT, ProblemKind.HEAD_MISMATCH, ProblemKind.HEAD_MISMATCH]


def test_a_signed_head_before_a_broken_link_is_reported_first():
    events = reveals(3)
    write_chain_digest()
    events += reveals(3)
    forge(events[1], "code")
    tampering.rechain_from(2)  # the signed head at #3 no longer matches
    forge(AuditEvent.objects.get(seq=5), "code")  # and #5 is edited without rehashing

    verification = selectors.verify_chain()

    assert (verification.problem.seq, verification.problem.kind) == (3, ProblemKind.HEAD_MISMATCH)
    assert verification.problems[-1].seq == 5


@pytest.mark.parametrize("field", ["seq", *FORGED_VALUES])
def test_every_hashed_field_changes_the_hash(field):
    (event,) = reveals(1)
    stored = AuditEvent.objects.get(pk=event.pk)
    setattr(stored, field, stored.seq + 1 if field == "seq" else FORGED_VALUES[field](stored))

    # seq is bound by the links as well; the hash covers it so that an event cannot be renumbered alone.
    assert event_hash(stored) != event.hash


def test_a_truncated_tail_with_the_head_moved_back_is_caught_by_the_signed_head():
    events = reveals(5)
    write_chain_digest()

    tampering.delete_events(4, 5)
    tampering.move_head(seq=3, hash=events[2].hash)

    assert selectors.walk_chain().ok
    verification = selectors.verify_chain()
    assert {(problem.seq, problem.kind) for problem in verification.problems} == {(5, ProblemKind.BEYOND_CHAIN_END)}


def test_a_head_signed_with_another_key_is_refused(digest_file):
    # Someone rewrites the chain, then signs its new head with a key of their own, in the table and the file.
    reveals(5)
    tampering.delete_events(3)
    tampering.rechain_from(3)
    head = AuditChainHead.objects.get()
    signed_at = timezone.now()
    their_key = signing.load_private_key(signing.generate_signing_key())
    message = signing.head_message(seq=head.seq, hash=head.hash, signed_at=signed_at)
    signature = base64.b64encode(their_key.sign(message)).decode()
    with tampering.triggers_disabled():
        AuditDigest.objects.create(seq=head.seq, hash=head.hash, created_at=signed_at, signature=signature)
    digest_file.write_text(digests.digest_line(seq=head.seq, hash=head.hash, signed_at=signed_at, signature=signature))

    verification = selectors.verify_chain()

    assert [problem.kind for problem in verification.problems] == [ProblemKind.BAD_SIGNATURE] * 2
    # With their public key instead of the platform's, the same heads would pass: the key is what matters.
    assert selectors.verify_chain(public_keys=[their_key.public_key()]).ok


def test_a_digest_row_edited_to_match_the_rewrite_fails_its_signature_and_the_file_still_holds():
    reveals(5)
    write_chain_digest()
    tampering.delete_events(3)
    tampering.rechain_from(3)
    record_event(action="organization.licence_viewed")
    new_head = AuditChainHead.objects.get()
    tampering.rewrite_digests(hash=new_head.hash)

    verification = selectors.verify_chain()

    problems = {(problem.kind, problem.reason.split(":")[0]) for problem in verification.problems}
    assert problems == {
        (ProblemKind.BAD_SIGNATURE, f"digest table (row {selectors.latest_digest().pk})"),
        (ProblemKind.HEAD_MISMATCH, "digest file line 1"),
    }


def test_the_verifier_reads_every_signed_head_source(mirror_dir, digest_file):
    reveals(2)
    write_chain_digest()
    reveals(1)
    write_chain_digest()

    verification = selectors.verify_chain()

    assert verification.ok
    # Two digests, each in the table, the file and the mirror.
    assert (verification.signed_heads, verification.unsigned_heads) == (6, 0)
    status, output = run_verify()
    assert status == 0
    assert "Audit chain intact: 3 events verified; 6 signed heads match it." in output
