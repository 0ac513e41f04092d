"""Print the public half of AUDIT_SIGNING_KEY, the key that verifies the chain's signed heads."""

from django.core.management.base import BaseCommand

from audit import signing


class Command(BaseCommand):
    help = "Print the Ed25519 public key that verifies the audit chain's signed heads (base64, or PEM with --pem)."

    def add_arguments(self, parser):
        parser.add_argument("--pem", action="store_true", help="Print it as a PEM SubjectPublicKeyInfo block.")

    def handle(self, *args, pem: bool, **options):
        key = signing.signing_key().public_key()
        self.stdout.write(signing.public_key_pem(key) if pem else signing.public_key_text(key))
