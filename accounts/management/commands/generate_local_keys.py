"""Write development secrets into .env.keys once; `make run` calls this before anything else."""

import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.core.management.utils import get_random_secret_key

from accounts.crypto import generate_encryption_key


class Command(BaseCommand):
    help = (
        "Create .env.keys with a Django secret key, a field-encryption key and a blind-index key, "
        "unless the file exists (rewriting it would make stored contact data unreadable)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(Path(settings.BASE_DIR) / ".env.keys"), help="Where to write.")

    def handle(self, *args, path: str, **options):
        target = Path(path)
        if target.exists():
            self.stdout.write(f"{target} exists; keeping its keys.")
            return
        target.write_text(
            "# Local development secrets, generated once by `make run`. Never commit this file.\n"
            f"DJANGO_SECRET_KEY={get_random_secret_key()}\n"
            f"FIELD_ENCRYPTION_KEYS={generate_encryption_key()}\n"
            f"BLIND_INDEX_KEY={secrets.token_urlsafe(32)}\n"
        )
        target.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(f"Wrote new local keys to {target}."))
