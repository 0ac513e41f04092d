"""The OpenAPI schema validates and describes the shared error shapes."""

from io import StringIO

import pytest
import yaml
from django.core.management import call_command


def generate_schema(tmp_path) -> dict:
    target = tmp_path / "schema.yml"
    # --fail-on-warn turns any drf-spectacular warning (ambiguous serializer, missing type) into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stdout=StringIO())
    return yaml.safe_load(target.read_text())


@pytest.mark.django_db
def test_schema_validates_and_documents_errors(tmp_path):
    schema = generate_schema(tmp_path)

    components = schema["components"]["schemas"]
    assert set(components["Error"]["properties"]) == {"code", "detail"}
    assert "errors" in components["ValidationError"]["properties"]
    login = schema["paths"]["/api/v1/auth/login"]["post"]
    assert {"200", "400", "429"} <= set(login["responses"])
    register = schema["paths"]["/api/v1/auth/register"]["post"]
    assert register["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ValidationError")


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    # The docs page loads its assets from this server, not from a CDN.
    assert b"cdn" not in docs.content.lower()


@pytest.mark.django_db
def test_every_operation_documents_the_answers_it_shares(tmp_path):
    schema = generate_schema(tmp_path)

    operations = {
        (method.upper(), path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }
    for (method, path), operation in operations.items():
        responses = operation["responses"]
        assert "503" in responses, (method, path)
        if "requestBody" in operation:
            assert responses["413"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error"), path
        if any(parameter["name"] == "cursor" for parameter in operation.get("parameters", [])):
            assert "not_found" in responses["404"]["description"], (method, path)
        if "429" in responses:
            assert "Retry-After" in responses["429"]["headers"], (method, path)
    # Lists are documented as the cursor pages they are.
    search = operations[("GET", "/api/v1/resumes")]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][search["$ref"].rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"next", "previous", "results"}
