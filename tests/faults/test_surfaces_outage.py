"""The seekers' web login, the admin login and the relay webhooks with Redis down and with PostgreSQL down: 503.

A plain page in the reader's language for people, the API's JSON for the provider's
webhooks; never Django's 500 page. With PostgreSQL down the session cannot be read
either: the page must render without it.
"""

import json
import time
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings

from resumes.webhooks import sign_webhook_body
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.faults.conftest import FAULT_MARKERS
from tests.faults.proxy import FaultProxy

pytestmark = [*FAULT_MARKERS, pytest.mark.timeout(120)]

SEEKER_EMAIL = "seeker.at.login@example.test"
OPERATOR_EMAIL = "operator.at.login@example.test"


def retry_after() -> int:
    return django_settings.SERVICE_UNAVAILABLE_RETRY_AFTER_S


@pytest.fixture
def accounts(transactional_db):
    UserFactory(role="seeker", email=SEEKER_EMAIL)
    UserFactory(role="operator", email=OPERATOR_EMAIL, is_staff=True, is_superuser=True)


@dataclass
class Outage:
    proxy: FaultProxy

    def __call__(self) -> None:
        """The dependency goes down: its connections are cut, new ones refused."""
        self.proxy.cut()
        self.proxy.refuse()


@pytest.fixture(params=["redis", "postgres"])
def outage(request, accounts) -> Outage:
    """Each test once with Redis down, once with PostgreSQL down."""
    return Outage(proxy=request.getfixturevalue(f"{request.param}_proxy"))


def assert_unavailable_page(response, *, proxy, language: str = "en") -> str:
    assert proxy.accepted >= 1, "nothing ever went through the proxy: the test would prove nothing"
    assert response.status_code == 503, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Retry-After"] == str(retry_after())
    content = response.content.decode()
    assert f'<html lang="{language}">' in content
    return content


def test_the_seekers_web_login(client, outage):
    outage()

    response = client.post("/accounts/login/", {"username": SEEKER_EMAIL, "password": DEFAULT_PASSWORD})

    assert "Hirewall is temporarily unavailable" in assert_unavailable_page(response, proxy=outage.proxy)


def test_the_seekers_web_login_in_chinese(client, outage):
    outage()

    response = client.post(
        "/accounts/login/",
        {"username": SEEKER_EMAIL, "password": DEFAULT_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9",
    )

    content = assert_unavailable_page(response, proxy=outage.proxy, language="zh-hans")
    assert "Hirewall 暂时无法使用" in content
    assert f"请在 {retry_after()} 秒后重试。" in content


def test_the_admin_login(client, outage):
    outage()

    response = client.post("/admin/login/", {"username": OPERATOR_EMAIL, "password": DEFAULT_PASSWORD})

    assert_unavailable_page(response, proxy=outage.proxy)


def test_the_admin_login_with_its_second_factor(client, outage, settings):
    settings.ADMIN_REQUIRE_OTP = True
    outage()

    response = client.post(
        "/admin/2fa/login/",
        {
            "operator_login_view-current_step": "auth",
            "auth-username": OPERATOR_EMAIL,
            "auth-password": DEFAULT_PASSWORD,
        },
    )

    assert_unavailable_page(response, proxy=outage.proxy)


def test_a_signed_in_seekers_page_when_the_session_cannot_be_read(client, postgres_proxy, transactional_db):
    # The session lives in the database: with it down, neither the user nor the page's header can be read.
    client.force_login(UserFactory(role="seeker"))
    Outage(postgres_proxy)()

    response = client.get("/me/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "暂时无法使用" in assert_unavailable_page(response, proxy=postgres_proxy, language="zh-hans")


def signed_post(client, url: str, payload: dict):
    body = json.dumps({**payload, "timestamp": int(time.time())}).encode()
    return client.post(url, body, content_type="application/json", HTTP_X_HIREWALL_SIGNATURE=sign_webhook_body(body))


@pytest.mark.parametrize(
    ("url", "payload"),
    [
        (
            "/relay/email/inbound",
            {"alias": "r-abc@relay.example.test", "sender": "hr@x.test", "subject": "Hi", "body": "Hello"},
        ),
        ("/relay/voice/resolve", {"number": "+8610000000000", "extension": "1234"}),
    ],
)
def test_the_relay_webhooks_answer_json_with_the_database_down(client, postgres_proxy, url, payload):
    Outage(postgres_proxy)()

    response = signed_post(client, url, payload)

    assert postgres_proxy.accepted >= 1
    assert response.status_code == 503, (response.status_code, response.content[:300])
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"] == str(retry_after())
