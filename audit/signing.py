"""Ed25519 signatures over chain heads: the platform's key signs (seq, hash, time) at every digest.

Someone who can write to the database can re-chain the events after deleting some,
but cannot sign the new head without the private key, which lives only in the
application's environment (AUDIT_SIGNING_KEY). The public key is published, so
anyone holding an old signed head can prove that the chain was rewritten since.
"""

import base64
import binascii
import hashlib
import json
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Names the message layout, so that a signature can never be replayed as something else.
HEAD_MESSAGE_PURPOSE = "hirewall-audit-chain-head/v1"


def generate_signing_key() -> str:
    """A new private key as AUDIT_SIGNING_KEY expects it: base64 of the 32 raw bytes."""
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def load_private_key(text: str) -> Ed25519PrivateKey:
    """Read a key given as PEM (`openssl genpkey -algorithm ed25519`) or as base64 of the 32 raw bytes."""
    text = text.strip()
    if not text:
        raise ImproperlyConfigured("AUDIT_SIGNING_KEY is not set: chain heads cannot be signed.")
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error) as error:
        raise ImproperlyConfigured(f"AUDIT_SIGNING_KEY is not an Ed25519 private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("AUDIT_SIGNING_KEY is a PEM key, but not an Ed25519 one.")
    return key


def signing_key() -> Ed25519PrivateKey:
    return load_private_key(settings.AUDIT_SIGNING_KEY)


def public_key_text(key: Ed25519PublicKey) -> str:
    """The published form of a public key: base64 of its 32 raw bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def public_key_fingerprint(key: Ed25519PublicKey) -> str:
    """A short name to compare keys by eye: the first 16 hex digits of the SHA-256 of the raw key."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(text: str) -> Ed25519PublicKey:
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error) as error:
        raise ImproperlyConfigured(f"not an Ed25519 public key: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ImproperlyConfigured("a PEM public key, but not an Ed25519 one")
    return key


def verification_keys() -> list[Ed25519PublicKey]:
    """The current key's public half, then the retired keys that signed older heads."""
    keys = [load_public_key(text) for text in settings.AUDIT_RETIRED_PUBLIC_KEYS]
    if settings.AUDIT_SIGNING_KEY:
        keys.insert(0, signing_key().public_key())
    return keys


def signed_time(moment: datetime) -> str:
    """The time as it is signed and written out: UTC, ISO 8601, to the microsecond."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def head_message(*, seq: int, hash: str, signed_at: datetime) -> bytes:
    document = {"purpose": HEAD_MESSAGE_PURPOSE, "seq": seq, "hash": hash, "time": signed_time(signed_at)}
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def sign_head(*, seq: int, hash: str, signed_at: datetime) -> str:
    """The base64 Ed25519 signature of the head, under AUDIT_SIGNING_KEY."""
    return base64.b64encode(signing_key().sign(head_message(seq=seq, hash=hash, signed_at=signed_at))).decode()


def head_signature_is_valid(
    *, seq: int, hash: str, signed_at: datetime, signature: str, keys: list[Ed25519PublicKey]
) -> bool:
    """True when one of `keys` signed exactly this head."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (ValueError, binascii.Error):
        return False
    message = head_message(seq=seq, hash=hash, signed_at=signed_at)
    for key in keys:
        try:
            key.verify(raw, message)
        except InvalidSignature:
            continue
        return True
    return False
