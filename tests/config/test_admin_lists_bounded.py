"""The logs' admin lists read a page and a bounded count, never the whole log, however long it has grown.

Django's defaults read every row on every view: the paginator's COUNT(*), a filter's SELECT DISTINCT of
the values stored, the date drill-down's MIN, MAX and DISTINCT dates, the facet counts, and an order no
index serves. At a few million events that was seconds a view (BENCHMARKS.md, "Reads that grow with the
platform"). Each list here is planted with more rows than a view may read, and viewed the ways an
operator does: plain, filtered, by date, searched, counted past the bound.
"""

import datetime
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import LoginChannel, LoginEvent, LoginFailure
from audit.actions import AuditAction
from audit.admin import OrganizationIdFilter
from audit.models import ActivityEvent, ActivityKind, AuditEvent
from audit.services import record_event
from detection.models import ActivityAggregate, DetectionRun, Granularity, SubjectType
from outbox.models import OutboxMessage
from resumes.models import ContactRequest, ContactRequestStatus, Reveal, RevealKind
from resumes.services.reveal import SEEKER_EMAIL
from tests.employers.factories import JobPostingFactory, RecruiterFactory, VerifiedOrganizationFactory
from tests.plans import rows_read
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db

PLANTED = 1200
COUNT_BOUND = 250
# A page (100 rows), the bounded count (COUNT_BOUND + 1) and the organisations' sample (100), with the rows a
# filter passes over on the way when half of them match: never the whole log.
READ_BUDGET = 2 * (100 + COUNT_BOUND + 1) + 100
# A rare row planted a second time is one more to read.
PAGE_SLACK = 10
# Every row is planted within the last day, and "today" must hold more than a page of them.
NOON = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)
TODAY = NOON.date().isoformat()


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=True):
        yield


@pytest.fixture(autouse=True)
def small_bounds(settings, monkeypatch):
    settings.ADMIN_LIST_COUNT_BOUND = COUNT_BOUND
    monkeypatch.setattr(OrganizationIdFilter, "sample_size", 100)


def plant_audit_events(organization) -> str:
    for _ in range(PLANTED):
        record_event(action=AuditAction.REVEAL_GRANTED, organization=organization, outcome="granted")
    record_event(action=AuditAction.ORGANIZATION_SUSPENDED, organization=organization, ip="203.0.113.77")
    return AuditEvent._meta.db_table


def plant_activity_events(organization) -> str:
    actor = uuid.uuid4()
    ActivityEvent.objects.bulk_create(
        ActivityEvent(kind=ActivityKind.SEARCH, actor_id=actor, organization_id=organization.pk, result_count=3)
        for _ in range(PLANTED)
    )
    return ActivityEvent._meta.db_table


def plant_logins(organization) -> str:
    LoginEvent.objects.bulk_create(
        LoginEvent(success=True, channel=LoginChannel.API, ip=f"198.51.{n // 250}.{n % 250}", device_id=f"device-{n}")
        for n in range(PLANTED)
    )
    LoginEvent.objects.create(
        success=False, channel=LoginChannel.WEB, failure_reason=LoginFailure.BAD_OTP_TOKEN, ip="203.0.113.77"
    )
    return LoginEvent._meta.db_table


def plant_reveals(organization) -> str:
    job, recruiter, resume = JobPostingFactory(organization=organization), RecruiterFactory(), ResumeFactory()
    Reveal.objects.bulk_create(
        Reveal(
            resume=resume,
            resume_ref=resume.pk,
            job=job,
            organization=organization,
            recruiter=recruiter,
            kind=RevealKind.DIRECT,
            charged=n % 2 == 0,
        )
        for n in range(PLANTED)
    )
    return Reveal._meta.db_table


def plant_contact_requests(organization) -> str:
    job, recruiter, resume = JobPostingFactory(organization=organization), RecruiterFactory(), ResumeFactory()
    ContactRequest.objects.bulk_create(
        ContactRequest(
            resume=resume,
            job=job,
            organization=organization,
            requested_by=recruiter,
            status=ContactRequestStatus.DECLINED,
            expires_at=timezone.now() + datetime.timedelta(days=7),
        )
        for _ in range(PLANTED)
    )
    return ContactRequest._meta.db_table


def plant_outbox_messages(organization) -> str:
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(kind=SEEKER_EMAIL, delivered_at=now, next_attempt_at=now) for _ in range(PLANTED)
    )
    return OutboxMessage._meta.db_table


def plant_aggregates(organization) -> str:
    # Buckets further back each time: a subject has one per hour.
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    start -= datetime.timedelta(hours=ActivityAggregate.objects.count())
    ActivityAggregate.objects.bulk_create(
        ActivityAggregate(
            subject_type=SubjectType.ORGANIZATION,
            subject_id=str(organization.pk + n % 3),
            organization_id=organization.pk,
            granularity=Granularity.HOUR,
            bucket_start=start - datetime.timedelta(hours=n // 3),
            reveals=1,
        )
        for n in range(PLANTED)
    )
    return ActivityAggregate._meta.db_table


def plant_detection_runs(organization) -> str:
    now = timezone.now()
    DetectionRun.objects.bulk_create(
        DetectionRun(
            started_at=now - datetime.timedelta(minutes=n),
            finished_at=now - datetime.timedelta(minutes=n),
            window_start=now - datetime.timedelta(minutes=n + 5),
            window_end=now - datetime.timedelta(minutes=n),
        )
        for n in range(PLANTED)
    )
    return DetectionRun._meta.db_table


DATES = [f"created_at__from={TODAY}&created_at__to={TODAY}", "created_at__gte=2000-01-01+00:00:00%2B00:00"]
VIEWS = {
    "audit/auditevent": (
        plant_audit_events,
        [
            "",
            "action__exact=organization.suspended",
            "outcome__exact=granted",
            "actor_role__exact=operator",
            "actor_role__exact=seeker",
            "outcome__exact=refused",
            *DATES,
            "o=3",
            "q=203.0.113.77",
            "_facets=True",
        ],
    ),
    "audit/activityevent": (
        plant_activity_events,
        ["", "kind__exact=search", "kind__exact=rate_limited", *DATES, "_facets=True"],
    ),
    "accounts/loginevent": (
        plant_logins,
        [
            "",
            "failure_reason__exact=bad_otp_token",
            "success__exact=0",
            "channel__exact=admin",
            *DATES,
            "q=203.0.113.77",
            "q=device-7",
        ],
    ),
    "resumes/reveal": (plant_reveals, ["", "charged__exact=1", "charged__exact=0", "kind__exact=direct", *DATES]),
    "resumes/contactrequest": (
        plant_contact_requests,
        ["", "status__exact=declined", "status__exact=pending"],
    ),
    "outbox/outboxmessage": (plant_outbox_messages, ["", "state=delivered", f"kind__exact={SEEKER_EMAIL}"]),
    "detection/activityaggregate": (
        plant_aggregates,
        ["", "granularity__exact=hour", "q=1"],
    ),
    "detection/detectionrun": (plant_detection_runs, ["", f"started_at__from={TODAY}&started_at__to={TODAY}"]),
}
CASES = [(path, query) for path, (_, queries) in VIEWS.items() for query in queries]


def view(client, path: str, query: str) -> list[str]:
    """The statements of one view of the list, which must render."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/admin/{path}/?{query}")
    assert response.status_code == 200, (path, query, response.status_code)
    assert "?e=1" not in response.get("Location", "")
    return [statement["sql"] for statement in captured.captured_queries]


@pytest.mark.parametrize(("path", "query"), CASES)
def test_no_statement_of_a_log_list_reads_all_of_its_values(operator_client, path, query):
    plant, _ = VIEWS[path]
    plant(VerifiedOrganizationFactory())

    for sql in view(operator_client, path, query):
        upper = sql.upper()
        assert "DISTINCT" not in upper, sql
        assert " MIN(" not in upper and " MAX(" not in upper, sql
        if "COUNT(" in upper:
            assert "LIMIT" in upper, sql


def rows_read_by_a_view(client, path: str, query: str, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{table}"')
    before = rows_read(table)
    view(client, path, query)
    return rows_read(table) - before


@pytest.mark.postgres
@pytest.mark.parametrize(("path", "query"), CASES)
def test_a_view_of_a_log_list_reads_no_more_when_the_log_is_twice_as_long(operator_client, path, query):
    """A page and a bounded count, found by an index: what it reads does not grow with what is kept."""
    plant, _ = VIEWS[path]
    organization = VerifiedOrganizationFactory()
    table = plant(organization)
    at_first = rows_read_by_a_view(operator_client, path, query, table)

    plant(organization)
    at_twice_the_length = rows_read_by_a_view(operator_client, path, query, table)

    assert at_twice_the_length <= at_first + PAGE_SLACK, (at_first, at_twice_the_length)
    assert at_twice_the_length <= READ_BUDGET


def test_past_the_bound_the_list_says_there_are_more(operator_client):
    plant_logins(None)

    response = operator_client.get("/admin/accounts/loginevent/")

    assert f"{COUNT_BOUND}+ login events" in response.content.decode()


def test_under_the_bound_the_list_gives_the_exact_count(operator_client):
    plant_logins(None)

    response = operator_client.get("/admin/accounts/loginevent/?failure_reason__exact=bad_otp_token")

    body = response.content.decode()
    assert "1 result" in body and "1 login event" in body and "+ login event" not in body


def test_past_the_bound_a_search_says_there_are_more_results(operator_client):
    organization = VerifiedOrganizationFactory()
    plant_audit_events(organization)

    response = operator_client.get("/admin/audit/auditevent/", {"q": str(organization.pk)})

    assert f"{COUNT_BOUND}+ results" in response.content.decode()


def test_past_the_bound_the_list_offers_no_selection_across_its_pages(operator_client):
    plant_outbox_messages(None)

    body = operator_client.get("/admin/outbox/outboxmessage/").content.decode()

    assert 'class="question hidden"' not in body


def test_past_the_bound_an_action_on_every_row_is_refused(operator_client):
    plant_outbox_messages(None)
    OutboxMessage.objects.update(delivered_at=None, dead_at=timezone.now())

    response = operator_client.post(
        "/admin/outbox/outboxmessage/",
        # As Django's page sends it: the rows shown are ticked too.
        {
            "action": "retry_now",
            "select_across": "1",
            "index": "0",
            "_selected_action": [OutboxMessage.objects.first().pk],
        },
        follow=True,
    )

    assert f"More than {COUNT_BOUND} rows match" in response.content.decode()
    assert not OutboxMessage.objects.filter(dead_at__isnull=True).exists()


def test_under_the_bound_an_action_on_every_row_runs(operator_client):
    OutboxMessage.objects.bulk_create(
        OutboxMessage(kind=SEEKER_EMAIL, next_attempt_at=timezone.now(), dead_at=timezone.now()) for _ in range(3)
    )

    operator_client.post(
        "/admin/outbox/outboxmessage/",
        {
            "action": "retry_now",
            "select_across": "1",
            "index": "0",
            "_selected_action": [OutboxMessage.objects.first().pk],
        },
    )

    assert not OutboxMessage.objects.filter(dead_at__isnull=False).exists()


@pytest.mark.parametrize(
    "lookup",
    [
        "details__icontains=x",
        "user_agent__icontains=x",
        "code__regex=.*",
        "action__icontains=reveal",
        # A filter's own parameter with a value it does not offer, or a null test of a field never null.
        "actor_role__exact=zzz",
        "action__exact=not.an.action",
        "outcome__isnull=1",
        "organization_id=abc",
    ],
)
def test_a_lookup_or_value_not_offered_is_refused_with_a_word(operator_client, lookup):
    record_event(action=AuditAction.ORGANIZATION_SUSPENDED)

    response = operator_client.get(f"/admin/audit/auditevent/?{lookup}")

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
    assert "Not a filter of this list" in operator_client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("path", "lookup"),
    [
        ("accounts/loginevent", "success__isnull=1"),
        ("accounts/loginevent", "channel__exact=zzz"),
        ("audit/activityevent", "kind__exact=zzz"),
        ("outbox/outboxmessage", "kind__exact=zzz"),
        # Not a log, and the free text a seeker wrote: a lookup in it would be a search for contact details.
        ("resumes/resume", "summary__icontains=13912345678"),
    ],
)
def test_the_other_lists_refuse_them_too(operator_client, path, lookup):
    response = operator_client.get(f"/admin/{path}/?{lookup}")

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_a_nul_in_the_query_string_is_a_bad_request(operator_client):
    response = operator_client.get("/admin/audit/auditevent/", {"action__exact": "\x00"})

    assert response.status_code == 400


def test_an_order_typed_into_the_url_is_ignored(operator_client):
    record_event(action=AuditAction.ORGANIZATION_SUSPENDED)

    statements = view(operator_client, "audit/auditevent", "o=3")

    listing = [sql for sql in statements if "audit_auditevent" in sql and "ORDER BY" in sql.upper()]
    assert listing and all('ORDER BY "audit_auditevent"."seq" DESC' in sql for sql in listing)


@pytest.mark.postgres
def test_repeated_views_on_one_connection_keep_to_the_partial_index(operator_client):
    """Planned for their values each time (config.middleware.AdminCustomPlansMiddleware), not generically.

    A generic plan, which PostgreSQL would come to after a few views filtered by the common role, cannot use
    a partial index for a value it does not know: it walks the log for the rare one (the test fails without
    the middleware).
    """
    table = plant_audit_events(VerifiedOrganizationFactory())
    for _ in range(8):
        view(operator_client, "audit/auditevent", "actor_role__exact=recruiter")

    # The organisations' sample (100 rows) and the page, which the index finds empty.
    assert (
        rows_read_by_a_view(operator_client, "audit/auditevent", "actor_role__exact=operator", table)
        <= 100 + PAGE_SLACK
    )
