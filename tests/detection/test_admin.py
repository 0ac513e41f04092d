"""The operators' detection admin: the flag queue, a flag's page and verdict forms, the dashboard."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.services import write_chain_digest
from detection.models import ActivityAggregate, DetectionState, Flag, FlagStatus, Severity, SubjectType
from employers.models import OrganizationStatus
from resumes.models import RelayContact
from resumes.services import reveal_contact
from tests.detection.factories import DetectionRunFactory, FlagFactory
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.factories import UserFactory
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# Values the factories plant in people's contact fields (tests/factories.py, tests/resumes/factories.py).
PLANTED = ("Plantedseeker", "planted.seeker", "植入", "+8613900", "Plantedname", "planted.user", "Flagged Person Wu")


@pytest.fixture
def operator():
    # The header greets the operator by their own name: give them one that is not planted.
    return UserFactory(role="operator", is_staff=True, is_superuser=True, full_name="Operator Lin")


@pytest.fixture
def flagged():
    """An organisation whose recruiter revealed three seekers in the flag's window, and one the day before."""
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        organization = VerifiedOrganizationFactory(legal_name="Flagged Trading Co")
        seat = SeatFactory(
            organization=organization,
            user__full_name="Flagged Person Wu",
            user__email="planted.user.flagged@example.test",
        )
        job = JobPostingFactory(organization=organization)
        resumes = [ResumeFactory() for _ in range(4)]
    for moment, resume in zip(
        (
            NOW - timedelta(days=1),
            NOW - timedelta(minutes=170),
            NOW - timedelta(minutes=120),
            NOW - timedelta(minutes=110),
        ),
        resumes,
        strict=True,
    ):
        with time_machine.travel(moment, tick=False):
            reveal_contact(recruiter=seat.user, resume=resume, job=job)
    with time_machine.travel(NOW, tick=False):
        flag = FlagFactory(
            organization=organization,
            window_start=NOW - timedelta(hours=3),
            window_end=NOW,
            evidence={"reveals_last_hour": 3, "baseline_per_hour": 0.25, "ratio": 12.0, "limits_hit": ["org_daily"]},
        )
        DetectionRunFactory()
    return flag


def assert_no_contact_data(text: str) -> None:
    for value in PLANTED:
        assert value not in text
    for alias in RelayContact.objects.values_list("email_alias", flat=True):
        assert alias not in text


def assert_no_inline_script(text: str) -> None:
    # A strict Content-Security-Policy runs scripts from files only.
    for tag in re.findall(r"<script[^>]*>", text):
        assert "src=" in tag, tag


def bar_values(svg_text: str) -> list[int]:
    return [int(value) for value in re.findall(r'<rect class="bar"[^>]*data-value="(\d+)"', svg_text)]


def _pages(flag: Flag) -> list[str]:
    return [
        reverse("admin:index"),
        reverse("admin:app_list", args=["detection"]),
        reverse("admin:detection_flag_changelist"),
        reverse("admin:detection_flag_changelist") + "?status=all",
        reverse("admin:detection_flag_change", args=[flag.pk]),
        reverse("admin:detection_flag_confirm", args=[flag.pk]),
        reverse("admin:detection_flag_dismiss", args=[flag.pk]),
        reverse("admin:detection_dashboard"),
        reverse("admin:detection_detectionrun_changelist"),
        reverse("admin:detection_activityaggregate_changelist"),
        reverse("admin:detection_detectionstate_changelist"),
    ]


@time_machine.travel(NOW + timedelta(minutes=5), tick=False)
def test_every_detection_page_renders_for_an_operator_without_contact_data(operator_client, operator, flagged):
    ActivityAggregate.objects.create(
        subject_type=SubjectType.ORGANIZATION,
        subject_id=str(flagged.organization_id),
        organization_id=flagged.organization_id,
        granularity="hour",
        bucket_start=NOW - timedelta(hours=2),
        reveals=3,
    )
    DetectionState.objects.get_or_create(pk=1)

    for url in _pages(flagged):
        response = operator_client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert_no_contact_data(text)
        assert_no_inline_script(text)

    # Still none once the seekers have been told (their notices name the organisation, not them).
    operator_client.post(
        reverse("admin:detection_flag_confirm", args=[flagged.pk]), {"reason": "Harvesting confirmed."}
    )
    for url in _pages(flagged):
        assert_no_contact_data(operator_client.get(url).content.decode())


def test_detection_pages_are_closed_to_non_staff_and_to_staff_without_the_permission(client, flagged):
    seeker = UserFactory(role="seeker")
    client.force_login(seeker)
    for url in _pages(flagged)[1:]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login"))

    clerk = UserFactory(role="operator", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin:detection_dashboard")).status_code == 403
    assert client.get(reverse("admin:detection_flag_confirm", args=[flagged.pk])).status_code == 403
    assert "detection-dashboard-link" not in client.get(reverse("admin:index")).content.decode()

    # Reading flags is not deciding them.
    clerk.user_permissions.add(Permission.objects.get(codename="view_flag"))
    client.force_login(clerk)
    assert client.get(reverse("admin:detection_dashboard")).status_code == 200
    assert client.get(reverse("admin:detection_flag_change", args=[flagged.pk])).status_code == 200
    response = client.post(reverse("admin:detection_flag_confirm", args=[flagged.pk]), {"reason": "I would like to."})
    assert response.status_code == 403
    flagged.refresh_from_db()
    assert flagged.status == FlagStatus.OPEN


@time_machine.travel(NOW + timedelta(minutes=5), tick=False)
def test_the_flag_page_shows_the_evidence_a_chart_per_hour_and_the_verdict_buttons(operator_client, flagged):
    text = operator_client.get(reverse("admin:detection_flag_change", args=[flagged.pk])).content.decode()

    assert "<th>reveals last hour</th><td>3</td>" in text
    assert "<th>limits hit</th><td>org_daily</td>" in text
    # Hours 09:00, 10:00, 11:00 and 12:00 UTC: reveals at 09:10, 10:00 and 10:10; the day before is outside.
    assert bar_values(text) == [1, 2, 0, 0]
    assert "11-20 17:00" in text  # labelled in platform time (Asia/Shanghai)
    assert reverse("admin:detection_flag_confirm", args=[flagged.pk]) in text
    assert reverse("admin:detection_flag_dismiss", args=[flagged.pk]) in text


@time_machine.travel(NOW + timedelta(minutes=5), tick=False)
def test_a_cluster_flag_lists_its_linked_accounts(operator_client, flagged):
    twin = VerifiedOrganizationFactory(legal_name="Twin Trading Co")
    recruiter = SeatFactory(organization=twin, is_active=False).user
    cluster = FlagFactory(
        detector="sybil_cluster",
        subject_type=SubjectType.CLUSTER,
        organization=None,
        cluster_members=[
            {"type": "organization", "id": flagged.organization_id},
            {"type": "organization", "id": twin.pk},
            {"type": "recruiter", "id": str(recruiter.pk)},
        ],
        evidence={"links": [{"kind": "login_ip_prefix", "value": "198.51.100.0/24", "accounts": 3}]},
    )

    text = operator_client.get(reverse("admin:detection_flag_change", args=[cluster.pk])).content.decode()

    assert "cluster of 3 linked accounts" in text
    assert "Flagged Trading Co" in text and "Twin Trading Co" in text
    assert f"<td>{recruiter.pk}</td><td>recruiter in organisation #{twin.pk}</td><td>seat deactivated</td>" in text
    assert "198.51.100.0/24" in text
    assert_no_contact_data(text)


def test_the_queue_puts_open_flags_by_severity_then_age_and_hides_decided_ones(operator_client):
    with time_machine.travel(NOW - timedelta(hours=5), tick=False):
        old_low = FlagFactory(severity=Severity.LOW)
        old_high = FlagFactory(severity=Severity.HIGH)
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        new_high = FlagFactory(severity=Severity.HIGH)
        medium = FlagFactory(severity=Severity.MEDIUM)
        dismissed = FlagFactory(severity=Severity.HIGH, status=FlagStatus.DISMISSED)

    queue = operator_client.get(reverse("admin:detection_flag_changelist")).context["cl"].result_list
    everything = operator_client.get(reverse("admin:detection_flag_changelist") + "?status=all").context["cl"]
    # The severity filter's own link (a bare "?severity=high" is a lookup no filter offers, refused).
    high_only = operator_client.get(reverse("admin:detection_flag_changelist") + "?severity__exact=high").context["cl"]

    assert list(queue) == [old_high, new_high, medium, old_low]
    assert dismissed in everything.result_list
    assert list(high_only.result_list) == [old_high, new_high]


def test_flags_runs_and_aggregates_cannot_be_added_changed_or_deleted(operator_client, flagged):
    run = DetectionRunFactory()
    for url in (
        reverse("admin:detection_flag_add"),
        reverse("admin:detection_flag_delete", args=[flagged.pk]),
        reverse("admin:detection_detectionrun_add"),
        reverse("admin:detection_detectionrun_delete", args=[run.pk]),
        reverse("admin:detection_activityaggregate_add"),
    ):
        assert operator_client.post(url, {"post": "yes"}).status_code == 403, url
    operator_client.post(reverse("admin:detection_flag_change", args=[flagged.pk]), {"status": "dismissed"})
    flagged.refresh_from_db()
    assert flagged.status == FlagStatus.OPEN
    assert Flag.objects.filter(pk=flagged.pk).exists()


@time_machine.travel(NOW + timedelta(minutes=5), tick=False)
def test_confirming_through_the_admin_needs_a_reason_then_calls_the_service(operator_client, operator, flagged):
    url = reverse("admin:detection_flag_confirm", args=[flagged.pk])

    refused = operator_client.post(url, {"reason": ""})
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    flagged.refresh_from_db()
    assert flagged.status == FlagStatus.OPEN

    done = operator_client.post(url, {"reason": "Harvesting confirmed."})
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:detection_flag_change", args=[flagged.pk])
    flagged.refresh_from_db()
    flagged.organization.refresh_from_db()
    assert (flagged.status, flagged.decided_by) == (FlagStatus.CONFIRMED, operator)
    assert flagged.organization.status == OrganizationStatus.SUSPENDED

    again = operator_client.post(reverse("admin:detection_flag_dismiss", args=[flagged.pk]), {"reason": "x"})
    assert again.status_code == 200
    assert "already confirmed" in again.content.decode()
    page = operator_client.get(reverse("admin:detection_flag_change", args=[flagged.pk])).content.decode()
    assert url not in page


@time_machine.travel(NOW + timedelta(minutes=5), tick=False)
def test_a_refusal_of_the_service_comes_back_on_the_form(operator_client, flagged):
    response = operator_client.post(
        reverse("admin:detection_flag_dismiss", args=[flagged.pk]), {"reason": "Call me at a@b.example"}
    )

    assert response.status_code == 200
    assert "must not contain contact details" in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.status == FlagStatus.OPEN


@time_machine.travel(NOW + timedelta(minutes=5), tick=False)
def test_the_dashboard_charts_thirty_days_and_lists_organisations_flags_runs_and_the_chain(operator_client, flagged):
    write_chain_digest()
    FlagFactory(severity=Severity.MEDIUM)

    response = operator_client.get(reverse("admin:detection_dashboard"))
    text = response.content.decode()

    values = bar_values(text)
    assert len(values) == 30
    # Yesterday's reveal and today's three (platform days: 20:00 Shanghai is still 2026-11-20).
    assert values[-2:] == [1, 3]
    assert sum(values) == 4
    assert "Flagged Trading Co (" in text and "<td>4</td>" in text
    assert "<tr><td>High</td><td>1</td></tr>" in text
    assert "<tr><td>Medium</td><td>1</td></tr>" in text
    assert "340 ms" in text
    assert "intact as far as checked" in text
    assert "matches the chain" in text
    assert response.context["chain"].full_report is None

    verified = operator_client.post(reverse("admin:detection_dashboard"), {"verify_chain": "1"})
    assert verified.context["chain"].full_report.ok
    assert "events verified" in verified.content.decode()


def test_the_admin_index_and_the_detection_index_link_the_dashboard(operator_client):
    for url in (reverse("admin:index"), reverse("admin:app_list", args=["detection"])):
        assert reverse("admin:detection_dashboard") in operator_client.get(url).content.decode()


def test_the_queue_reads_a_fixed_number_of_queries_however_many_flags(operator_client, django_assert_max_num_queries):
    FlagFactory.create_batch(3)
    with django_assert_max_num_queries(20) as few:
        operator_client.get(reverse("admin:detection_flag_changelist"))
    FlagFactory.create_batch(20)

    with django_assert_max_num_queries(len(few.captured_queries)):
        operator_client.get(reverse("admin:detection_flag_changelist"))


@time_machine.travel(NOW + timedelta(minutes=5), tick=False)
def test_several_flags_are_dismissed_at_once_with_one_reason(operator_client, operator):
    first, second = FlagFactory.create_batch(2, severity=Severity.LOW)
    url = reverse("admin:detection_flag_changelist")
    selection = {"action": "dismiss_selected", "_selected_action": [first.pk, second.pk]}

    asked = operator_client.post(url, selection)
    assert asked.status_code == 200
    assert "Dismiss 2 flag(s)" in asked.content.decode()
    assert set(Flag.objects.values_list("status", flat=True)) == {FlagStatus.OPEN}

    done = operator_client.post(url, {**selection, "apply": "yes", "reason": "A job fair explains both."})

    assert done.status_code == 302
    assert set(Flag.objects.values_list("status", "decided_by", "decision_reason")) == {
        (FlagStatus.DISMISSED, operator.pk, "A job fair explains both.")
    }


def test_the_verdict_actions_are_offered_only_to_those_who_may_decide(client, operator):
    FlagFactory()
    clerk = UserFactory(role="operator", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_flag"))
    url = reverse("admin:detection_flag_changelist")

    client.force_login(clerk)
    assert "dismiss_selected" not in client.get(url).content.decode()
    client.force_login(operator)
    assert "dismiss_selected" in client.get(url).content.decode()
