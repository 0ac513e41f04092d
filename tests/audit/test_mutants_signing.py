"""The published key and what `load_public_key` refuses; written for the survivors of mutation testing (README).

A retired public key arrives as text from the environment (AUDIT_RETIRED_PUBLIC_KEYS) or from an
operator (`verify_audit_chain --public-key`): text that is not exactly an Ed25519 key must be
refused with a message that says so, not read leniently into some other key.
"""

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from audit import selectors, signing
from audit.models import AuditDigest

# The public half of config/settings/test.py's AUDIT_SIGNING_KEY (as in test_signed_heads.py).
TEST_PUBLIC_KEY = "4KzhKxrW5rYFOvscsYrfahjXRTJd+4+O9utlLy9p5bU="
NOW = datetime(2026, 11, 29, 3, 0, 0, 123456, tzinfo=UTC)
# Every signed head on record was signed over this layout: a change to it makes all of them "bad signatures".
HEAD_MESSAGE = (
    b'{"hash":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",'
    b'"purpose":"hirewall-audit-chain-head/v1","seq":3,"time":"2026-11-29T03:00:00.123456+00:00"}'
)
# Ed25519 is deterministic: the test key's signature of HEAD_MESSAGE.
HEAD_SIGNATURE = "2NX28E36FAzKJ22fIal5Q/yxSma77rJLTSAPrJGfA5oedMKoRucyF1DIiNgB49YmwDKM1eZPOjoHlAimOaGVBw=="


def test_the_fingerprint_is_the_first_16_hex_digits_of_the_raw_keys_sha256():
    key = signing.load_public_key(TEST_PUBLIC_KEY)

    fingerprint = signing.public_key_fingerprint(key)

    assert fingerprint == hashlib.sha256(base64.b64decode(TEST_PUBLIC_KEY)).hexdigest()[:16]
    assert len(fingerprint) == 16


def test_the_platform_public_key_is_published_as_text_pem_and_fingerprint():
    published = selectors.platform_public_key()

    assert published.text == TEST_PUBLIC_KEY
    assert signing.public_key_text(signing.load_public_key(published.pem)) == TEST_PUBLIC_KEY
    assert published.pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert published.fingerprint == signing.public_key_fingerprint(signing.load_public_key(TEST_PUBLIC_KEY))


def test_the_platform_public_key_is_none_without_a_signing_key(settings):
    settings.AUDIT_SIGNING_KEY = ""

    assert selectors.platform_public_key() is None


@pytest.mark.parametrize("text", [TEST_PUBLIC_KEY[:10] + "!" + TEST_PUBLIC_KEY[10:], "*" + TEST_PUBLIC_KEY])
def test_a_public_key_with_characters_outside_base64_is_refused_not_read_around(text):
    # A lenient decoder drops the stray characters and would read the published key out of this text.
    with pytest.raises(ImproperlyConfigured) as refused:
        signing.load_public_key(text)

    assert str(refused.value).startswith("not an Ed25519 public key: ")


def test_a_pem_public_key_of_another_algorithm_is_refused_by_name():
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )

    with pytest.raises(ImproperlyConfigured) as refused:
        signing.load_public_key(pem)

    assert str(refused.value) == "a PEM public key, but not an Ed25519 one"


def ec_private_pem() -> str:
    return (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


def test_the_signed_head_message_has_its_pinned_layout_and_signature():
    assert signing.head_message(seq=3, hash="a" * 64, signed_at=NOW) == HEAD_MESSAGE
    assert signing.sign_head(seq=3, hash="a" * 64, signed_at=NOW) == HEAD_SIGNATURE


def test_the_signed_time_is_utc_whatever_the_servers_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"  # Django sets the process's TZ from it
    shanghai = NOW.astimezone(datetime.now().astimezone().tzinfo)

    assert signing.signed_time(shanghai) == "2026-11-29T03:00:00.123456+00:00"
    assert signing.head_message(seq=3, hash="a" * 64, signed_at=shanghai) == HEAD_MESSAGE


def test_a_signature_with_characters_outside_base64_is_not_valid():
    keys = signing.verification_keys()
    head = {"seq": 3, "hash": "a" * 64, "signed_at": NOW}
    assert signing.head_signature_is_valid(**head, signature=HEAD_SIGNATURE, keys=keys)

    # A lenient decoder would drop the stray characters and find the valid signature again.
    assert not signing.head_signature_is_valid(**head, signature="!" + HEAD_SIGNATURE, keys=keys)
    assert not signing.head_signature_is_valid(**head, signature="!!!", keys=keys)


def test_the_current_key_comes_before_the_retired_ones(settings):
    retired = signing.public_key_text(Ed25519PrivateKey.generate().public_key())
    settings.AUDIT_RETIRED_PUBLIC_KEYS = [retired]

    keys = [signing.public_key_text(key) for key in signing.verification_keys()]

    assert keys == [TEST_PUBLIC_KEY, retired]


def test_an_empty_signing_key_is_refused_with_what_it_means():
    with pytest.raises(ImproperlyConfigured) as refused:
        signing.load_private_key("  \n")

    assert str(refused.value) == "AUDIT_SIGNING_KEY is not set: chain heads cannot be signed."


def test_a_private_key_with_characters_outside_base64_is_refused_not_read_around(settings):
    with pytest.raises(ImproperlyConfigured) as refused:
        signing.load_private_key("*" + settings.AUDIT_SIGNING_KEY)

    assert str(refused.value).startswith("AUDIT_SIGNING_KEY is not an Ed25519 private key: ")


def test_a_pem_private_key_of_another_algorithm_is_refused_by_name():
    with pytest.raises(ImproperlyConfigured) as refused:
        signing.load_private_key(ec_private_pem())

    assert str(refused.value) == "AUDIT_SIGNING_KEY is a PEM key, but not an Ed25519 one."


@pytest.mark.django_db
def test_the_latest_digest_is_the_one_signed_last_and_the_later_row_of_a_tie():
    signed_last = AuditDigest.objects.create(seq=2, hash="b" * 64, created_at=NOW)
    AuditDigest.objects.create(seq=1, hash="a" * 64, created_at=NOW - timedelta(days=1))  # a later row, older head
    assert selectors.latest_digest() == signed_last

    tie = AuditDigest.objects.create(seq=3, hash="c" * 64, created_at=NOW)
    assert selectors.latest_digest() == tie
