"""The OpenAPI schema validates and shows every employers' endpoint with its error codes."""

from io import StringIO

import pytest
import yaml
from django.core.management import call_command


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    target = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stdout=StringIO())
    return yaml.safe_load(target.read_text())


@pytest.mark.parametrize(
    ("path", "method", "status", "codes"),
    [
        ("/api/v1/organizations", "post", "400", {"invalid_uscc", "uscc_taken", "uscc_blacklisted"}),
        ("/api/v1/organizations/me", "get", "404", {"no_organization"}),
        ("/api/v1/organizations/me/licence", "post", "400", {"invalid_file"}),
        ("/api/v1/organizations/me/recruiters", "post", "403", {"not_org_admin"}),
        ("/api/v1/organizations/me/recruiters", "post", "409", {"seats_full"}),
        ("/api/v1/invitations/{invitation_id}/accept", "post", "404", {"not_found"}),
        ("/api/v1/invitations/{invitation_id}/accept", "post", "409", {"already_in_organization"}),
        ("/api/v1/invitations/{invitation_id}/decline", "post", "404", {"not_found"}),
        ("/api/v1/jobs", "get", "403", {"not_recruiter", "recruiter_inactive"}),
        ("/api/v1/jobs/{job_id}", "patch", "404", {"not_found", "no_organization"}),
        ("/api/v1/jobs/{job_id}/applications", "get", "404", {"not_found"}),
        ("/api/v1/organizations/me/seat", "patch", "400", {"contact_in_free_text", "invalid"}),
        ("/api/v1/organizations/me/seat", "get", "403", {"not_recruiter", "recruiter_inactive"}),
    ],
)
def test_error_codes_are_documented(schema, path, method, status, codes):
    response = schema["paths"][path][method]["responses"][status]
    examples = response["content"]["application/json"]["examples"]
    assert codes <= {example["value"]["code"] for example in examples.values()}


def test_lists_are_cursor_pages_and_applications_are_masked(schema):
    components = schema["components"]["schemas"]
    assert set(components["PaginatedJobList"]["properties"]) == {"next", "previous", "results"}
    applications = components["PaginatedApplicationList"]["properties"]["results"]["items"]["$ref"].split("/")[-1]
    assert set(components[applications]["properties"]) == {"id", "resume_id", "applied_at"}
    assert "null until resumes" in components[applications]["properties"]["resume_id"]["description"]
    me = components["OrganizationMeOutput"]["properties"]
    assert {"id", "legal_name", "uscc", "status", "plan", "quota"} <= set(me)
    assert set(components["Quota"]["properties"]) == {"recruiter_daily", "org_daily", "org_monthly"}
    invitations = components["PaginatedInvitationList"]["properties"]["results"]["items"]["$ref"].split("/")[-1]
    assert set(components[invitations]["properties"]) == {"id", "organization", "role", "expires_at"}
    invite = schema["paths"]["/api/v1/organizations/me/recruiters"]["post"]["responses"]["202"]
    invited = invite["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert set(components[invited]["properties"]) == {"invitation_id", "expires_at"}
    upload = schema["paths"]["/api/v1/organizations/me/licence"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
