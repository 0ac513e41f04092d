"""seed_demo reveals through the real service, links applications to resumes, and stays idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

from audit import selectors as audit_selectors
from employers.models import Application
from resumes.models import Notification, Reveal

pytestmark = pytest.mark.django_db


def test_seed_demo_reveals_audits_and_links_applications():
    call_command("seed_demo", "--seekers", "12", "--orgs", "3", stdout=StringIO(), stderr=StringIO())
    reveals = Reveal.objects.count()

    call_command("seed_demo", "--seekers", "12", "--orgs", "3", stdout=StringIO(), stderr=StringIO())

    assert reveals > 0
    assert Reveal.objects.count() == reveals
    assert Notification.objects.filter(kind="reveal").count() == reveals
    assert not Application.objects.filter(resume_id=None, seeker__resume__isnull=False).exists()
    assert audit_selectors.walk_chain().ok
