"""Keyed helpers for contact-grade fields: encryption, blind indexes, key rotation.

Every app stores contact-grade values (names, emails, phones, addresses...) as
ciphertext produced here, and looks them up by blind index. Keys come from the
environment (settings FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY); `make run`
generates local ones once into the ignored file .env.keys.
"""

import hashlib
import hmac
import unicodedata
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver


class DecryptionError(Exception):
    """A stored ciphertext does not open with any configured key."""


@cache
def _multi_fernet() -> MultiFernet:
    keys = [key.strip() for key in settings.FIELD_ENCRYPTION_KEYS if key.strip()]
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: contact-grade fields cannot be stored.")
    return MultiFernet([Fernet(key.encode()) for key in keys])


@cache
def _blind_index_key() -> bytes:
    if not settings.BLIND_INDEX_KEY:
        raise ImproperlyConfigured("BLIND_INDEX_KEY is empty: contact-grade fields cannot be looked up.")
    return settings.BLIND_INDEX_KEY.encode()


@receiver(setting_changed)
def _forget_keys_on_settings_change(*, setting: str, **kwargs) -> None:
    if setting in {"FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"}:
        _multi_fernet.cache_clear()
        _blind_index_key.cache_clear()


def generate_encryption_key() -> str:
    return Fernet.generate_key().decode()


def encrypt(plaintext: str) -> str:
    """Encrypt with the first configured key; an empty value stays empty."""
    if plaintext == "":
        return ""
    return _multi_fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Decrypt with whichever configured key made the ciphertext."""
    if ciphertext == "":
        return ""
    try:
        return _multi_fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("ciphertext does not open with any configured key") from error


def rotate(ciphertext: str) -> str:
    """Re-encrypt under the first (newest) key; old keys can be retired afterwards."""
    if ciphertext == "":
        return ""
    try:
        return _multi_fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("ciphertext does not open with any configured key") from error


def blind_index(normalised_value: str) -> str:
    """HMAC-SHA256 of an already normalised value, hex encoded, for exact-match lookup."""
    if normalised_value == "":
        return ""
    return hmac.new(_blind_index_key(), normalised_value.encode(), hashlib.sha256).hexdigest()


def normalise_email(address: str) -> str:
    """The form an address is indexed under: NFKC, trimmed, lower-cased."""
    return unicodedata.normalize("NFKC", address).strip().lower()


def email_blind_index(address: str) -> str:
    return blind_index(normalise_email(address))
