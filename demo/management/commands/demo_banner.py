"""Print `make run`'s banner: the addresses for HOST and PORT, where email lands, then the demo logins."""

from django.core.management.base import BaseCommand

from demo.banner import banner_lines


class Command(BaseCommand):
    help = (
        "Print where the development server answers (for --host and --port, as `make run` passes them), where "
        "development email is written, and the demo logins, last. `make run` prints it just before the server starts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="The address runserver binds (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="The port runserver listens on (default 8000).")

    def handle(self, *args, host: str, port: int, **options):
        lines = banner_lines(host=host, port=port)
        self.stdout.write("")
        for line in lines:
            self.stdout.write(self.style.SUCCESS(line) if line.startswith("Hirewall is starting") else line)
