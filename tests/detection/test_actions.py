"""What a high flag does at once (suspend the organisation or the seat, revoke relay contacts); medium: nothing."""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEvent
from config.errors import DomainError
from detection.models import Flag, FlagAction, Severity
from detection.services import run_detectors
from employers.models import OrganizationStatus, Seat
from resumes import selectors as resume_selectors
from resumes.models import RelayContact, Reveal
from tests.employers.conftest import client_for

from .factories import NOW, business_day, human_moments, organization_with_recruiters, reveal, reveal_event, view

pytestmark = pytest.mark.django_db
LIMITS = {"recruiter_daily_limit": 300, "org_daily_limit": 300}


def harvest_hour(recruiter, organization, job, *, real: int = 4) -> list[Reveal]:
    """An hour of ~140 reveals at machine pace, the first `real` through the reveal service (with relay contacts)."""
    moments = human_moments(NOW - dt.timedelta(minutes=59), 140, mean_gap_seconds=5, seed=21)
    real_reveals = [reveal(recruiter, job, moment).reveal for moment in moments[:real]]
    for moment in moments[real:]:
        reveal_event(recruiter, organization, min(moment, NOW))
    return real_reveals


def audit_rows(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_high_severity_suspends_the_organisation_and_revokes_the_window_s_relay_contacts():
    organization, (recruiter,), job = organization_with_recruiters(**LIMITS)
    earlier = reveal(recruiter, job, NOW - dt.timedelta(days=2)).reveal
    harvested = harvest_hour(recruiter, organization, job)

    run_detectors(now=NOW)

    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.SUSPENDED
    assert organization.status_changed_by is None
    flag = Flag.objects.get(action_taken=FlagAction.ORGANIZATION_SUSPENDED)
    assert flag.severity == Severity.HIGH
    assert organization.status_reason == f"Detection flag #{flag.pk}: {flag.detector}, high severity."
    revoked = {item.relay_contact_id for item in harvested}
    assert set(flag.revoked_relay_contacts.values_list("pk", flat=True)) == revoked
    assert flag.relay_contacts_revoked == 4
    assert set(RelayContact.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True)) == revoked
    assert RelayContact.objects.get(pk=earlier.relay_contact_id).is_active
    (suspended,) = audit_rows("organization.suspended")
    assert suspended.actor_id is None
    assert suspended.details["reason"] == organization.status_reason
    (revocation,) = audit_rows("relay.revoked_by_detection")
    assert revocation.actor_id is None
    assert revocation.organization_id == organization.pk
    assert sorted(revocation.details["relay_contact_ids"]) == sorted(revoked)
    assert revocation.details["count"] == 4
    raised = audit_rows("flag.raised")
    assert {event.details["flag_id"] for event in raised} == set(Flag.objects.values_list("pk", flat=True))
    assert raised[0].seq < suspended.seq < revocation.seq


def test_a_later_high_flag_on_a_stopped_organisation_acts_no_more():
    organization, (recruiter,), job = organization_with_recruiters(**LIMITS)
    harvest_hour(recruiter, organization, job)
    run_detectors(now=NOW)
    tomorrow = NOW + dt.timedelta(days=1)
    for second in range(0, 3500, 25):
        reveal_event(recruiter, organization, tomorrow - dt.timedelta(seconds=3500 - second))

    run_detectors(now=tomorrow)

    later = Flag.objects.filter(created_at=tomorrow, severity=Severity.HIGH)
    assert later.exists()
    assert {flag.action_taken for flag in later} == {FlagAction.NONE}
    assert len(audit_rows("organization.suspended")) == 1
    assert len(audit_rows("relay.revoked_by_detection")) == 1


def test_a_suspended_organisation_is_refused_search_and_reveal_with_org_suspended():
    organization, (recruiter,), job = organization_with_recruiters(**LIMITS)
    harvest_hour(recruiter, organization, job)
    run_detectors(now=NOW)

    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        with pytest.raises(DomainError) as search_refusal:
            resume_selectors.search_masked_resumes(user=recruiter, filters=resume_selectors.ResumeSearchFilters())
        with pytest.raises(DomainError) as reveal_refusal:
            reveal(recruiter, job, NOW + dt.timedelta(minutes=1))
        me = client_for(recruiter).get("/api/v1/organizations/me")

    assert search_refusal.value.code == "org_suspended"
    assert reveal_refusal.value.code == "org_suspended"
    assert me.status_code == 200
    assert me.json()["status"] == "suspended"


def test_a_rogue_recruiter_in_a_normal_organisation_loses_only_their_seat():
    organization, (rogue, colleague, other), job = organization_with_recruiters(3, **LIMITS)
    colleague_reveal = reveal(colleague, job, NOW - dt.timedelta(hours=3)).reveal
    business_day(other, organization, NOW - dt.timedelta(days=1), reveals=12, job=job)
    harvested = harvest_hour(rogue, organization, job)

    run_detectors(now=NOW)

    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.VERIFIED
    flag = Flag.objects.get(action_taken=FlagAction.SEAT_SUSPENDED)
    assert flag.recruiter_id == rogue.pk
    assert not Seat.objects.get(user=rogue).is_active
    assert Seat.objects.get(user=colleague).is_active
    (seat_event,) = audit_rows("seat.suspended_by_detection")
    assert (seat_event.actor_id, seat_event.target_id) == (None, str(rogue.pk))
    assert seat_event.details["reason"].startswith(f"Detection flag #{flag.pk}")
    assert set(flag.revoked_relay_contacts.values_list("pk", flat=True)) == {r.relay_contact_id for r in harvested}
    assert RelayContact.objects.get(pk=colleague_reveal.relay_contact_id).is_active
    (revocation,) = audit_rows("relay.revoked_by_detection")
    assert revocation.details["recruiter_id"] == str(rogue.pk)
    # The rogue is refused; the colleague carries on.
    with pytest.raises(DomainError) as refusal:
        reveal(rogue, job, NOW + dt.timedelta(minutes=2))
    assert refusal.value.code == "recruiter_inactive"
    assert reveal(colleague, job, NOW + dt.timedelta(minutes=3)).charged


def test_medium_and_low_flags_open_for_review_and_change_nothing():
    organization, (recruiter,), job = organization_with_recruiters(**LIMITS)
    for index, moment in enumerate(human_moments(NOW - dt.timedelta(minutes=59), 45, mean_gap_seconds=75, seed=3)):
        resume_id = f"00000000-0000-4000-8000-{index:012d}"
        view(recruiter, organization, moment - dt.timedelta(seconds=10), resume_id=resume_id)
        reveal_event(recruiter, organization, min(moment, NOW), resume_id=resume_id)
    real = reveal(recruiter, job, NOW - dt.timedelta(minutes=1)).reveal

    run_detectors(now=NOW)

    flag = Flag.objects.get()
    assert (flag.detector, flag.severity, flag.status) == ("velocity", Severity.MEDIUM, "open")
    assert flag.action_taken == FlagAction.NONE
    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.VERIFIED
    assert Seat.objects.get(user=recruiter).is_active
    assert RelayContact.objects.get(pk=real.relay_contact_id).is_active
    assert audit_rows("organization.suspended") == []
    assert [event.details["flag_id"] for event in audit_rows("flag.raised")] == [flag.pk]


def test_two_strong_findings_of_different_families_across_runs_make_the_second_high():
    organization, (recruiter,), _ = organization_with_recruiters(**LIMITS)
    for index, moment in enumerate(human_moments(NOW - dt.timedelta(minutes=59), 45, mean_gap_seconds=75, seed=3)):
        resume_id = f"00000000-0000-4000-8000-{index:012d}"
        view(recruiter, organization, moment - dt.timedelta(seconds=10), resume_id=resume_id)
        reveal_event(recruiter, organization, min(moment, NOW), resume_id=resume_id)
    run_detectors(now=NOW)
    velocity = Flag.objects.get(detector="velocity")
    # Later that day: reveals on a timer (timing family), each resume opened first.
    moment = NOW + dt.timedelta(hours=3)
    for index in range(20):
        moment += dt.timedelta(seconds=600 + 20 * (index % 3))
        resume_id = f"00000000-0000-4000-8000-{100 + index:012d}"
        view(recruiter, organization, moment - dt.timedelta(seconds=30), resume_id=resume_id)
        reveal_event(recruiter, organization, moment, resume_id=resume_id)

    run_detectors(now=moment + dt.timedelta(minutes=1))

    regularity = Flag.objects.get(detector="regularity")
    velocity.refresh_from_db()
    assert velocity.severity == Severity.MEDIUM
    assert regularity.severity == Severity.HIGH
    assert regularity.evidence["corroborated_by"] == [f"velocity (flag #{velocity.pk})"]
    assert regularity.action_taken == FlagAction.ORGANIZATION_SUSPENDED
