"""Re-encrypt every contact-grade field under the newest key and recompute blind indexes."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from accounts import crypto

BATCH_SIZE = 500


def models_with_encrypted_fields():
    return [model for model in apps.get_models() if getattr(model, "encrypted_fields", None)]


class Command(BaseCommand):
    help = (
        "After putting a new key first in FIELD_ENCRYPTION_KEYS (old keys after it), re-encrypt all "
        "contact-grade fields with it and recompute the blind indexes; then the old keys can be removed."
    )

    def handle(self, *args, **options):
        for model in models_with_encrypted_fields():
            fields = list(model.encrypted_fields)
            indexes = getattr(model, "blind_indexed_fields", {})
            keyed_hashes = list(getattr(model, "keyed_hash_fields", ()))
            queryset = model._default_manager.order_by("pk")
            updated = 0
            with tqdm(total=queryset.count(), desc=model._meta.label, unit="row", disable=None) as progress:
                for start in range(0, progress.total, BATCH_SIZE):
                    with transaction.atomic():
                        rows = list(queryset.select_for_update()[start : start + BATCH_SIZE])
                        for row in rows:
                            for field in fields:
                                setattr(row, field, crypto.rotate(getattr(row, field)))
                            for index_field, source_field in indexes.items():
                                setattr(
                                    row, index_field, crypto.blind_index(crypto.decrypt(getattr(row, source_field)))
                                )
                            if keyed_hashes:
                                row.refresh_keyed_hashes()
                        model._default_manager.bulk_update(rows, [*fields, *indexes, *keyed_hashes])
                    updated += len(rows)
                    progress.update(len(rows))
            self.stdout.write(f"{model._meta.label}: {updated} rows re-encrypted.")
