"""Run after restoring a backup: erase again the seekers the erasure ledger names."""

from django.core.management.base import BaseCommand

from resumes.erasures import replay_erasures


class Command(BaseCommand):
    help = (
        "Read ERASURE_LEDGER_FILE and erase again every seeker it names who is whole in this database "
        "(a backup taken before their erasure brought them back). Safe to run twice."
    )

    def handle(self, *args, **options):
        report = replay_erasures()
        self.stdout.write(
            self.style.SUCCESS(
                f"Erasure ledger replayed: {report.listed} listed, {report.erased_again} erased again, "
                f"{report.already_erased} already erased, {report.absent} not in this database."
            )
        )
