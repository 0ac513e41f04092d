"""The published key and what `load_public_key` refuses; written for the survivors of mutation testing (README).

A retired public key arrives as text from the environment (AUDIT_RETIRED_PUBLIC_KEYS) or from an
operator (`verify_audit_chain --public-key`): text that is not exactly an Ed25519 key must be
refused with a message that says so, not read leniently into some other key.
"""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured

from audit import selectors, signing

# The public half of config/settings/test.py's AUDIT_SIGNING_KEY (as in test_signed_heads.py).
TEST_PUBLIC_KEY = "4KzhKxrW5rYFOvscsYrfahjXRTJd+4+O9utlLy9p5bU="


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
