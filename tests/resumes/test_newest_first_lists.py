"""An organisation's reveals and contact requests, newest first, read as a page: not all of them, not the platform's.

GET /api/v1/reveals and GET /api/v1/contact-requests page an organisation's rows by created_at. Once psycopg
had prepared the page's statement, PostgreSQL's plan cache could plan it generically, and for a quiet
organisation that plan walked the platform's reveals newest first: 1.6 s at 1.5M reveals. The lists' pages
are now never prepared (config.db.planned_for_their_values). The requests also lacked an index beginning
with the organisation and then the time: their page, and the count of today's requests that every request
for consent makes under the organisation's lock, read all of the organisation's (BENCHMARKS.md, "Reads that
grow with the platform").
"""

from contextlib import nullcontext

import pytest
from django.db import connection
from django.utils import timezone

from employers import quota
from resumes.models import ContactRequest
from resumes.selectors import recruiters as recruiter_selectors
from tests.employers.conftest import client_for
from tests.employers.factories import VerifiedOrganizationFactory
from tests.plans import rows_read
from tests.resumes.factories import ResumeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# 30,000 rows over half a year, one in ten the caller's organisation's, the rest nine others'.
REVEALS = """
INSERT INTO resumes_reveal (resume_ref, organization_id, kind, charged, created_at)
SELECT gen_random_uuid(), (%(organizations)s::bigint[])[1 + n %% 10], 'relay', true, now() - n * interval '10 minutes'
FROM generate_series(1, 30000) AS n
"""
REQUESTS = """
INSERT INTO resumes_contactrequest (resume_id, organization_id, job_id, status, created_at, expires_at)
SELECT %(resume)s, (%(organizations)s::bigint[])[1 + n %% 10], %(job)s, 'declined',
       now() - n * interval '10 minutes', now()
FROM generate_series(1, 30000) AS n
"""


def organizations_with(seat) -> list[int]:
    return [seat.organization_id, *(VerifiedOrganizationFactory().pk for _ in range(9))]


def statements_prepared_on(table: str) -> int:
    """This session's prepared statements that read `table` (the query itself is never prepared)."""
    query = "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s"
    return connection.connection.execute(query, [f'%FROM "{table}"%'], prepare=False).fetchone()[0]


@pytest.fixture
def reveals_page(seat):
    client = client_for(seat.user)
    return lambda: client.get("/api/v1/reveals")


def test_the_reveals_page_is_never_prepared_so_never_planned_generically(seat, reveals_page):
    before = statements_prepared_on("resumes_reveal")
    for _ in range(8):
        assert reveals_page().status_code == 200

    assert statements_prepared_on("resumes_reveal") == before


def test_without_that_the_same_page_would_be_prepared(seat, reveals_page, monkeypatch):
    """The control: psycopg prepares the page's statement when nothing prevents it."""
    monkeypatch.setattr("config.api.pagination.planned_for_their_values", lambda connection: nullcontext())
    before = statements_prepared_on("resumes_reveal")
    for _ in range(8):
        assert reveals_page().status_code == 200

    assert statements_prepared_on("resumes_reveal") > before


def test_a_page_of_the_organisations_requests_and_todays_count_read_only_those(seat, job):
    with connection.cursor() as cursor:
        cursor.execute(
            REQUESTS, {"organizations": organizations_with(seat), "resume": ResumeFactory().pk, "job": job.pk}
        )
        cursor.execute("ANALYZE resumes_contactrequest")

    before = rows_read("resumes_contactrequest")
    page = list(recruiter_selectors.list_contact_requests_for_recruiter(user=seat.user).order_by("-created_at")[:21])
    today = ContactRequest.objects.filter(
        organization=seat.organization, created_at__gte=quota.platform_day_start(timezone.now())
    ).count()
    read = rows_read("resumes_contactrequest") - before

    assert len(page) == 21
    assert today <= 15  # one in ten of a day's 144
    assert read <= 25 + 15, f"{read} requests read for a page of 21 and {today} of today"
