"""Verify the audit chain: every link, and every signed head in the digest table, file and mirror."""

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from audit import selectors, signing


class Command(BaseCommand):
    help = (
        "Recompute every audit event's hash in order and check each link to the one before, then check every "
        "signed chain head (digest table, AUDIT_DIGEST_FILE, AUDIT_DIGEST_MIRROR_DIR): its signature, and that the "
        "chain's event at its position has its hash. Exit status 1 and the first inconsistency when one is found."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--public-key",
            action="append",
            dest="public_keys",
            metavar="KEY",
            help="Check signatures with this published public key (base64 or PEM) instead of the configured ones; "
            "repeat for retired keys.",
        )

    def handle(self, *args, public_keys=None, **options):
        keys = [signing.load_public_key(text) for text in public_keys] if public_keys else None
        with tqdm(total=selectors.chain_length(), desc="audit chain", unit="event", disable=None) as progress:
            verification = selectors.verify_chain(on_event=lambda: progress.update(1), public_keys=keys)
        heads = f"{verification.signed_heads} signed heads"
        if verification.unsigned_heads:
            heads += f" and {verification.unsigned_heads} unsigned ones (written before signing)"
        if verification.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Audit chain intact: {verification.verified} events verified; {heads} match it.")
            )
            return
        problem = verification.problem
        self.stderr.write(
            self.style.ERROR(
                f"Audit chain BROKEN at event #{problem.seq} ({problem.kind}): {problem.reason}. "
                f"{verification.verified} events verified before the first broken link; {heads} checked; "
                f"{len(verification.problems)} problem(s) in all."
            )
        )
        sys.exit(1)
