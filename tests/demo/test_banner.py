"""`make run`'s banner: the addresses for the HOST and PORT it serves, where email lands, the demo logins last."""

import os
import re
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD, demo_email, ensure_user
from demo.banner import base_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def banner(*args: str) -> list[str]:
    out = StringIO()
    call_command("demo_banner", *args, stdout=out)
    return out.getvalue().strip().splitlines()


@pytest.fixture
def demo_accounts(db):
    for role, local_part in (("operator", "operator"), ("recruiter", "recruiter01"), ("seeker", "seeker001")):
        ensure_user(email=demo_email(local_part), full_name=f"Demo {role}", role=role)


def test_the_banner_gives_the_addresses_for_a_custom_port(demo_accounts, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(Path(settings.BASE_DIR) / "var" / "mail")

    lines = banner("--host", "127.0.0.1", "--port", "8123")

    text = "\n".join(lines)
    assert lines[0] == "Hirewall is starting at http://127.0.0.1:8123/"
    for path in ("", "admin/", "api/docs/"):
        assert f"http://127.0.0.1:8123/{path}\n" in text + "\n"
    assert ":8000" not in text
    assert "  email      written to files in var/mail/ (nothing is sent)" in lines


def test_the_demo_logins_are_the_banners_last_lines(demo_accounts):
    lines = banner("--port", "8123")

    assert lines[-4] == "Demo logins (all share one password):"
    assert [line.split() for line in lines[-3:]] == [
        ["operator", demo_email("operator"), DEMO_PASSWORD],
        ["recruiter", demo_email("recruiter01"), DEMO_PASSWORD],
        ["seeker", demo_email("seeker001"), DEMO_PASSWORD],
    ]


@pytest.mark.django_db
def test_without_demo_data_the_banner_says_how_to_seed():
    assert banner()[-1] == "No demo logins yet: run `python manage.py seed_demo`."


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8123/"),
        ("0.0.0.0", "http://127.0.0.1:8123/"),  # noqa: S104 (every interface: a browser here opens loopback)
        ("::", "http://[::1]:8123/"),
        ("[::1]", "http://[::1]:8123/"),
        ("192.0.2.15", "http://192.0.2.15:8123/"),
        ("localhost", "http://localhost:8123/"),
    ],
)
def test_base_url_is_what_a_browser_opens(host, url):
    assert base_url(host=host, port=8123) == url


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_prints_the_banner_for_its_port_last_before_the_server():
    # A dry run: make prints the recipe's commands without running any of them.
    env = {**os.environ, "PORT": "8123", "HOST": "127.0.0.1"}
    result = subprocess.run(
        ["make", "--dry-run", "run"],  # noqa: S607 (make from PATH, as the README says)
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    recipe = result.stdout

    order = [
        recipe.index("mkdir -p var/celery/queue"),  # seeding queues tasks into the broker's folders
        recipe.index("manage.py migrate"),
        recipe.index("manage.py seed_demo"),
        recipe.index("celery -A config worker"),
        recipe.index("manage.py demo_banner --host 127.0.0.1 --port 8123"),
        recipe.index("manage.py runserver 127.0.0.1:8123"),
    ]
    assert order == sorted(order)
    # The worker's own output goes to its log, so nothing lands between the banner and the server.
    assert re.search(r"celery -A config worker [^&]*>>var/celery\.log 2>&1 &", recipe)
