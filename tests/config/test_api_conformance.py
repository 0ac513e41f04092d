"""Every API operation answers as its OpenAPI schema says: schemathesis, in-process, on real data.

The schema is loaded from /api/schema/ (drf-spectacular) through the Django WSGI app,
and each operation is called with generated requests under a verified recruiter's
token (an admin of a verified organisation with a job, applications and resumes to
find). Every response must pass all of schemathesis' response checks: no server
error, a documented status code, content type and headers, and a body that matches
the documented schema (paginated lists, error bodies as served).

The database fixture is transactional: Django's WSGI handler closes the connection
around each request, which the transaction of an ordinary test would not survive.
No operation is excluded: each call gets a fresh token, so `auth/logout` revokes only its own.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from employers.models import SeatRole
from tests.employers.factories import ApplicationFactory, JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import ResumeFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# A WSGI server always names the client's address; werkzeug's test client does not (the rate limits key on it).
CLIENT_ENVIRON = {"REMOTE_ADDR": "203.0.113.7"}

# Loaded at collection (serving the schema reads no table): schemathesis' fixture-based
# loader (schemathesis.pytest.from_fixture) does not run under pytest 9.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def recruiter(transactional_db):
    """The admin of a verified organisation with an open job, three applicants and their public resumes."""
    organization = VerifiedOrganizationFactory()
    seat = SeatFactory(organization=organization, role=SeatRole.ADMIN)
    job = JobPostingFactory(organization=organization)
    for resume in ResumeFactory.create_batch(3):
        ApplicationFactory(job=job, seeker=resume.seeker, resume_id=resume.pk)
    return seat.user


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"


@schema.parametrize()
@settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_the_schema(case, recruiter):
    # A token per call: logout revokes the one it is made with, and the others stay usable.
    _, token = AuthToken.objects.create(user=recruiter)
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS, environ_base=CLIENT_ENVIRON)


def test_a_body_that_is_not_json_is_answered_as_the_schema_says(recruiter):
    # Found by schemathesis once: bytes that are not UTF-8 give `parse_error`, which has no `errors` field.
    _, token = AuthToken.objects.create(user=recruiter)
    operation = schema["/api/v1/resumes/{resume_id}/reveal"]["POST"]
    case = operation.Case(
        path_parameters={"resume_id": str(ResumeFactory().pk)},
        body=b"\xff\xfe{",
        media_type="application/json",
    )

    response = case.call(headers={"Authorization": f"Token {token}"}, environ_base=CLIENT_ENVIRON)

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    case.validate_response(response, checks=CHECKS)
