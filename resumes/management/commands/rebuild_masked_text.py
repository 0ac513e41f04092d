"""Redact every resume's free text once and keep it (resumes.MaskedResumeText), so that search need not."""

from django.core.management.base import BaseCommand
from django.db.models import Q
from tqdm import tqdm

from resumes.masked_text import RULES
from resumes.models import Resume
from resumes.services.masked_text import store_masked_text

BATCH_SIZE = 500


class Command(BaseCommand):
    help = (
        "Make the kept masked text of every resume that has none made by the current redaction rules "
        "(after migration 0014, after a change of resumes/contact_text.py or its libraries, after a new "
        "blind-index key); with --all, of every resume. Search is right without it (it redacts the "
        "resumes that have none), only slower. Safe to run again and while the site runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="remake every resume's, current or not")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, **options):
        resumes = Resume.objects.order_by("pk")
        if not options["all"]:
            resumes = resumes.filter(Q(masked_text__isnull=True) | ~Q(masked_text__rules=RULES))
        ids = list(resumes.values_list("pk", flat=True))
        stored = 0
        size = options["batch_size"]
        with tqdm(total=len(ids), desc="masked text", unit="resume", disable=None, mininterval=2) as progress:
            for start in range(0, len(ids), size):
                batch = ids[start : start + size]
                stored += store_masked_text(batch)  # one transaction per batch
                progress.update(len(batch))
        self.stdout.write(f"{stored} resumes: masked text kept (rules {RULES}).")
