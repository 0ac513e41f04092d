"""Relay misuse: outsiders recorded by blind index, counted per organisation, flagged past a threshold."""

import datetime as dt

import pytest
from django.apps import apps
from django.db import models

from accounts import crypto
from detection.models import Flag, FlagAction, Severity
from detection.services import run_detectors
from employers.models import OrganizationStatus
from resumes.models import Notification, RelayContact, RelayOutsideUse
from tests.resumes.factories import ResumeFactory

from .factories import NOW, organization_with_recruiters, reveal
from .leak_helpers import call_to, email_to

pytestmark = pytest.mark.django_db


def relays_of(count: int, **organization_fields):
    organization, recruiters, job = organization_with_recruiters(2, **organization_fields)
    relays = []
    for index in range(count):
        resume = ResumeFactory()
        reveal(recruiters[index % 2], job, NOW - dt.timedelta(days=1, minutes=index))
        result = reveal(recruiters[index % 2], job, NOW - dt.timedelta(hours=20, minutes=index), resume=resume)
        relays.append(RelayContact.objects.get(pk=result.reveal.relay_contact_id))
    return organization, recruiters, relays


def test_outsiders_past_the_threshold_raise_a_high_flag_that_suspends(mailoutbox, django_capture_on_commit_callbacks):
    organization, _, relays = relays_of(3)
    with django_capture_on_commit_callbacks(execute=True):
        email_to(relays[0], "list.buyer@spam.example", NOW - dt.timedelta(hours=5))
        email_to(relays[1], "list.buyer@spam.example", NOW - dt.timedelta(hours=4))  # the same outsider again
        email_to(relays[2], "another@fraud.example", NOW - dt.timedelta(hours=3))
    assert call_to(relays[1], "+8613700001111", NOW - dt.timedelta(hours=2)).status_code == 200

    run_detectors(now=NOW)

    flag = Flag.objects.get(detector="relay_misuse")
    assert flag.severity == Severity.HIGH
    assert flag.evidence["distinct_outside_senders"] == 2
    assert flag.evidence["distinct_outside_callers"] == 1
    assert flag.evidence["relay_contacts_used"] == 3
    assert flag.action_taken == FlagAction.ORGANIZATION_SUSPENDED
    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.SUSPENDED
    assert not RelayContact.objects.filter(pk__in=[relay.pk for relay in relays], revoked_at__isnull=True).exists()
    # Each message still reached its seeker, saying it came from outside the organisation.
    assert len(mailoutbox) == 3
    assert all(f"from outside {organization.legal_name}" in message.body for message in mailoutbox)
    assert Notification.objects.filter(kind="relay_outside_call", user=relays[1].resume.seeker).exists()
    # Raised once: the next run does not count the same outsiders again.
    run_detectors(now=NOW + dt.timedelta(minutes=5))
    assert Flag.objects.filter(detector="relay_misuse").count() == 1


def test_below_the_threshold_nothing_is_raised():
    organization, _, relays = relays_of(2)
    email_to(relays[0], "one@outside.example", NOW - dt.timedelta(hours=3))
    email_to(relays[1], "two@outside.example", NOW - dt.timedelta(hours=2))

    run_detectors(now=NOW)

    assert not Flag.objects.filter(detector="relay_misuse").exists()
    assert RelayOutsideUse.objects.filter(organization=organization).count() == 2


def test_the_organisations_own_recruiters_domains_and_numbers_are_not_outsiders(mailoutbox):
    _, recruiters, relays = relays_of(
        3, email_domains=["Careers.Example.CN"], phone_numbers=["+86 21 5555 0100", "021-5555-0101"]
    )
    email_to(relays[0], recruiters[0].decrypt_email(), NOW - dt.timedelta(hours=5))
    email_to(relays[1], f"  {recruiters[1].decrypt_email().upper()} ", NOW - dt.timedelta(hours=4))
    email_to(relays[2], "hr.team@careers.example.cn", NOW - dt.timedelta(hours=3))
    call_to(relays[0], "+862155550100", NOW - dt.timedelta(hours=2))
    call_to(relays[1], "02155550101", NOW - dt.timedelta(hours=1))
    call_to(relays[2], "", NOW - dt.timedelta(minutes=30))  # no caller given: not judged

    run_detectors(now=NOW)

    assert not RelayOutsideUse.objects.exists()
    assert not Flag.objects.filter(detector="relay_misuse").exists()
    assert not Notification.objects.filter(kind__startswith="relay_outside").exists()


def test_a_recruiters_own_reply_does_not_count_but_a_revoked_contact_forwards_nothing():
    _, recruiters, relays = relays_of(3)
    for index, relay in enumerate(relays):
        email_to(relay, recruiters[index % 2].decrypt_email(), NOW - dt.timedelta(hours=5, minutes=index))
    email_to(relays[0], "outsider@elsewhere.example", NOW - dt.timedelta(hours=2))
    RelayContact.objects.filter(pk=relays[1].pk).update(revoked_at=NOW - dt.timedelta(hours=3))

    refused = email_to(relays[1], "outsider2@elsewhere.example", NOW - dt.timedelta(hours=1))
    run_detectors(now=NOW)

    assert refused.status_code == 404  # refused as today, and not counted
    assert RelayOutsideUse.objects.count() == 1
    assert not Flag.objects.filter(detector="relay_misuse").exists()


def text_values():
    """Every text and JSON value stored in every table."""
    for model in apps.get_models():
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField | models.EmailField)
        ]
        if fields:
            for row in model.objects.values_list(*fields):
                yield from (str(value) for value in row)


def test_no_plaintext_sender_or_caller_is_stored_anywhere():
    _, _, relays = relays_of(3)
    email_to(relays[0], "Leaker.Sender@BlackMarket.example", NOW - dt.timedelta(hours=2))
    call_to(relays[1], "+86 137 0000 9999", NOW - dt.timedelta(hours=1))
    run_detectors(now=NOW)

    stored = list(text_values())
    for plaintext in ("leaker.sender", "blackmarket", "13700009999", "137 0000 9999"):
        assert not any(plaintext in value.lower() for value in stored), plaintext
    indexes = set(RelayOutsideUse.objects.values_list("party_index", flat=True))
    assert indexes == {
        crypto.email_blind_index("Leaker.Sender@BlackMarket.example"),
        crypto.blind_index("+8613700009999"),
    }


def test_a_withheld_or_unreadable_caller_is_bridged_and_not_judged():
    _, _, relays = relays_of(1)

    responses = [call_to(relays[0], caller, NOW - dt.timedelta(minutes=10)) for caller in ("anonymous", "12")]

    assert [response.status_code for response in responses] == [200, 200]
    assert not RelayOutsideUse.objects.exists()
