"""Walk the audit hash chain; report how many events verify and the first broken link."""

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from audit import selectors


class Command(BaseCommand):
    help = (
        "Recompute every audit event's hash in order and check each link to the one before. "
        "Exit status 1 and the first broken link when the chain does not hold."
    )

    def handle(self, *args, **options):
        with tqdm(total=selectors.chain_length(), desc="audit chain", unit="event", disable=None) as progress:
            report = selectors.walk_chain(on_event=lambda: progress.update(1))
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.verified} events verified."))
            return
        self.stderr.write(
            self.style.ERROR(
                f"Audit chain BROKEN at event #{report.broken.seq}: {report.broken.reason}. "
                f"{report.verified} events verified before it."
            )
        )
        sys.exit(1)
