"""Canary resumes: made like real ones, a reveal is a medium flag, an outsider's use of the relay suspends."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from audit.models import AuditEvent
from detection.canaries import create_canaries, refresh_canaries
from detection.models import Flag, FlagAction, Severity
from detection.services import confirm_flag, run_detectors
from detection.tasks import refresh_canaries as refresh_canaries_task
from employers.models import OrganizationStatus
from resumes.models import Notification, RelayContact, Resume, Visibility
from tests.employers.conftest import client_for
from tests.resumes.factories import ResumeFactory

from .factories import NOW, organization_with_recruiters, reveal
from .leak_helpers import call_to, email_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def canary():
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        return create_canaries(count=1, seed=3)[0]


def test_canaries_look_like_real_seekers_spread_where_real_ones_are(settings):
    for city in ("Shenzhen", "Shenzhen", "Shenzhen", "Chengdu"):
        ResumeFactory(city=city, category="sales")
    with time_machine.travel(NOW, tick=False):
        canaries = create_canaries(count=16, seed=7)

    assert {(resume.category, resume.city) for resume in canaries} <= {("sales", "Shenzhen"), ("sales", "Chengdu")}
    cities = [resume.city for resume in canaries]
    assert cities.count("Shenzhen") > cities.count("Chengdu") > 0
    for resume in canaries:
        assert resume.is_canary and resume.visibility == Visibility.PUBLIC
        assert resume.headline and resume.skills and resume.experience_entries.exists()
        assert resume.education_entries.exists() and resume.years_experience >= 1
        assert NOW - dt.timedelta(days=46) < resume.updated_at < NOW
        assert resume.created_at < resume.updated_at
        assert not resume.seeker.has_usable_password()
        details = resume.decrypt_contact_details()
        assert details.phone == settings.CANARY_PHONE
        assert details.email.endswith("@" + settings.CANARY_MAILBOX.partition("@")[2])
    # Through the API a canary's masked view has the same fields as a real seeker's, and no word of canaries.
    _, (recruiter,), _ = organization_with_recruiters()
    api = client_for(recruiter)
    real = api.get(f"/api/v1/resumes/{ResumeFactory().pk}").json()
    masked = api.get(f"/api/v1/resumes/{canaries[0].pk}").json()
    assert set(masked) == set(real)
    assert "canary" not in str(masked).lower()
    event = AuditEvent.objects.get(action="canaries.created")
    assert event.details == {"count": 16}


def test_the_command_and_the_beat_task_create_and_refresh_canaries(capsys):
    call_command("create_canaries", "4", "--seed", "1")
    assert "4 canary resumes created" in capsys.readouterr().out
    Resume.objects.filter(is_canary=True).update(updated_at=NOW - dt.timedelta(days=30))

    with time_machine.travel(NOW, tick=False):
        touched = refresh_canaries_task.delay().get()
        assert refresh_canaries(share=0.5) == 2

    assert touched == 1
    recent = Resume.objects.filter(is_canary=True, updated_at__gt=NOW - dt.timedelta(hours=7)).count()
    assert 2 <= recent <= 3


def test_a_reveal_of_a_canary_is_a_medium_flag_that_changes_nothing(canary):
    organization, (recruiter,), job = organization_with_recruiters()
    reveal(recruiter, job, NOW - dt.timedelta(minutes=20), resume=canary)

    run_detectors(now=NOW)
    run_detectors(now=NOW + dt.timedelta(minutes=5))

    flag = Flag.objects.get(detector="canary_hit")
    assert (flag.severity, flag.organization_id, flag.action_taken) == (Severity.MEDIUM, organization.pk, "none")
    assert flag.evidence["canary_resume_id"] == str(canary.pk)
    assert flag.evidence["recruiter_id"] == str(recruiter.pk)
    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.VERIFIED


def test_a_message_to_a_canary_relay_from_an_outsider_suspends_the_revealing_organisation(
    canary, settings, mailoutbox, django_capture_on_commit_callbacks, operator
):
    organization, recruiters, job = organization_with_recruiters(3)
    earlier = reveal(recruiters[1], job, NOW - dt.timedelta(days=2))
    reveal(recruiters[0], job, NOW - dt.timedelta(hours=3), resume=canary)
    run_detectors(now=NOW - dt.timedelta(hours=2))
    relay = RelayContact.objects.get(resume=canary)

    with django_capture_on_commit_callbacks(execute=True):
        response = email_to(relay, "buyer@leads-market.example", NOW - dt.timedelta(minutes=30))
    run = run_detectors(now=NOW)

    assert response.status_code == 200
    assert mailoutbox[-1].to == [settings.CANARY_MAILBOX]
    flag = Flag.objects.get(detector="canary_relay_use")
    assert flag.severity == Severity.HIGH and flag.run == run
    assert flag.action_taken == FlagAction.ORGANIZATION_SUSPENDED
    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.SUSPENDED
    # The relay contacts it obtained around the canary's reveal are revoked with it.
    assert set(flag.revoked_relay_contacts.values_list("pk", flat=True)) == {relay.pk, earlier.reveal.relay_contact_id}
    assert AuditEvent.objects.filter(action="organization.suspended", organization_id=organization.pk).exists()
    # Confirmed: real seekers it obtained are told (PIPL art. 57); the canary is no one to tell.
    confirm_flag(flag=flag, by=operator, reason="A list with our canary was offered for sale.")
    exposure = Notification.objects.filter(kind__startswith="exposure")
    assert set(exposure.values_list("user_id", flat=True)) == {earlier.reveal.resume.seeker_id}


def test_the_revealing_recruiters_own_mail_and_calls_to_a_canary_are_no_leak(canary, settings):
    organization, (recruiter,), job = organization_with_recruiters(phone_numbers=["+86 21 5555 0100"])
    reveal(recruiter, job, NOW - dt.timedelta(hours=3), resume=canary)
    relay = RelayContact.objects.get(resume=canary)

    assert email_to(relay, recruiter.decrypt_email().upper(), NOW - dt.timedelta(minutes=30)).status_code == 200
    assert call_to(relay, "+862155550100", NOW - dt.timedelta(minutes=20)).json() == {
        "bridge_to": settings.CANARY_PHONE
    }
    run_detectors(now=NOW)

    assert set(Flag.objects.values_list("detector", flat=True)) == {"canary_hit"}
    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.VERIFIED
