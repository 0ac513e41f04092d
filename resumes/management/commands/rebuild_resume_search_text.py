"""Recompute every resume's name index and search text, so that rows stored earlier lose the contact details in them."""

from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from resumes.models import Resume

BATCH_SIZE = 500
REBUILT_FIELDS = ["name_index", "search_primary", "search_secondary", "skill_keys"]


class Command(BaseCommand):
    help = (
        "Recompute the seeker-name index and the search text (search_primary, search_secondary, skill_keys) of "
        "every resume, leaving out contact details typed into free text; PostgreSQL's search vector follows. "
        "Run after an upgrade that changes what the name index holds (resumes/contact_text.py); safe to run again."
    )

    def handle(self, *args, **options):
        resumes = Resume.objects.order_by("pk")
        total = resumes.count()
        rebuilt = 0
        progress = tqdm(total=total, unit="resume", file=self.stderr, disable=not total)
        for start in range(0, total, BATCH_SIZE):
            with transaction.atomic():
                batch = list(
                    resumes.select_for_update()[start : start + BATCH_SIZE].prefetch_related("experience_entries")
                )
                for resume in batch:
                    resume.refresh_keyed_hashes()
                    resume.refresh_search_text()
                Resume.objects.bulk_update(batch, REBUILT_FIELDS)
            rebuilt += len(batch)
            progress.update(len(batch))
        progress.close()
        self.stdout.write(f"{rebuilt} resumes: search text rebuilt without contact details.")
