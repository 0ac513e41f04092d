"""Write development secrets into .env.keys once; `make run` calls this before anything else."""

import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.core.management.utils import get_random_secret_key

from accounts.crypto import generate_encryption_key
from audit.signing import generate_signing_key


class Command(BaseCommand):
    help = (
        "Create .env.keys with a Django secret key, a field-encryption key, a blind-index key and the audit "
        "signing key; if the file exists, only add the keys it lacks (rewriting one would make stored contact "
        "data unreadable, or the signed audit heads unverifiable)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(Path(settings.BASE_DIR) / ".env.keys"), help="Where to write.")

    def handle(self, *args, path: str, **options):
        target = Path(path)
        if target.exists():
            # Keys added to the project later are appended; existing ones are never rewritten.
            present = {line.split("=", 1)[0].strip() for line in target.read_text().splitlines() if "=" in line}
            missing = {name: make for name, make in self._later_keys().items() if name not in present}
            if not missing:
                self.stdout.write(f"{target} exists; keeping its keys.")
                return
            with target.open("a") as keys_file:
                keys_file.writelines(f"{name}={make()}\n" for name, make in missing.items())
            self.stdout.write(self.style.SUCCESS(f"Added {', '.join(missing)} to {target}; kept its other keys."))
            return
        target.write_text(
            "# Local development secrets, generated once by `make run`. Never commit this file.\n"
            f"DJANGO_SECRET_KEY={get_random_secret_key()}\n"
            f"FIELD_ENCRYPTION_KEYS={generate_encryption_key()}\n"
            f"BLIND_INDEX_KEY={secrets.token_urlsafe(32)}\n"
            + "".join(f"{name}={make()}\n" for name, make in self._later_keys().items())
        )
        target.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(f"Wrote new local keys to {target}."))

    @staticmethod
    def _later_keys() -> dict:
        # Signs the audit chain's heads (audit/signing.py).
        return {"AUDIT_SIGNING_KEY": generate_signing_key}
