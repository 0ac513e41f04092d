"""What an operator finds with the logs' filters now that they read no table to offer their choices.

The date drill-down is replaced by fixed periods and a range of days typed in; the filters of fields that
declare no choices list the declared values; the searches are exact and typed (config/admin_lists.py).
"""

import datetime

import pytest
import time_machine
from django.utils import timezone

from accounts.models import LoginChannel, LoginEvent, LoginFailure
from audit.actions import AuditAction
from audit.models import AuditEvent
from audit.services import record_event
from detection.models import ActivityAggregate, Granularity, SubjectType
from outbox.models import OutboxMessage
from resumes.services.exposure import EXPOSURE_EMAIL
from resumes.services.relay import FORWARDED_EMAIL
from resumes.services.reveal import SEEKER_EMAIL
from tests.employers.factories import VerifiedOrganizationFactory

pytestmark = pytest.mark.django_db

AUDIT_LIST = "/admin/audit/auditevent/"
NOON = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)


def events_on_three_days() -> dict[str, int]:
    """One event of a rare kind at noon on the 19th, 20th and 21st; their seqs by day."""
    organization = VerifiedOrganizationFactory()
    seqs = {}
    for days in (-1, 0, 1):
        moment = NOON + datetime.timedelta(days=days)
        with time_machine.travel(moment, tick=False):
            seqs[moment.date().isoformat()] = record_event(
                action=AuditAction.ORGANIZATION_SUSPENDED, organization=organization
            ).seq
    return seqs


def listed_seqs(response) -> set[int]:
    return {event.seq for event in response.context["cl"].result_list}


def test_a_typed_range_lists_the_events_of_those_days_both_included(operator_client):
    seqs = events_on_three_days()

    response = operator_client.get(AUDIT_LIST, {"created_at__from": "2026-11-20", "created_at__to": "2026-11-21"})

    assert response.status_code == 200
    assert listed_seqs(response) == {seqs["2026-11-20"], seqs["2026-11-21"]}


def test_one_end_of_the_range_is_enough(operator_client):
    seqs = events_on_three_days()

    response = operator_client.get(AUDIT_LIST, {"created_at__to": "2026-11-19"})

    assert listed_seqs(response) == {seqs["2026-11-19"]}


def test_a_day_that_is_not_a_date_is_said_so_and_filters_nothing(operator_client):
    seqs = events_on_three_days()

    response = operator_client.get(AUDIT_LIST, {"created_at__from": "2026-13-01"})

    assert response.status_code == 200
    assert listed_seqs(response) == set(seqs.values())
    assert "is not a day (YYYY-MM-DD)" in response.content.decode()


def test_the_last_day_there_is_has_no_day_after_it(operator_client):
    seqs = events_on_three_days()

    response = operator_client.get(AUDIT_LIST, {"created_at__from": "2026-11-21", "created_at__to": "9999-12-31"})

    assert response.status_code == 200
    assert listed_seqs(response) == {seqs["2026-11-21"]}


def test_a_from_after_the_to_lists_nothing_and_says_why(operator_client):
    events_on_three_days()

    response = operator_client.get(AUDIT_LIST, {"created_at__from": "2026-11-21", "created_at__to": "2026-11-19"})

    assert listed_seqs(response) == set()
    assert "is after" in response.content.decode()


def test_while_a_typed_range_filters_no_period_is_shown_as_chosen(operator_client):
    events_on_three_days()

    page = operator_client.get(AUDIT_LIST, {"created_at__from": "2026-11-20"})
    changelist = page.context["cl"]
    (dates,) = [spec for spec in changelist.filter_specs if getattr(spec, "field_path", "") == "created_at"]

    assert not any(choice["selected"] for choice in dates.choices(changelist))


def test_the_range_form_keeps_the_other_filters_and_the_search(operator_client):
    events_on_three_days()

    response = operator_client.get(AUDIT_LIST, {"action__exact": "organization.suspended", "q": "203.0.113.9"})

    body = response.content.decode()
    assert '<input type="hidden" name="action__exact" value="organization.suspended">' in body
    assert '<input type="hidden" name="q" value="203.0.113.9">' in body
    assert 'name="created_at__from"' in body and 'name="created_at__to"' in body


def test_the_fixed_periods_are_offered_and_select_recent_events(operator_client):
    seqs = events_on_three_days()
    with time_machine.travel(NOON + datetime.timedelta(days=10), tick=False):
        recent = record_event(action=AuditAction.ORGANIZATION_SUSPENDED).seq
        page = operator_client.get(AUDIT_LIST)
        changelist = page.context["cl"]
        (dates,) = [spec for spec in changelist.filter_specs if getattr(spec, "field_path", "") == "created_at"]
        past_week = next(choice for choice in dates.choices(changelist) if choice["display"] == "Past 7 days")

        response = operator_client.get(AUDIT_LIST + past_week["query_string"])

    assert listed_seqs(response) == {recent}
    assert set(seqs.values()) < listed_seqs(page)


def test_the_action_filter_offers_every_declared_action_whether_or_not_it_happened(operator_client):
    assert not AuditEvent.objects.exists()

    body = operator_client.get(AUDIT_LIST).content.decode()

    assert f"action__exact={AuditAction.REVEAL_GRANTED.value}" in body
    assert str(AuditAction.ORGANIZATION_SUSPENDED.label) in body


def test_the_login_failure_filter_offers_the_declared_reasons(operator_client):
    LoginEvent.objects.create(success=False, channel=LoginChannel.ADMIN, failure_reason=LoginFailure.BAD_OTP_TOKEN)

    response = operator_client.get("/admin/accounts/loginevent/", {"failure_reason__exact": "bad_otp_token"})

    body = response.content.decode()
    for reason in LoginFailure:
        assert f"failure_reason__exact={reason.value}" in body
    assert len(response.context["cl"].result_list) == 1


def test_the_outbox_kind_filter_offers_the_registered_kinds(operator_client):
    OutboxMessage.objects.create(kind=SEEKER_EMAIL, next_attempt_at=timezone.now())

    body = operator_client.get("/admin/outbox/outboxmessage/").content.decode()

    for kind in (SEEKER_EMAIL, EXPOSURE_EMAIL, FORWARDED_EMAIL):
        assert f"kind__exact={kind}" in body


def test_logins_are_found_by_exact_ip_or_device_not_by_a_part(operator_client):
    login = LoginEvent.objects.create(success=True, channel=LoginChannel.API, ip="198.51.100.23", device_id="dev-42")
    LoginEvent.objects.create(success=True, channel=LoginChannel.API, ip="198.51.100.2", device_id="dev-4")

    def found(term: str) -> list[int]:
        response = operator_client.get("/admin/accounts/loginevent/", {"q": term})
        return [row.pk for row in response.context["cl"].result_list]

    assert found("198.51.100.23") == [login.pk]
    assert found("dev-42") == [login.pk]
    assert found("198.51.100") == []


def test_aggregates_are_found_by_their_exact_subject(operator_client):
    organization = VerifiedOrganizationFactory()
    bucket = timezone.now().replace(minute=0, second=0, microsecond=0)
    wanted = ActivityAggregate.objects.create(
        subject_type=SubjectType.ORGANIZATION,
        subject_id=str(organization.pk),
        organization_id=organization.pk,
        granularity=Granularity.HOUR,
        bucket_start=bucket,
    )
    ActivityAggregate.objects.create(
        subject_type=SubjectType.ORGANIZATION,
        subject_id=f"{organization.pk}0",
        organization_id=organization.pk,
        granularity=Granularity.HOUR,
        bucket_start=bucket,
    )

    response = operator_client.get("/admin/detection/activityaggregate/", {"q": f" {organization.pk} "})

    assert [row.pk for row in response.context["cl"].result_list] == [wanted.pk]
