"""Print freshly generated production secrets as environment lines; writes no file."""

import base64
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management.base import BaseCommand

from accounts.crypto import generate_encryption_key


def generate_audit_signing_key() -> str:
    """An Ed25519 private key as AUDIT_SIGNING_KEY reads it: base64 of its 32 raw bytes."""
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def generate_production_secrets() -> dict[str, str]:
    """Every secret production refuses to start without (config/settings/production.py), new."""
    return {
        # Not get_random_secret_key(): its "$", "#", "%" and quotes mean something to django-environ
        # (a leading "$" names another variable), to shells and to systemd's EnvironmentFile.
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        # One key now; rotation puts a new key first and keeps the old ones after it.
        "FIELD_ENCRYPTION_KEYS": generate_encryption_key(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "RELAY_WEBHOOK_SECRET": secrets.token_urlsafe(32),
        "AUDIT_SIGNING_KEY": generate_audit_signing_key(),
    }


class Command(BaseCommand):
    help = (
        "Print new production secrets as KEY=value lines for the environment file "
        "(/etc/hirewall/hirewall.env). Nothing is written to disk: redirect the output yourself, "
        "and keep FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY and AUDIT_SIGNING_KEY apart from database backups."
    )

    def handle(self, *args, **options):
        self.stdout.write("# Hirewall production secrets, generated now. Store them apart from database backups.")
        for name, value in generate_production_secrets().items():
            self.stdout.write(f"{name}={value}")
