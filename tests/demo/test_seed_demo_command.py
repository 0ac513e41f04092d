"""`manage.py seed_demo` lives in the demo app, above the apps it seeds; its options and output stay as they were."""

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, get_commands

from accounts.demo import demo_email
from accounts.models import User

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEEDED_APPS = ("accounts", "employers", "resumes", "audit", "detection")


def test_seed_demo_belongs_to_the_demo_app():
    assert get_commands()["seed_demo"] == "demo"


def test_no_seeded_app_imports_the_demo_app():
    # The demo app may import every app; none of them may import it back.
    importers = []
    for app in SEEDED_APPS:
        for path in (PROJECT_ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module or ""]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                if any(name == "demo" or name.startswith("demo.") for name in names):
                    importers.append(str(path.relative_to(PROJECT_ROOT)))
    assert importers == []


@pytest.mark.django_db
def test_seed_demo_takes_its_options_and_leaves_the_logins_to_the_banner():
    out, banner = StringIO(), StringIO()

    call_command("seed_demo", "--seekers", "2", "--orgs", "1", stdout=out, stderr=StringIO())
    call_command("demo_banner", stdout=banner)

    assert User.objects.filter(role="seeker").count() == 2
    assert User.objects.filter(role="recruiter").count() >= 1
    assert out.getvalue().splitlines()[-1] == "The demo logins: python manage.py demo_banner"
    for local_part in ("operator", "recruiter01", "seeker001"):
        assert demo_email(local_part) in banner.getvalue()


@pytest.mark.django_db
def test_negative_counts_are_refused():
    with pytest.raises(CommandError):
        call_command("seed_demo", "--seekers", "-1", stdout=StringIO(), stderr=StringIO())

    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_adds_a_few_canaries_that_count_nowhere_and_are_never_revealed():
    from detection.models import Flag
    from detection.services import run_detectors
    from resumes.models import Resume, Reveal

    out = StringIO()
    call_command("seed_demo", "--seekers", "24", "--orgs", "2", stdout=out, stderr=StringIO())
    call_command("seed_demo", "--seekers", "24", "--orgs", "2", stdout=StringIO(), stderr=StringIO())

    assert Resume.objects.filter(is_canary=True).count() == 2
    assert Resume.objects.filter(is_canary=False).count() == 24
    assert "24 new resumes" in out.getvalue()
    assert "2 canary resumes for operators" in out.getvalue()
    assert not Reveal.objects.filter(resume__is_canary=True).exists()
    run_detectors()
    assert not Flag.objects.filter(detector__startswith="canary").exists()
