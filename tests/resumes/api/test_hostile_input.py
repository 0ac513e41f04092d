"""Hand-made requests that once crashed the resumes API: each is a 4xx {"code", "detail"} that changes nothing."""

import base64
from urllib.parse import urlencode

import pytest

from audit.models import ActivityEvent, AuditEvent
from employers.models import QuotaCounter
from resumes.models import Reveal
from tests.resumes.factories import ResumeFactory

pytestmark = pytest.mark.django_db
BEYOND_BIGINT = 2**63
HUGE = 10**40


@pytest.mark.parametrize("job_id", [BEYOND_BIGINT, HUGE, str(HUGE)])
def test_a_job_id_beyond_64_bits_is_an_audited_job_invalid(client, seat, job, job_id):
    resume = ResumeFactory()

    response = client.post(f"/api/v1/resumes/{resume.id}/reveal", {"job_id": job_id}, format="json")

    assert (response.status_code, response.json()) == (
        404,
        {"code": "job_invalid", "detail": response.json()["detail"]},
    )
    assert not Reveal.objects.exists()
    assert not QuotaCounter.objects.filter(used__gt=0).exists()
    denial = AuditEvent.objects.get(action="reveal.denied")
    assert (denial.actor_id, denial.target_id, denial.code, denial.outcome, denial.job_id) == (
        seat.user.pk,
        str(resume.id),
        "job_invalid",
        "denied",
        None,
    )


def crafted_cursor(position: str) -> str:
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


@pytest.mark.parametrize("position", ["not-a-number", "2026-13-45", "'; DROP TABLE x; --"])
@pytest.mark.parametrize("q", ["engineer", ""])
def test_a_crafted_cursor_is_a_json_4xx(client, seat, q, position):
    ResumeFactory(headline="Backend engineer")
    activity_before = ActivityEvent.objects.count()

    response = client.get("/api/v1/resumes", {"q": q, "cursor": crafted_cursor(position)})

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Invalid cursor"}
    assert ActivityEvent.objects.count() == activity_before


@pytest.mark.postgres
def test_a_crafted_cursor_on_a_ranked_full_text_search_is_a_json_4xx(client, seat):
    ResumeFactory(headline="Backend engineer")

    response = client.get("/api/v1/resumes", {"q": "engineer", "cursor": crafted_cursor("not-a-number")})

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    # The connection is still usable afterwards: nothing was left half-done.
    assert client.get("/api/v1/resumes", {"q": "engineer"}).status_code == 200
