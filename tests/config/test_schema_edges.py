"""The schema names one token scheme and documents quota resets, contact-request refusals and draft jobs."""

import pytest

from tests.config.test_schema import generate_schema


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        return generate_schema(tmp_path_factory.mktemp("schema"))


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_one_token_scheme_and_every_operation_names_only_it(schema):
    assert set(schema["components"]["securitySchemes"]) == {"knoxApiToken"}
    named = {name for _, operation in operations(schema) for entry in operation.get("security", []) for name in entry}
    assert named == {"knoxApiToken"}


def test_the_served_schema_has_one_token_scheme(client):
    import yaml

    served = yaml.safe_load(client.get("/api/schema/").content)

    assert set(served["components"]["securitySchemes"]) == {"knoxApiToken"}


def test_quota_limits_and_refusals_say_when_they_reset(schema):
    components = schema["components"]["schemas"]
    assert components["QuotaLimit"]["properties"]["resets_at"]["format"] == "date-time"
    assert "resets_at" in components["QuotaLimit"]["required"]
    refusal = components["QuotaExhausted"]["properties"]
    assert refusal["resets_at"]["format"] == "date-time"
    limit_enum = components[refusal["limit"]["allOf"][0]["$ref"].rsplit("/", 1)[-1]]["enum"]
    assert set(limit_enum) == {
        "recruiter_daily",
        "org_daily",
        "org_monthly",
        "platform_ceiling",
        "contact_requests_daily",
    }
    reveal = schema["paths"]["/api/v1/resumes/{resume_id}/reveal"]["post"]["responses"]["429"]
    assert "Retry-After" in reveal["description"] and "contact request" in reveal["description"]


def test_draft_jobs_are_documented(schema):
    components = schema["components"]["schemas"]
    assert set(components["JobStatusEnum"]["enum"]) == {"open", "closed", "draft"}
    assert set(components["JobUpdateInputStatusEnum"]["enum"]) == {"open", "closed"}
    patch = schema["paths"]["/api/v1/jobs/{job_id}"]["patch"]["responses"]["400"]
    codes = {example["value"]["code"] for example in patch["content"]["application/json"]["examples"].values()}
    assert codes == {"org_not_verified", "org_suspended", "invalid"}
    assert "draft" in schema["paths"]["/api/v1/jobs"]["post"]["description"]
