"""Signed chain heads: the daily digest signs (seq, hash, time) and writes it to the table, the file and the mirror."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from audit import selectors, signing
from audit.models import AuditDigest, AuditEvent
from audit.selectors import ProblemKind
from audit.services import record_event, write_chain_digest

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 29, 3, 0, 0, 123456, tzinfo=UTC)
TEST_PUBLIC_KEY = "4KzhKxrW5rYFOvscsYrfahjXRTJd+4+O9utlLy9p5bU="


def append(count: int) -> None:
    for index in range(count):
        record_event(action="organization.licence_viewed", details={"n": index})


@time_machine.travel(NOW, tick=False)
def test_the_digest_task_signs_the_head_and_writes_it_to_table_file_and_mirror(digest_file, mirror_dir):
    append(3)
    head_hash = AuditEvent.objects.get(seq=3).hash

    from audit.tasks import write_chain_digest as digest_task

    digest_task.delay()

    digest = AuditDigest.objects.get()
    assert (digest.seq, digest.hash, digest.created_at) == (3, head_hash, NOW)
    public_key = signing.load_public_key(TEST_PUBLIC_KEY)
    assert signing.head_signature_is_valid(
        seq=3, hash=head_hash, signed_at=NOW, signature=digest.signature, keys=[public_key]
    )
    line = f"2026-11-29T03:00:00.123456+00:00 seq=3 sha256={head_hash} ed25519={digest.signature}\n"
    assert digest_file.read_text() == line
    (mirror_copy,) = mirror_dir.iterdir()
    assert mirror_copy.name == "20261129T030000123456Z-seq3.digest"
    assert mirror_copy.read_text() == line


def test_the_digest_file_is_appended_to(digest_file):
    append(1)
    write_chain_digest()
    append(1)
    write_chain_digest()

    lines = digest_file.read_text().splitlines()
    assert [line.split()[1] for line in lines] == ["seq=1", "seq=2"]


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 4},
        {"hash": "0" * 64},
        {"signed_at": NOW + timedelta(microseconds=1)},
    ],
)
def test_the_signature_covers_seq_hash_and_time(change):
    head = {"seq": 3, "hash": "a" * 64, "signed_at": NOW}
    signature = signing.sign_head(**head)
    keys = signing.verification_keys()

    assert signing.head_signature_is_valid(**head, signature=signature, keys=keys)
    assert not signing.head_signature_is_valid(**{**head, **change}, signature=signature, keys=keys)


def test_a_mirror_object_is_never_replaced(digest_file, mirror_dir):
    append(1)
    with time_machine.travel(NOW, tick=False):
        write_chain_digest()
        original = next(mirror_dir.iterdir()).read_text()

        with pytest.raises(FileExistsError):  # the same head at the same instant: the same object name
            write_chain_digest()

    assert next(mirror_dir.iterdir()).read_text() == original
    # The refused digest left nothing behind: no row, no line.
    assert AuditDigest.objects.count() == 1
    assert len(digest_file.read_text().splitlines()) == 1


def test_without_a_signing_key_no_digest_is_written(settings, digest_file):
    settings.AUDIT_SIGNING_KEY = ""
    append(1)

    with pytest.raises(ImproperlyConfigured, match="AUDIT_SIGNING_KEY"):
        write_chain_digest()

    assert not AuditDigest.objects.exists()
    assert not digest_file.exists()


def test_a_pem_key_signs_too(settings):
    key = Ed25519PrivateKey.generate()
    settings.AUDIT_SIGNING_KEY = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    append(1)

    digest = write_chain_digest()

    assert signing.head_signature_is_valid(
        seq=1, hash=digest.hash, signed_at=digest.created_at, signature=digest.signature, keys=[key.public_key()]
    )
    assert selectors.verify_chain().ok


def test_heads_signed_by_a_retired_key_still_verify(settings):
    append(1)
    write_chain_digest()
    old_public_key = signing.public_key_text(signing.signing_key().public_key())
    settings.AUDIT_SIGNING_KEY = signing.generate_signing_key()
    append(1)
    write_chain_digest()

    assert [problem.kind for problem in selectors.verify_chain().problems] == [ProblemKind.BAD_SIGNATURE] * 2

    settings.AUDIT_RETIRED_PUBLIC_KEYS = [old_public_key]
    assert selectors.verify_chain().ok


def test_unsigned_digests_from_before_signing_are_still_held_against_the_chain(digest_file):
    append(2)
    head_hash = AuditEvent.objects.get(seq=2).hash
    # The line format the digest task wrote before heads were signed.
    digest_file.write_text(f"2026-11-01T03:00:00+00:00 seq=2 sha256={head_hash}\n")

    verification = selectors.verify_chain()
    assert verification.ok
    assert (verification.signed_heads, verification.unsigned_heads) == (0, 1)

    digest_file.write_text(f"2026-11-01T03:00:00+00:00 seq=2 sha256={'b' * 64}\n")
    assert selectors.verify_chain().problem.kind == ProblemKind.HEAD_MISMATCH


def test_an_edited_line_in_the_digest_file_is_reported(digest_file):
    append(2)
    write_chain_digest()
    digest_file.write_text(digest_file.read_text().replace("seq=2", "seq=two"))

    verification = selectors.verify_chain()

    assert (verification.problem.kind, verification.problem.seq) == (ProblemKind.UNREADABLE_DIGEST, 0)
    assert verification.problem.reason.startswith("digest file line 1")


def test_audit_public_key_prints_the_public_half_of_the_signing_key():
    out = StringIO()
    call_command("audit_public_key", stdout=out)
    assert out.getvalue().strip() == TEST_PUBLIC_KEY

    pem = StringIO()
    call_command("audit_public_key", "--pem", stdout=pem)
    assert signing.public_key_text(signing.load_public_key(pem.getvalue())) == TEST_PUBLIC_KEY


def test_verify_audit_chain_checks_signatures_with_a_published_key_when_given_one():
    append(1)
    write_chain_digest()
    other = signing.public_key_text(Ed25519PrivateKey.generate().public_key())

    with pytest.raises(SystemExit):
        call_command("verify_audit_chain", "--public-key", other, stdout=StringIO(), stderr=StringIO())
    call_command("verify_audit_chain", "--public-key", TEST_PUBLIC_KEY, stdout=StringIO())


def test_a_malformed_signing_key_fails_the_system_checks(settings):
    settings.AUDIT_SIGNING_KEY = "not-a-key"
    settings.AUDIT_RETIRED_PUBLIC_KEYS = ["also-not-a-key"]

    ids = {message.id for message in run_checks()}

    assert {"audit.E001", "audit.E002"} <= ids


def test_a_missing_signing_key_fails_the_deployment_checks(settings):
    settings.AUDIT_SIGNING_KEY = ""

    assert "audit.E003" in {message.id for message in run_checks(include_deployment_checks=True)}
    assert "audit.E003" not in {message.id for message in run_checks()}


def test_generate_local_keys_adds_a_signing_key_and_keeps_the_others(tmp_path):
    keys_file = tmp_path / ".env.keys"
    keys_file.write_text("DJANGO_SECRET_KEY=kept\nFIELD_ENCRYPTION_KEYS=kept\nBLIND_INDEX_KEY=kept\n")

    call_command("generate_local_keys", "--path", str(keys_file), stdout=StringIO())
    call_command("generate_local_keys", "--path", str(keys_file), stdout=StringIO())  # twice: added once

    lines = keys_file.read_text().splitlines()
    assert lines[:3] == ["DJANGO_SECRET_KEY=kept", "FIELD_ENCRYPTION_KEYS=kept", "BLIND_INDEX_KEY=kept"]
    (signing_line,) = lines[3:]
    name, value = signing_line.split("=", 1)
    assert name == "AUDIT_SIGNING_KEY"
    signing.load_private_key(value)  # a usable key


def test_generate_local_keys_writes_a_signing_key_into_a_new_file(tmp_path):
    keys_file = tmp_path / ".env.keys"

    call_command("generate_local_keys", "--path", str(keys_file), stdout=StringIO())

    names = [line.split("=", 1)[0] for line in keys_file.read_text().splitlines() if "=" in line]
    assert names == ["DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "AUDIT_SIGNING_KEY"]
