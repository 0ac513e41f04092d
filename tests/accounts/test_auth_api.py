"""POST auth/register, auth/login, auth/logout exactly as API.md says, and the login events they leave."""

import pytest
from django.test import override_settings
from knox.models import AuthToken

from accounts.models import LoginEvent, User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"


def test_register_creates_a_recruiter_and_answers_id_and_email(api_client):
    response = api_client.post(
        REGISTER,
        {"email": " Chen.Jie@Example.TEST", "password": "a-long-passphrase-1", "full_name": "陈杰"},
        format="json",
    )

    assert response.status_code == 201
    user = User.objects.get()
    assert response.json() == {"id": str(user.id), "email": "chen.jie@example.test"}
    assert user.role == "recruiter"
    assert user.decrypt_full_name() == "陈杰"
    assert user.check_password("a-long-passphrase-1")


def test_register_hashes_passwords_with_argon2_by_default(api_client):
    from config.settings import base

    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        api_client.post(
            REGISTER,
            {"email": "argon@example.test", "password": "a-long-passphrase-1", "full_name": "A"},
            format="json",
        )

    assert User.objects.get().password.startswith("argon2$")


def test_register_twice_with_one_address_is_invalid_and_creates_nothing(api_client):
    UserFactory(email="taken@example.test")

    response = api_client.post(
        REGISTER, {"email": "TAKEN@example.test", "password": "a-long-passphrase-1", "full_name": "B"}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body) == {"code", "detail", "errors"}
    assert "email" in body["errors"]
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "bad_field"),
    [
        ({"email": "not-an-address", "password": "a-long-passphrase-1", "full_name": "C"}, "email"),
        ({"email": "c@example.test", "password": "short", "full_name": "C"}, "password"),
        ({"email": "c@example.test", "password": "1234567890123", "full_name": "C"}, "password"),
        ({"email": "c@example.test", "password": "a-long-passphrase-1", "full_name": "   "}, "full_name"),
        ({"password": "a-long-passphrase-1", "full_name": "C"}, "email"),
    ],
)
def test_register_rejects_bad_input_with_field_errors(api_client, payload, bad_field):
    response = api_client.post(REGISTER, payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert bad_field in response.json()["errors"]
    assert not User.objects.exists()


def test_login_returns_a_hashed_expiring_token_that_authenticates(api_client):
    user = UserFactory(role="recruiter", email="r@example.test")

    response = api_client.post(LOGIN, {"email": "r@example.test", "password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    stored = AuthToken.objects.get(user=user)
    assert body["token"] not in stored.digest  # only a digest is kept
    assert stored.expiry is not None
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api_client.post(LOGOUT).status_code == 204


def test_register_refuses_fields_it_does_not_take(api_client):
    body = {"email": "r@example.test", "password": "a long enough passphrase", "full_name": "R", "role": "operator"}

    response = api_client.post("/api/v1/auth/register", {**body, "is_staff": True}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) == {"role", "is_staff"}
    assert not User.objects.exists()


def test_a_login_past_the_token_limit_ends_the_oldest_tokens(api_client, settings):
    """25 logins gave 25 live tokens: knox's TOKEN_LIMIT_PER_USER holds only in knox's own login view."""
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 3}
    user = UserFactory(role="recruiter", email="r@example.test")
    older = [AuthToken.objects.create(user=user)[0].pk for _ in range(3)]
    other = AuthToken.objects.create(user=UserFactory(role="recruiter"))[0]

    response = api_client.post(LOGIN, {"email": "r@example.test", "password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 200
    kept = set(AuthToken.objects.filter(user=user).values_list("pk", flat=True))
    assert len(kept) == 3
    assert older[0] not in kept
    assert set(older[1:]) <= kept
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api_client.post(LOGOUT).status_code == 204  # the new one works
    assert AuthToken.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize(
    ("email", "password"),
    [("r@example.test", "wrong-password-123"), ("nobody@example.test", DEFAULT_PASSWORD)],
)
def test_login_with_wrong_credentials_is_invalid_credentials(api_client, email, password):
    UserFactory(role="recruiter", email="r@example.test")

    response = api_client.post(LOGIN, {"email": email, "password": password}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert not AuthToken.objects.exists()


@pytest.mark.parametrize("role", ["seeker", "operator"])
def test_only_recruiters_get_api_tokens(api_client, role):
    UserFactory(role=role, email="someone@example.test")

    response = api_client.post(LOGIN, {"email": "someone@example.test", "password": DEFAULT_PASSWORD}, format="json")

    assert response.json()["code"] == "invalid_credentials"
    assert LoginEvent.objects.get().failure_reason == "role_not_allowed"


def test_inactive_recruiter_cannot_log_in(api_client):
    UserFactory(role="recruiter", email="gone@example.test", is_active=False)

    response = api_client.post(LOGIN, {"email": "gone@example.test", "password": DEFAULT_PASSWORD}, format="json")

    assert response.json()["code"] == "invalid_credentials"


def test_logout_revokes_the_token(recruiter_client):
    assert recruiter_client.post(LOGOUT).status_code == 204

    response = recruiter_client.post(LOGOUT)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not AuthToken.objects.exists()


def test_logout_without_a_token_is_401(api_client):
    response = api_client.post(LOGOUT)

    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == "Token"


def test_expired_token_is_refused(api_client, recruiter):
    import datetime as dt

    _, token = AuthToken.objects.create(user=recruiter, expiry=dt.timedelta(seconds=-1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert api_client.post(LOGOUT).status_code == 401


class TestLoginEvents:
    def test_success_records_user_ip_agent_and_device_header(self, api_client):
        user = UserFactory(role="recruiter", email="r@example.test")

        api_client.post(
            LOGIN,
            {"email": "r@example.test", "password": DEFAULT_PASSWORD},
            format="json",
            REMOTE_ADDR="203.0.113.7",
            HTTP_USER_AGENT="IntegrationTest/1.0",
            HTTP_X_DEVICE_ID="device-abc-123",
        )

        event = LoginEvent.objects.get()
        assert (event.user, event.success, event.channel) == (user, True, "api")
        assert (event.ip, event.user_agent, event.device_id) == ("203.0.113.7", "IntegrationTest/1.0", "device-abc-123")

    def test_failure_on_a_known_address_names_the_user_and_reads_the_device_cookie(self, api_client):
        user = UserFactory(role="recruiter", email="r@example.test")
        api_client.cookies["hw_device"] = "web-cookie-42"

        api_client.post(LOGIN, {"email": "r@example.test", "password": "nope-nope-nope"}, format="json")

        event = LoginEvent.objects.get()
        assert (event.user, event.success, event.failure_reason) == (user, False, "bad_credentials")
        assert event.device_id == "web-cookie-42"
        assert event.attempted_email_index == user.email_blind_index

    def test_failure_on_an_unknown_address_keeps_only_its_blind_index(self, api_client):
        api_client.post(LOGIN, {"email": "ghost.7731@example.test", "password": "x"}, format="json")

        event = LoginEvent.objects.get()
        assert event.user is None
        assert len(event.attempted_email_index) == 64
        assert "ghost" not in str(event.__dict__)

    def test_junk_device_ids_are_dropped(self, api_client):
        UserFactory(role="recruiter", email="r@example.test")

        api_client.post(
            LOGIN,
            {"email": "r@example.test", "password": DEFAULT_PASSWORD},
            format="json",
            HTTP_X_DEVICE_ID="<script>" + "x" * 300,
        )

        assert LoginEvent.objects.get().device_id == ""

    def test_admin_login_is_recorded_too(self, client):
        UserFactory(role="operator", email="op@example.test", is_staff=True, is_superuser=True)

        client.post("/admin/login/", {"username": "op@example.test", "password": DEFAULT_PASSWORD})
        client.post("/admin/login/", {"username": "op@example.test", "password": "wrong-one-123"})

        channels = list(LoginEvent.objects.order_by("created_at").values_list("channel", "success"))
        assert channels == [("admin", True), ("admin", False)]


@pytest.mark.usefixtures("pinned_clock")
class TestLoginRateLimit:
    @override_settings(RATELIMITS={"login_per_ip": "100/m", "login_per_email": "3/m", "register_per_ip": "10/h"})
    def test_per_address_limit_answers_429_with_retry_after(self, api_client):
        UserFactory(role="recruiter", email="target@example.test")
        for _ in range(3):
            api_client.post(LOGIN, {"email": "target@example.test", "password": "guess-123456"}, format="json")

        response = api_client.post(LOGIN, {"email": "TARGET@example.test", "password": DEFAULT_PASSWORD}, format="json")

        assert response.status_code == 429
        assert response.json() == {"code": "rate_limited", "detail": "Too many requests. Try again later."}
        assert 1 <= int(response["Retry-After"]) <= 60
        assert not AuthToken.objects.exists()  # even the right password is refused while limited
        assert LoginEvent.objects.filter(failure_reason="rate_limited").count() == 1
        # Another address from the same client is not affected.
        other = api_client.post(LOGIN, {"email": "other@example.test", "password": "x"}, format="json")
        assert other.status_code == 400

    @override_settings(RATELIMITS={"login_per_ip": "4/m", "login_per_email": "100/m", "register_per_ip": "10/h"})
    def test_per_ip_limit_spans_addresses(self, api_client):
        for attempt in range(4):
            api_client.post(LOGIN, {"email": f"u{attempt}@example.test", "password": "x"}, format="json")

        limited = api_client.post(LOGIN, {"email": "fresh@example.test", "password": "x"}, format="json")
        elsewhere = api_client.post(
            LOGIN, {"email": "fresh@example.test", "password": "x"}, format="json", REMOTE_ADDR="198.51.100.9"
        )

        assert limited.status_code == 429
        assert "Retry-After" in limited
        assert elsewhere.status_code == 400


@pytest.mark.usefixtures("pinned_clock")
def test_the_admin_login_is_rate_limited_too(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "web_login_per_email": "2/m"}
    UserFactory(role="operator", email="op@example.test", is_staff=True, is_superuser=True)
    for _ in range(2):
        client.post("/admin/login/", {"username": "op@example.test", "password": "wrong-guess-123"})

    response = client.post("/admin/login/", {"username": "op@example.test", "password": DEFAULT_PASSWORD})

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "_auth_user_id" not in client.session


def test_operators_log_into_the_admin_with_a_long_address(client):
    long_address = "a.very.long.operator.mailbox.name.for.testing@operations.department.example.test"
    assert len(long_address) > 64
    UserFactory(role="operator", email=long_address, is_staff=True, is_superuser=True)

    response = client.post("/admin/login/", {"username": long_address, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert "_auth_user_id" in client.session
