"""`createsuperuser` creates an operator: the user table has no plaintext username to prompt for."""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services


class Command(BaseCommand):
    help = (
        "Create an operator account (staff, works in the admin). "
        "With --noinput the password comes from DJANGO_SUPERUSER_PASSWORD."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email")
        parser.add_argument("--full-name")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, email, full_name, interactive, **options):
        if interactive:
            email = email or input("Email: ")
            full_name = full_name or input("Full name: ")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        else:
            password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
            if not (email and full_name and password):
                raise CommandError("--noinput needs --email, --full-name and DJANGO_SUPERUSER_PASSWORD.")
        try:
            services.create_operator(email=email, password=password, full_name=full_name)
        except ValidationError as error:
            problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
            raise CommandError(problems) from error
        self.stdout.write(self.style.SUCCESS("Operator created."))
