"""Operators' review: confirming tells the exposed seekers and keeps the harvester stopped; dismissing undoes."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audit.models import AuditEvent
from detection.models import Flag, FlagAction, FlagStatus, SubjectType
from detection.services import FlagNotOpen, confirm_flag, dismiss_flag
from employers import services as employer_services
from employers.errors import ReasonRequired
from employers.models import AdverseCreditRecord, Organization, OrganizationStatus, Seat
from resumes import notifications
from resumes.models import Notification, RelayContact, RelayPreference
from resumes.services import grant_direct_contact, reveal_contact, revoke_relay_contact
from resumes.services.exposure import EXPOSURE_EMAIL_SUBJECT
from resumes.services.relay import revoke_relay_contacts_of_organization
from tests.detection.factories import FlagFactory
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.factories import UserFactory
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WINDOW_START = NOW - timedelta(hours=3)
EXPOSURE_KINDS = (notifications.EXPOSURE_RELAY, notifications.EXPOSURE_DIRECT)


@dataclass
class Harvest:
    organization: Organization
    harvester: Seat
    colleague: Seat
    in_window: list  # resumes the harvester revealed inside the flag's window
    before_window: object  # a resume revealed two days earlier
    by_colleague: object  # a resume another recruiter of the organisation revealed inside the window


def _reveal_at(moment, *, seat, resume, job) -> None:
    with time_machine.travel(moment, tick=False):
        reveal_contact(recruiter=seat.user, resume=resume, job=job)


@pytest.fixture
def harvest() -> Harvest:
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        organization = VerifiedOrganizationFactory(legal_name="Harvest Trading Co")
        harvester = SeatFactory(organization=organization)
        colleague = SeatFactory(organization=organization)
        job = JobPostingFactory(organization=organization, title="Sales assistant")
        resumes = [ResumeFactory() for _ in range(5)]
    in_window, before_window, by_colleague = resumes[:3], resumes[3], resumes[4]
    _reveal_at(NOW - timedelta(days=2), seat=harvester, resume=before_window, job=job)
    for minutes, resume in zip((170, 120, 30), in_window, strict=True):
        _reveal_at(NOW - timedelta(minutes=minutes), seat=harvester, resume=resume, job=job)
    _reveal_at(NOW - timedelta(minutes=90), seat=colleague, resume=by_colleague, job=job)
    return Harvest(organization, harvester, colleague, in_window, before_window, by_colleague)


@pytest.fixture
def operator():
    return UserFactory(role="operator", is_staff=True, is_superuser=True)


def _platform_suspends(flag: Flag) -> Flag:
    """What the detectors' high-severity action does: suspend (by=None), revoke relays, remember them."""
    employer_services.suspend_organization(organization=flag.organization, by=None, reason=f"Detection flag #{flag.pk}")
    revoked = list(
        RelayContact.objects.filter(organization=flag.organization, revoked_at=None).values_list("pk", flat=True)
    )
    revoke_relay_contacts_of_organization(organization=flag.organization, by=None, reason=f"Detection flag #{flag.pk}")
    flag.revoked_relay_contacts.set(revoked)
    flag.action_taken = FlagAction.ORGANIZATION_SUSPENDED
    flag.relay_contacts_revoked = len(revoked)
    flag.save()
    return flag


def _organization_flag(harvest: Harvest, **kwargs) -> Flag:
    return FlagFactory(organization=harvest.organization, window_start=WINDOW_START, window_end=NOW, **kwargs)


def _exposure_notices(resume) -> list[Notification]:
    return list(Notification.objects.filter(user=resume.seeker, kind__in=EXPOSURE_KINDS))


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# Confirm


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_confirming_keeps_the_organisation_suspended_and_tells_every_seeker_it_obtained_in_the_window(
    harvest, operator, django_capture_on_commit_callbacks, mailoutbox
):
    flag = _platform_suspends(_organization_flag(harvest))

    with django_capture_on_commit_callbacks(execute=True):
        confirm_flag(flag=flag, by=operator, reason="Bulk harvesting confirmed from the evidence.")

    flag.refresh_from_db()
    assert (flag.status, flag.decided_by, flag.decision_reason) == (
        FlagStatus.CONFIRMED,
        operator,
        "Bulk harvesting confirmed from the evidence.",
    )
    assert flag.decided_at == NOW + timedelta(hours=1)
    record = AdverseCreditRecord.objects.get()
    assert (record.uscc, record.organization, record.created_by) == (
        harvest.organization.uscc,
        harvest.organization,
        operator,
    )
    assert f"Detection flag #{flag.pk}" in record.evidence
    harvest.organization.refresh_from_db()
    assert harvest.organization.status == OrganizationStatus.SUSPENDED
    # Already suspended by the platform: not suspended a second time.
    assert len(_events("organization.suspended")) == 1

    # Everyone the organisation obtained in the window is told, the colleague's reveal included.
    exposed = [*harvest.in_window, harvest.by_colleague]
    for resume in exposed:
        (notice,) = _exposure_notices(resume)
        assert notice.kind == notifications.EXPOSURE_RELAY
        assert notice.params["organization"] == "Harvest Trading Co"
        assert notice.params["time_zone"] == "Asia/Shanghai"
        assert notice.params["count"] == "1"
    first = _exposure_notices(harvest.in_window[0])[0]
    # 170 minutes before noon UTC is 17:10 in Shanghai.
    assert (first.params["first"], first.params["last"]) == ("2026-11-20 17:10", "2026-11-20 17:10")
    assert _exposure_notices(harvest.before_window) == []

    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        resume.seeker.decrypt_email() for resume in exposed
    )
    assert {message.subject for message in mailoutbox} == {EXPOSURE_EMAIL_SUBJECT}
    assert "Harvest Trading Co" in mailoutbox[0].body

    (confirmed,) = _events("flag.confirmed")
    assert (confirmed.actor_id, confirmed.organization_id, confirmed.target_type, confirmed.target_id) == (
        operator.pk,
        harvest.organization.pk,
        "flag",
        str(flag.pk),
    )
    assert confirmed.details == {
        "detector": "velocity",
        "severity": "high",
        "subject_type": "organization",
        "reason": "Bulk harvesting confirmed from the evidence.",
        "adverse_credit_record_ids": [record.pk],
        "organizations_suspended": [],
        "seats_deactivated": [],
    }
    (notified,) = _events("seekers.notified_of_exposure")
    assert notified.details == {"seekers": 4, "notices": 4, "reveals": 4}
    assert notified.seq == confirmed.seq + 1


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_confirming_a_flag_the_platform_did_not_act_on_suspends_the_organisation(harvest, operator):
    flag = _organization_flag(harvest)

    confirm_flag(flag=flag, by=operator, reason="Medium flag, harvesting confirmed.")

    harvest.organization.refresh_from_db()
    assert harvest.organization.status == OrganizationStatus.SUSPENDED
    assert harvest.organization.status_changed_by == operator
    assert _events("flag.confirmed")[0].details["organizations_suspended"] == [harvest.organization.pk]


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_a_seeker_who_gave_a_direct_contact_is_told_so_and_reads_it_in_chinese(client, operator):
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        organization = VerifiedOrganizationFactory(legal_name="Direct Trading Co")
        seat = SeatFactory(organization=organization)
        job = JobPostingFactory(organization=organization)
        resume = ResumeFactory(relay_preference=RelayPreference.DIRECT_WHEN_APPROVED)
        grant_direct_contact(seeker=resume.seeker, organization_id=organization.pk)
    _reveal_at(NOW - timedelta(minutes=120), seat=seat, resume=resume, job=job)
    _reveal_at(NOW - timedelta(minutes=20), seat=seat, resume=resume, job=job)  # again: free, but obtained again
    confirm_flag(
        flag=FlagFactory(organization=organization, window_start=WINDOW_START, window_end=NOW),
        by=operator,
        reason="Harvesting confirmed.",
    )

    (notice,) = _exposure_notices(resume)
    assert notice.kind == notifications.EXPOSURE_DIRECT
    assert (notice.params["first"], notice.params["last"], notice.params["count"]) == (
        "2026-11-20 18:00",
        "2026-11-20 19:40",
        "2",
    )
    client.force_login(resume.seeker)
    english = client.get(reverse("resumes:notifications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(reverse("resumes:notifications"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "it received your name, phone number and email address, 2 time(s)" in english
    assert "Hirewall 发现有人通过 Direct Trading Co 的账户批量获取求职者的联系方式。" in chinese
    assert "2026-11-20 18:00 至 2026-11-20 19:40" in chinese
    assert "电话号码" in chinese


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_deciding_a_flag_twice_is_refused_and_changes_nothing(harvest, operator):
    flag = _organization_flag(harvest)
    confirm_flag(flag=flag, by=operator, reason="Harvesting confirmed.")
    events_before = AuditEvent.objects.count()

    with pytest.raises(FlagNotOpen) as confirmed_again:
        confirm_flag(flag=flag, by=operator, reason="Again.")
    with pytest.raises(FlagNotOpen) as dismissed_after:
        dismiss_flag(flag=flag, by=operator, reason="Changed my mind.")

    assert confirmed_again.value.code == dismissed_after.value.code == "flag_not_open"
    assert AdverseCreditRecord.objects.count() == 1
    assert AuditEvent.objects.count() == events_before
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CONFIRMED


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_only_operators_review_flags(harvest):
    flag = _organization_flag(harvest)

    with pytest.raises(PermissionDenied):
        confirm_flag(flag=flag, by=harvest.harvester.user, reason="I confirm myself.")

    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


# Dismiss


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_dismissing_needs_a_reason_and_changes_nothing_without_one(harvest, operator):
    flag = _platform_suspends(_organization_flag(harvest))
    events_before = AuditEvent.objects.count()

    with pytest.raises(ReasonRequired) as refusal:
        dismiss_flag(flag=flag, by=operator, reason="   ")

    assert refusal.value.code == "reason_required"
    flag.refresh_from_db()
    harvest.organization.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    assert harvest.organization.status == OrganizationStatus.SUSPENDED
    assert AuditEvent.objects.count() == events_before


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_dismissing_reinstates_and_restores_the_relays_except_the_one_its_seeker_revoked(harvest, operator):
    revoked_by_seeker = RelayContact.objects.get(resume=harvest.in_window[2])
    revoke_relay_contact(seeker=harvest.in_window[2].seeker, relay_contact_id=revoked_by_seeker.pk)
    flag = _platform_suspends(_organization_flag(harvest))
    # The detector remembered every relay obtained in its window, the seeker's own revocation included.
    flag.revoked_relay_contacts.add(revoked_by_seeker)
    platform_revoked = set(flag.revoked_relay_contacts.values_list("pk", flat=True)) - {revoked_by_seeker.pk}

    dismiss_flag(flag=flag, by=operator, reason="A recruitment fair: the volume is explained.")

    flag.refresh_from_db()
    assert (flag.status, flag.decided_by) == (FlagStatus.DISMISSED, operator)
    harvest.organization.refresh_from_db()
    assert harvest.organization.status == OrganizationStatus.VERIFIED
    assert set(RelayContact.objects.filter(revoked_at=None).values_list("pk", flat=True)) == platform_revoked
    revoked_by_seeker.refresh_from_db()
    assert revoked_by_seeker.revoked_by == harvest.in_window[2].seeker
    assert AdverseCreditRecord.objects.count() == 0
    assert not Notification.objects.filter(kind__in=EXPOSURE_KINDS).exists()
    restored_notices = Notification.objects.filter(kind=notifications.RELAY_RESTORED)
    assert restored_notices.count() == len(platform_revoked)

    (restored,) = _events("relay.restored")
    assert restored.details == {
        "count": len(platform_revoked),
        "relay_contact_ids": sorted(platform_revoked),
        "kept_revoked": 1,
        "reason": "A recruitment fair: the volume is explained.",
    }
    (dismissed,) = _events("flag.dismissed")
    assert dismissed.details["organizations_reinstated"] == [harvest.organization.pk]
    assert dismissed.details["relay_contacts_restored"] == len(platform_revoked)
    assert dismissed.details["relay_contacts_kept_revoked"] == 1
    assert [event.action for event in AuditEvent.objects.filter(seq__gt=restored.seq - 2).order_by("seq")] == [
        "organization.reinstated",
        "relay.restored",
        "flag.dismissed",
    ]


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_a_dismissed_flag_keeps_its_dedupe_key_so_the_same_window_is_not_raised_again(harvest, operator):
    flag = _organization_flag(harvest, dedupe_key="velocity:organization:7:2026-11-20T09")
    dismiss_flag(flag=flag, by=operator, reason="Explained by a hiring campaign.")

    again, created = Flag.objects.get_or_create(
        dedupe_key="velocity:organization:7:2026-11-20T09",
        defaults={"detector": "velocity", "score": 9.0, "severity": "high", "window_start": NOW, "window_end": NOW},
    )

    assert not created
    assert (again.pk, again.status) == (flag.pk, FlagStatus.DISMISSED)


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_dismissing_leaves_a_suspension_another_open_flag_or_an_operator_holds(harvest, operator):
    flag = _platform_suspends(_organization_flag(harvest))
    other = _organization_flag(harvest, detector="burst", action_taken=FlagAction.ORGANIZATION_SUSPENDED)
    other.revoked_relay_contacts.set(flag.revoked_relay_contacts.all())

    dismiss_flag(flag=flag, by=operator, reason="This detector misjudged a campaign.")

    harvest.organization.refresh_from_db()
    assert harvest.organization.status == OrganizationStatus.SUSPENDED
    assert not RelayContact.objects.filter(organization=harvest.organization, revoked_at=None).exists()
    assert _events("relay.restored") == []

    # An operator's own suspension is theirs to lift, not a dismissal's.
    second = VerifiedOrganizationFactory()
    manual = _platform_suspends(FlagFactory(organization=second))
    employer_services.reinstate_organization(organization=second, by=operator, reason="Checked by phone.")
    employer_services.suspend_organization(organization=second, by=operator, reason="Licence doubts.")
    dismiss_flag(flag=manual, by=operator, reason="The rate was fine.")
    second.refresh_from_db()
    assert second.status == OrganizationStatus.SUSPENDED


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_dismissing_one_flag_does_not_lift_a_harvester_another_flag_confirmed(harvest, operator):
    confirmed = _platform_suspends(_organization_flag(harvest))
    confirm_flag(flag=confirmed, by=operator, reason="Harvesting confirmed.")
    later = _organization_flag(harvest, detector="night", action_taken=FlagAction.ORGANIZATION_SUSPENDED)
    later.revoked_relay_contacts.set(confirmed.revoked_relay_contacts.all())

    dismiss_flag(flag=later, by=operator, reason="Night work is normal for this shift.")

    harvest.organization.refresh_from_db()
    assert harvest.organization.status == OrganizationStatus.SUSPENDED
    assert not RelayContact.objects.filter(organization=harvest.organization, revoked_at=None).exists()
    assert _events("flag.dismissed")[0].details["organizations_reinstated"] == []


# A recruiter's own flag: the seat, not the company


def _seat_flag(harvest: Harvest, *, suspend: bool) -> Flag:
    flag = FlagFactory(
        subject_type=SubjectType.RECRUITER,
        recruiter=harvest.harvester.user,
        organization=harvest.organization,
        window_start=WINDOW_START,
        window_end=NOW,
        dedupe_key=f"velocity:recruiter:{harvest.harvester.user_id}",
    )
    if suspend:
        employer_services.set_seat_active(seat=harvest.harvester, active=False, by=None)
        flag.action_taken = FlagAction.SEAT_SUSPENDED
        flag.save()
    return flag


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_confirming_a_seat_flag_keeps_the_seat_off_and_tells_only_that_recruiters_seekers(
    harvest, operator, django_capture_on_commit_callbacks, mailoutbox
):
    flag = _seat_flag(harvest, suspend=True)

    with django_capture_on_commit_callbacks(execute=True):
        confirm_flag(flag=flag, by=operator, reason="A rogue employee sold resumes.")

    harvest.harvester.refresh_from_db()
    harvest.organization.refresh_from_db()
    assert not harvest.harvester.is_active
    assert harvest.organization.status == OrganizationStatus.VERIFIED
    assert AdverseCreditRecord.objects.count() == 0
    for resume in harvest.in_window:
        assert len(_exposure_notices(resume)) == 1
    assert _exposure_notices(harvest.by_colleague) == []
    assert _exposure_notices(harvest.before_window) == []
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        resume.seeker.decrypt_email() for resume in harvest.in_window
    )
    assert _events("seekers.notified_of_exposure")[0].details == {"seekers": 3, "notices": 3, "reveals": 3}


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_confirming_an_untouched_seat_flag_deactivates_the_seat(harvest, operator):
    flag = _seat_flag(harvest, suspend=False)

    confirm_flag(flag=flag, by=operator, reason="A rogue employee sold resumes.")

    harvest.harvester.refresh_from_db()
    assert not harvest.harvester.is_active
    assert _events("flag.confirmed")[0].details["seats_deactivated"] == [str(harvest.harvester.user_id)]


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_dismissing_a_seat_flag_reactivates_the_seat(harvest, operator):
    flag = _seat_flag(harvest, suspend=True)

    dismiss_flag(flag=flag, by=operator, reason="A sourcing drive approved by the company.")

    harvest.harvester.refresh_from_db()
    assert harvest.harvester.is_active
    assert _events("seat.reactivated")[0].actor_id == operator.pk
    assert _events("flag.dismissed")[0].details["seats_reactivated"] == [str(harvest.harvester.user_id)]


# A cluster of linked accounts


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_confirming_a_cluster_acts_on_every_linked_organisation(harvest, operator):
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        twin = VerifiedOrganizationFactory(legal_name="Twin Trading Co")
        twin_seat = SeatFactory(organization=twin)
        twin_job = JobPostingFactory(organization=twin)
        twin_resume = ResumeFactory()
    _reveal_at(NOW - timedelta(minutes=60), seat=twin_seat, resume=twin_resume, job=twin_job)
    flag = FlagFactory(
        detector="sybil_cluster",
        subject_type=SubjectType.CLUSTER,
        organization=None,
        cluster_members=[
            {"type": "organization", "id": harvest.organization.pk},
            {"type": "organization", "id": twin.pk},
        ],
        window_start=WINDOW_START,
        window_end=NOW,
    )

    confirm_flag(flag=flag, by=operator, reason="One ring behind two licences.")

    assert set(AdverseCreditRecord.objects.values_list("organization_id", flat=True)) == {
        harvest.organization.pk,
        twin.pk,
    }
    assert set(Organization.objects.values_list("status", flat=True)) == {OrganizationStatus.SUSPENDED}
    assert len(_exposure_notices(twin_resume)) == 1
    assert _exposure_notices(twin_resume)[0].params["organization"] == "Twin Trading Co"
    assert _events("seekers.notified_of_exposure")[0].details["seekers"] == 5
