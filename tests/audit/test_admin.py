"""The admin's "Verify the chain": the same check as the command, its result, the latest digest and the public key."""

import pytest

from audit.models import AuditDigest, AuditEvent
from audit.services import record_event, write_chain_digest
from tests.audit import tampering
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DIGESTS = "/admin/audit/auditdigest/"
VERIFY = "/admin/audit/auditdigest/verify/"
TEST_PUBLIC_KEY = "4KzhKxrW5rYFOvscsYrfahjXRTJd+4+O9utlLy9p5bU="


def append(count: int) -> None:
    for index in range(count):
        record_event(action="organization.licence_viewed", details={"n": index})


def test_the_digest_page_shows_the_public_key_the_latest_digest_and_the_verify_button(operator_client):
    append(2)
    write_chain_digest()
    append(1)
    latest = write_chain_digest()

    page = " ".join(operator_client.get(DIGESTS).content.decode().split())

    assert TEST_PUBLIC_KEY in page
    assert "Latest digest: head #3" in page and latest.hash in page
    assert "signature <strong>valid</strong>" in page
    assert VERIFY in page and "Verify the chain" in page
    assert VERIFY in operator_client.get("/admin/audit/auditevent/").content.decode()


def test_a_digest_whose_signature_was_forged_shows_as_invalid(operator_client):
    append(1)
    write_chain_digest()
    tampering.rewrite_digests(hash="b" * 64)

    page = " ".join(operator_client.get(DIGESTS).content.decode().split())

    assert "signature <strong>INVALID</strong>" in page


def test_verifying_an_intact_chain_says_so_and_is_recorded(operator_client, operator):
    append(3)
    write_chain_digest()

    page = " ".join(operator_client.post(VERIFY, REMOTE_ADDR="203.0.113.9").content.decode().split())

    assert "Audit chain intact: 3 events verified;" in page
    assert "2 signed heads" in page  # the digest row and the file line
    event = AuditEvent.objects.get(action="audit.chain_verified")
    assert (event.actor_id, event.outcome, event.code, event.ip) == (operator.pk, "intact", "", "203.0.113.9")
    assert event.details == {"events_verified": 3, "signed_heads_checked": 2, "first_problem_seq": None}


def test_verifying_a_rewritten_chain_names_the_first_inconsistency(operator_client, operator):
    append(4)
    write_chain_digest()
    tampering.delete_events(2)
    tampering.rechain_from(2)

    page = " ".join(operator_client.post(VERIFY).content.decode().split())

    assert "Audit chain BROKEN at event #4 (beyond_chain_end)" in page
    event = AuditEvent.objects.get(action="audit.chain_verified")
    assert (event.outcome, event.code, event.details["first_problem_seq"]) == ("broken", "beyond_chain_end", 4)


def test_looking_at_the_verify_page_runs_nothing(operator_client):
    append(1)

    page = " ".join(operator_client.get(VERIFY).content.decode().split())

    assert "Verify the chain" in page and TEST_PUBLIC_KEY in page and "No digest written yet." in page
    assert not AuditEvent.objects.filter(action="audit.chain_verified").exists()


def test_staff_without_audit_permissions_cannot_verify(client):
    client.force_login(UserFactory(role="operator", is_staff=True))

    assert client.post(VERIFY).status_code == 403
    assert not AuditEvent.objects.filter(action="audit.chain_verified").exists()


def test_digests_stay_read_only_in_the_admin(operator_client):
    append(1)
    digest = write_chain_digest()

    assert operator_client.get(f"{DIGESTS}add/").status_code == 403
    assert operator_client.get(f"{DIGESTS}{digest.pk}/delete/").status_code == 403
    assert AuditDigest.objects.count() == 1
