"""What `make run` prints last, just before the server starts: where to go, where mail lands, the demo logins."""

import ipaddress
from pathlib import Path

from django.conf import settings

from accounts import crypto
from accounts.demo import DemoLogin, demo_email
from accounts.models import Role, User

FILE_EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# The first account of each role that seed_demo creates; the banner lists those that exist.
DEMO_LOGIN_LOCAL_PARTS = ((Role.OPERATOR, "operator"), (Role.RECRUITER, "recruiter01"), (Role.SEEKER, "seeker001"))


def base_url(*, host: str, port: int | str) -> str:
    """The address a browser on this machine opens for a server bound to host:port."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return f"http://{host}:{port}/"  # a name, such as localhost
    if address.is_unspecified:  # bound to every interface: this machine answers on loopback
        address = ipaddress.ip_address("::1" if address.version == 6 else "127.0.0.1")
    shown = f"[{address}]" if address.version == 6 else str(address)
    return f"http://{shown}:{port}/"


def demo_logins() -> list[DemoLogin]:
    logins = []
    for role, local_part in DEMO_LOGIN_LOCAL_PARTS:
        email = demo_email(local_part)
        if User.objects.filter(email_blind_index=crypto.email_blind_index(email)).exists():
            logins.append(DemoLogin(role, email))
    return logins


def email_destination() -> str:
    if settings.EMAIL_BACKEND != FILE_EMAIL_BACKEND:
        return f"sent by {settings.EMAIL_BACKEND}"
    folder = Path(settings.EMAIL_FILE_PATH).resolve()
    if folder.is_relative_to(Path(settings.BASE_DIR).resolve()):
        folder = folder.relative_to(Path(settings.BASE_DIR).resolve())
    return f"written to files in {folder}/ (nothing is sent)"


def banner_lines(*, host: str, port: int | str) -> list[str]:
    """The banner, the demo logins last so that they stay in view above the server's own output."""
    url = base_url(host=host, port=port)
    lines = [
        f"Hirewall is starting at {url}",
        f"  web UI     {url}",
        f"  admin      {url}admin/",
        f"  API docs   {url}api/docs/",
        f"  email      {email_destination()}",
        "  Celery     worker with beat, its log in var/celery.log",
    ]
    logins = demo_logins()
    if not logins:
        return [*lines, "No demo logins yet: run `python manage.py seed_demo`."]
    lines.append("Demo logins (all share one password):")
    lines += [f"  {login.role:<10} {login.email:<40} {login.password}" for login in logins]
    return lines
