"""Seekers report misuse from their access log: the report, its audit event, the detector and the status they see."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from detection.models import Flag, MisuseReport, MisuseReportStatus, Severity
from detection.services import confirm_flag, report_misuse, run_detectors
from detection.services.misuse_reports import NotRevealedBy
from employers.models import OrganizationStatus
from resumes.models import RelayContact
from tests.employers.factories import VerifiedOrganizationFactory
from tests.resumes.factories import RevealFactory

from .factories import NOW

pytestmark = pytest.mark.django_db


def revealed_seekers(organization, count: int) -> list:
    return [
        RevealFactory(organization=organization, job__organization=organization).resume.seeker for _ in range(count)
    ]


def report(seeker, organization, at, **fields):
    with time_machine.travel(at, tick=False):
        return report_misuse(seeker=seeker, organization_id=organization.pk, reason="passed_on", **fields)


def test_a_report_is_a_chained_event_and_may_revoke_the_relay_contact():
    organization = VerifiedOrganizationFactory()
    (seeker,) = revealed_seekers(organization, 1)

    made = report(seeker, organization, NOW, text="They called me about a loan.", revoke_relay=True)

    assert (made.status, made.relay_revoked, made.flag) == (MisuseReportStatus.RECEIVED, True, None)
    relay = RelayContact.objects.get(resume__seeker=seeker)
    assert relay.revoked_at is not None and relay.revoked_by == seeker
    event = AuditEvent.objects.get(action="misuse.reported")
    assert (event.actor_id, event.organization_id, event.target_id) == (seeker.pk, organization.pk, str(made.pk))
    assert event.details == {"reason": "passed_on", "relay_revoked": True, "has_text": True}
    assert AuditEvent.objects.filter(action="relay_contact.revoked", actor_id=seeker.pk).count() == 1


def test_text_with_contact_details_and_organisations_that_never_revealed_are_refused():
    organization, stranger = VerifiedOrganizationFactory(), VerifiedOrganizationFactory()
    (seeker,) = revealed_seekers(organization, 1)

    with pytest.raises(ValidationError) as refused:
        report(seeker, organization, NOW, text="He rang me from 13912345678")
    with pytest.raises(NotRevealedBy):
        report(seeker, stranger, NOW)

    assert "text" in refused.value.message_dict
    assert not MisuseReport.objects.exists()
    assert not AuditEvent.objects.filter(action="misuse.reported").exists()


def test_reports_from_several_seekers_raise_a_flag_and_one_does_not(operator):
    organization, quiet = VerifiedOrganizationFactory(), VerifiedOrganizationFactory()
    seekers = revealed_seekers(organization, 3)
    (lone,) = revealed_seekers(quiet, 1)
    report(lone, quiet, NOW - dt.timedelta(days=3))
    report(seekers[0], organization, NOW - dt.timedelta(days=20))
    report(seekers[0], organization, NOW - dt.timedelta(days=19))  # the same seeker twice counts once
    report(seekers[1], organization, NOW - dt.timedelta(days=5))

    run_detectors(now=NOW)
    assert not Flag.objects.filter(detector="misuse_reports").exists()

    report(seekers[2], organization, NOW - dt.timedelta(hours=1))
    run_detectors(now=NOW + dt.timedelta(minutes=5))
    run_detectors(now=NOW + dt.timedelta(minutes=10))

    flag = Flag.objects.get(detector="misuse_reports")
    assert (flag.organization_id, flag.severity) == (organization.pk, Severity.MEDIUM)
    assert flag.evidence["distinct_seekers"] == 3 and flag.evidence["reports"] == 4
    assert set(MisuseReport.objects.filter(organization=organization).values_list("status", "flag")) == {
        (MisuseReportStatus.UNDER_REVIEW, flag.pk)
    }
    assert MisuseReport.objects.get(organization=quiet).status == MisuseReportStatus.RECEIVED
    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.VERIFIED  # medium: an operator decides

    confirm_flag(flag=flag, by=operator, reason="Several seekers were called by a loan company.")

    assert set(MisuseReport.objects.filter(flag=flag).values_list("status", flat=True)) == {"confirmed"}


def test_reports_older_than_the_window_do_not_count():
    organization = VerifiedOrganizationFactory()
    seekers = revealed_seekers(organization, 3)
    report(seekers[0], organization, NOW - dt.timedelta(days=40))
    report(seekers[1], organization, NOW - dt.timedelta(days=2))
    report(seekers[2], organization, NOW - dt.timedelta(days=1))

    run_detectors(now=NOW)

    assert not Flag.objects.filter(detector="misuse_reports").exists()


class TestPages:
    def test_the_access_log_offers_a_report_for_each_revealing_organisation_and_shows_its_status(self):
        organization = VerifiedOrganizationFactory(legal_name="Reported Trading Co")
        (seeker,) = revealed_seekers(organization, 1)
        client = Client()
        client.force_login(seeker)
        page = client.get(reverse("resumes:access_log")).content.decode()
        url = reverse("detection:report_misuse", args=[organization.pk])
        assert url in page

        refused = client.post(url, {"reason": "spam", "text": "mail me at someone@example.test"})
        sent = client.post(url, {"reason": "spam", "text": "Daily spam", "revoke_relay": "on"})

        assert refused.status_code == 400 and not MisuseReport.objects.filter(text__contains="someone").exists()
        assert sent.status_code == 302 and sent.url == reverse("resumes:access_log")
        assert MisuseReport.objects.get().relay_revoked
        page = client.get(reverse("resumes:access_log")).content.decode()
        assert "Report received" in page
        chinese = client.get(reverse("resumes:access_log"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "举报滥用" in chinese and "已收到" in chinese

    def test_an_organisation_that_never_revealed_the_seeker_cannot_be_reported(self):
        organization = VerifiedOrganizationFactory()
        (seeker,) = revealed_seekers(VerifiedOrganizationFactory(), 1)
        client = Client()
        client.force_login(seeker)

        response = client.post(reverse("detection:report_misuse", args=[organization.pk]), {"reason": "spam"})

        assert response.status_code == 404
        assert not MisuseReport.objects.exists()


def test_operators_read_reports_in_the_admin_by_opaque_ids(client, operator):
    organization = VerifiedOrganizationFactory()
    (seeker,) = revealed_seekers(organization, 1)
    made = report(seeker, organization, NOW, text="They sold my details.")
    client.force_login(operator)

    listing = client.get(reverse("admin:detection_misusereport_changelist"))
    detail = client.get(reverse("admin:detection_misusereport_change", args=[made.pk]))

    assert listing.status_code == detail.status_code == 200
    assert "They sold my details." in detail.content.decode()
    assert str(seeker.pk) in listing.content.decode()
