"""Demo data: seed_demo gives seekers realistic resumes (resumes/demo.py)."""

import re
from io import StringIO

import pytest

from resumes.models import EducationEntry, ExperienceEntry, Resume, Visibility

pytestmark = pytest.mark.django_db


# seed_demo


def test_seed_demo_gives_seekers_realistic_resumes_with_every_visibility():
    import phonenumbers
    from django.core.management import call_command

    call_command("seed_demo", "--seekers", "10", "--orgs", "2", stdout=StringIO(), stderr=StringIO())
    first = (Resume.objects.count(), ExperienceEntry.objects.count(), EducationEntry.objects.count())
    call_command("seed_demo", "--seekers", "10", "--orgs", "2", stdout=StringIO(), stderr=StringIO())

    assert (Resume.objects.count(), ExperienceEntry.objects.count(), EducationEntry.objects.count()) == first
    assert first[0] == 10
    assert set(Resume.objects.values_list("visibility", flat=True)) == set(Visibility.values)
    headlines = " ".join(Resume.objects.values_list("headline", flat=True))
    assert re.search(r"[\u4e00-\u9fff]", headlines)
    assert re.search(r"[A-Za-z]{4,}", headlines)
    for resume in Resume.objects.all():
        details = resume.decrypt_contact_details()
        assert phonenumbers.is_valid_number(phonenumbers.parse(details.phone))
        assert details.phone.startswith("+861")
        assert resume.skills
        assert resume.experience_entries.exists()
        assert resume.search_primary
