"""seed_demo creates verified and pending organisations with seats, jobs and applications, and is idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts import crypto
from accounts.demo import demo_email
from accounts.models import User
from detection.demo import HARVESTER_INDEX
from employers.demo import demo_uscc
from employers.models import Application, JobPosting, Organization, Seat
from employers.uscc import is_valid_uscc

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Organization.objects.count(),
        Seat.objects.count(),
        JobPosting.objects.count(),
        Application.objects.count(),
    )


def test_seed_demo_builds_employers_and_is_idempotent():
    call_command("seed_demo", "--seekers", "8", "--orgs", "3", stdout=StringIO(), stderr=StringIO())
    first = counts()
    call_command("seed_demo", "--seekers", "8", "--orgs", "3", stdout=StringIO(), stderr=StringIO())

    assert counts() == first
    # The detection demo's harvesting organisation (detection/demo.py) is not one of the employers' demo ones.
    statuses = dict(Organization.objects.exclude(uscc=demo_uscc(HARVESTER_INDEX)).values_list("uscc", "status"))
    assert statuses == {demo_uscc(1): "verified", demo_uscc(2): "verified", demo_uscc(3): "pending"}
    assert all(is_valid_uscc(code) for code in statuses)
    for index in (1, 2, 3):
        admin = User.objects.get(email_blind_index=crypto.email_blind_index(demo_email(f"recruiter{index:02d}")))
        seat = Seat.objects.get(user=admin)
        assert (seat.organization.uscc, seat.role) == (demo_uscc(index), "admin")
        assert seat.organization.seats.count() >= 2
    assert Organization.objects.get(uscc=demo_uscc(1)).plan == "member"
    assert JobPosting.objects.values("category").distinct().count() >= 3
    assert JobPosting.objects.values("city").distinct().count() >= 2
    assert Application.objects.exists()
    assert not Application.objects.exclude(job__organization__status="verified").exists()
