"""seed_demo includes one organisation the detectors flag, so a newcomer finds a flag in the admin."""

from io import StringIO

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from detection.demo import HARVEST_SIZE, HARVESTER_INDEX
from detection.models import DetectionRun, Flag, FlagStatus, Severity
from employers.demo import demo_uscc
from employers.models import Organization, OrganizationStatus
from resumes.models import Reveal

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_an_open_high_flag_on_the_harvesting_organisation():
    printed = StringIO()

    call_command("seed_demo", stdout=printed, stderr=StringIO())

    harvester = Organization.objects.get(uscc=demo_uscc(HARVESTER_INDEX))
    harvested = Reveal.objects.filter(organization=harvester).count()
    assert 15 <= harvested <= HARVEST_SIZE
    flags = Flag.objects.filter(organization=harvester, status=FlagStatus.OPEN)
    assert flags.filter(severity=Severity.HIGH).exists()
    assert {"burst", "harvesting_shape"} <= set(flags.values_list("detector", flat=True))
    # High severity acted at once, through the platform's own audited suspension.
    assert harvester.status == OrganizationStatus.SUSPENDED
    assert AuditEvent.objects.filter(
        organization_id=harvester.pk, action="organization.suspended", actor_id=None
    ).exists()
    # The other demo organisations look normal.
    assert not Flag.objects.exclude(organization=harvester).filter(severity=Severity.HIGH).exists()
    assert DetectionRun.objects.count() == 1
    assert "open flags in the admin" in printed.getvalue()


def test_seeding_twice_harvests_once():
    call_command("seed_demo", "--seekers", "30", stdout=StringIO(), stderr=StringIO())
    harvester = Organization.objects.get(uscc=demo_uscc(HARVESTER_INDEX))
    first = Reveal.objects.filter(organization=harvester).count()

    call_command("seed_demo", "--seekers", "30", stdout=StringIO(), stderr=StringIO())

    assert Reveal.objects.filter(organization=harvester).count() == first
    assert Flag.objects.filter(status=FlagStatus.OPEN).exists()
