"""A Content-Security-Policy on every response, and no inline script or handler for it to block."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PROJECT_ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_strict_policy(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    script_sources = [source for source in policy["script-src"] if not source.startswith("'nonce-")]
    assert script_sources == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def assert_no_inline_code(response) -> None:
    html = response.content.decode()
    assert not INLINE_SCRIPT.findall(html)
    assert not HANDLER_ATTRIBUTE.findall(html)
    assert not STYLE_ATTRIBUTE.findall(html)


@pytest.fixture
def seeker_client():
    client = Client()
    client.force_login(UserFactory(role="seeker"))
    return client


@pytest.fixture
def operator_client():
    client = Client()
    client.force_login(UserFactory(role="operator", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/jobs/",
        "/accounts/password-reset/",
        "/admin/login/",
        "/no-such-page/",
    ],
)
def test_public_pages_carry_the_policy_and_no_inline_code(client, path):
    response = client.get(path)

    assert response.status_code in (200, 404), path
    assert_strict_policy(response)
    assert_no_inline_code(response)


@pytest.mark.parametrize(
    "path",
    [
        "/me/",
        "/me/resume/",
        "/me/contact/",
        "/me/privacy/",
        "/me/access-log/",
        "/me/delete/",
        "/me/requests/",
        "/me/relays/",
        "/me/notifications/",
        "/me/export/",
    ],
)
def test_seekers_pages_carry_the_policy_and_no_inline_code(seeker_client, path):
    response = seeker_client.get(path, follow=True)

    assert response.status_code == 200, path
    assert_strict_policy(response)
    assert_no_inline_code(response)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/employers/organization/",
        "/admin/employers/invitation/",
        "/admin/audit/auditevent/",
        "/admin/resumes/resume/",
    ],
)
def test_admin_pages_render_under_the_policy_without_inline_scripts(operator_client, path):
    response = operator_client.get(path)

    assert response.status_code == 200, path
    assert_strict_policy(response)
    html = response.content.decode()
    assert not INLINE_SCRIPT.findall(html), path
    assert not HANDLER_ATTRIBUTE.findall(html), path


def test_api_answers_carry_the_policy(api_client):
    for response in (
        api_client.get("/api/v1/jobs"),
        api_client.post("/api/v1/auth/login", {"email": "a@example.test", "password": "x"}, format="json"),
        api_client.get("/api/v1/no-such-thing"),
        api_client.get("/api/schema/"),
        api_client.get("/healthz"),
    ):
        assert_strict_policy(response)


def test_the_api_docs_load_their_start_up_script_as_a_file(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert_strict_policy(response)
    assert_no_inline_code(response)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_the_nonce_is_offered_only_to_pages_that_ask_for_it(client):
    assert "'nonce-" not in client.get("/")["Content-Security-Policy"]


def test_no_template_of_the_project_holds_inline_script_or_handlers():
    templates = [
        path
        for root in (PROJECT_ROOT / "templates", *PROJECT_ROOT.glob("*/templates"))
        for path in root.rglob("*.html")
    ]
    assert templates
    for path in templates:
        text = path.read_text()
        assert not INLINE_SCRIPT.findall(text), path
        assert not HANDLER_ATTRIBUTE.findall(text), path


def test_the_language_switcher_script_is_a_static_file():
    assert finders.find("js/site.js")
    assert "js/site.js" in (PROJECT_ROOT / "templates" / "base.html").read_text()
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"][0] == "'self'"
