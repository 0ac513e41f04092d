"""`manage.py create_canaries N`: add N canary resumes, spread over categories and cities as real seekers are."""

from django.core.management.base import BaseCommand, CommandError

from detection.canaries import create_canaries


class Command(BaseCommand):
    help = (
        "Create N canary resumes: plausible synthetic seekers whose reveal is flagged (medium) and whose relay "
        "contact, used by anyone outside the revealing organisation, suspends it. Their mail and calls reach "
        "CANARY_MAILBOX and CANARY_PHONE."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="How many canaries to create.")
        parser.add_argument("--seed", type=int, default=None, help="Seed for placement and wording (default random).")

    def handle(self, *args, count: int, seed: int | None, **options):
        if count < 1:
            raise CommandError("N must be at least 1.")
        canaries = create_canaries(count=count, seed=seed)
        self.stdout.write(self.style.SUCCESS(f"{len(canaries)} canary resumes created."))
