"""`manage.py run_detectors`: one run of every detector now, as beat would, with its summary."""

from django.core.management.base import BaseCommand

from detection.services import run_detectors


class Command(BaseCommand):
    help = "Run every detector over the events since the last run and print the run's summary."

    def handle(self, *args, **options):
        run = run_detectors()
        self.stdout.write(
            f"Detection run {run.pk}: {run.events_read} new events, {run.flags_raised} flags raised "
            f"in {run.duration_ms} ms."
        )
