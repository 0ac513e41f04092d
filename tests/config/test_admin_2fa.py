"""The admin's second factor: no admin page without a TOTP or backup code, enrolment, rate limits, login events."""

import base64
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import LoginEvent
from audit.models import AuditEvent
from tests.config.test_settings import PRODUCTION_ENV, run_django
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/2fa/login/"
SETUP = "/admin/2fa/setup/"
QR_CODE = "/admin/2fa/qrcode/"
BACKUP_CODES = "/admin/2fa/backup-codes/"
USERS = "/admin/accounts/user/"
NOW = datetime(2026, 11, 20, 9, 0, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _pinned_time():
    # TOTP codes follow the clock: a fixed instant keeps every code valid for the whole test.
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def otp_required(settings):
    settings.ADMIN_REQUIRE_OTP = True


@pytest.fixture
def operator():
    return UserFactory(role="operator", email="op@example.test", is_staff=True, is_superuser=True)


@pytest.fixture
def device(operator) -> TOTPDevice:
    # two_factor asks for the code of the device named "default".
    return TOTPDevice.objects.create(user=operator, name="default", confirmed=True)


def current_code(key: bytes, *, digits: int = 6) -> str:
    return f"{TOTP(key, digits=digits).token():0{digits}d}"


def log_in_with_password(client, email: str = "op@example.test", password: str = DEFAULT_PASSWORD, next_url="/admin/"):
    return client.post(
        f"{LOGIN}?next={next_url}",
        {"operator_login_view-current_step": "auth", "auth-username": email, "auth-password": password},
    )


def give_code(client, code: str, *, step: str = "token", next_url="/admin/"):
    return client.post(
        f"{LOGIN}?next={next_url}", {"operator_login_view-current_step": step, f"{step}-otp_token": code}
    )


def test_production_requires_the_second_factor_whatever_the_environment_says():
    result = run_django(
        "from django.conf import settings as s\nprint(s.ADMIN_REQUIRE_OTP)", **PRODUCTION_ENV, ADMIN_REQUIRE_OTP="False"
    )

    assert result.stdout.strip() == "True", result.stderr


@pytest.mark.parametrize(("environment", "expected"), [(None, "False"), ("True", "True")])
def test_make_run_skips_it_unless_asked(environment, expected):
    result = run_django(
        "from django.conf import settings as s\nprint(s.ADMIN_REQUIRE_OTP)",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        ADMIN_REQUIRE_OTP=environment,
    )

    assert result.stdout.strip() == expected, result.stderr


class TestPasswordAlone:
    @pytest.mark.parametrize("page", ["/admin/", USERS, "/admin/audit/auditevent/"])
    def test_a_password_only_session_sees_no_admin_page(self, otp_required, client, operator, device, page):
        client.force_login(operator)

        response = client.get(page, follow=True)

        assert response.redirect_chain[-1][0] == f"{LOGIN}?next={page.replace('/', '%2F')}"
        assert response.status_code == 200
        assert 'name="auth-password"' in response.content.decode()

    def test_the_one_step_admin_login_no_longer_signs_in(self, otp_required, client, operator, device):
        response = client.post("/admin/login/", {"username": "op@example.test", "password": DEFAULT_PASSWORD})

        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert "_auth_user_id" not in client.session

    def test_the_password_step_asks_for_the_code_and_signs_in_no_one(self, otp_required, client, operator, device):
        response = log_in_with_password(client)

        assert response.status_code == 200
        assert 'name="token-otp_token"' in response.content.decode()
        assert "_auth_user_id" not in client.session
        assert client.get("/admin/").status_code == 302
        assert not LoginEvent.objects.exists()


class TestWithTheCode:
    def test_password_then_code_opens_the_admin_and_is_recorded(self, otp_required, client, operator, device):
        log_in_with_password(client)

        response = give_code(client, current_code(device.bin_key))

        assert response.status_code == 302
        assert response["Location"] == "/admin/"
        page = client.get(USERS)
        assert page.status_code == 200
        assert "Backup codes" in page.content.decode()
        event = LoginEvent.objects.get()
        assert (event.user, event.success, event.channel, event.failure_reason) == (operator, True, "admin", "")

    def test_a_wrong_code_is_refused_and_recorded(self, otp_required, client, operator, device):
        log_in_with_password(client)
        wrong = f"{(int(current_code(device.bin_key)) + 1) % 1_000_000:06d}"

        response = give_code(client, wrong)

        assert response.status_code == 200
        assert "Invalid token" in response.content.decode()
        assert "_auth_user_id" not in client.session
        assert client.get("/admin/").status_code == 302
        event = LoginEvent.objects.get()
        assert (event.user, event.success, event.channel, event.failure_reason) == (
            operator,
            False,
            "admin",
            "bad_otp_token",
        )

    def test_a_backup_code_opens_the_admin_once(self, otp_required, client, operator, device):
        StaticDevice.objects.create(user=operator, name="backup").token_set.create(token="kq7vx2mf")
        log_in_with_password(client)
        client.post(LOGIN, {"wizard_goto_step": "backup"})

        response = give_code(client, "kq7vx2mf", step="backup")

        assert response.status_code == 302
        assert client.get("/admin/").status_code == 200
        assert not operator.staticdevice_set.get().token_set.exists()

    def test_someone_who_is_not_an_operator_stops_at_the_password(self, otp_required, client):
        UserFactory(role="recruiter", email="rec@example.test")

        response = log_in_with_password(client, email="rec@example.test")

        assert response.status_code == 200
        assert 'name="auth-password"' in response.content.decode()
        assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("pinned_clock")
class TestRateLimits:
    def test_code_guessing_is_limited_per_operator_even_across_fresh_logins(
        self, otp_required, client, operator, device, settings
    ):
        settings.RATELIMITS = {**settings.RATELIMITS, "admin_otp_per_user": "3/h"}
        right = current_code(device.bin_key)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        log_in_with_password(client)
        for _ in range(3):
            assert give_code(client, wrong).status_code == 200
        log_in_with_password(client)  # starting over buys no new guesses

        limited = give_code(client, right)

        assert limited.status_code == 429
        assert int(limited["Retry-After"]) >= 1
        assert "_auth_user_id" not in client.session
        reasons = list(LoginEvent.objects.order_by("created_at", "id").values_list("failure_reason", flat=True))
        assert reasons == ["bad_otp_token"] * 3 + ["rate_limited"]

    def test_code_guessing_is_limited_per_address_across_operators(self, otp_required, client, settings):
        settings.RATELIMITS = {**settings.RATELIMITS, "admin_otp_per_ip": "2/h"}
        for number in range(2):
            operator = UserFactory(role="operator", email=f"op{number}@example.test", is_staff=True)
            TOTPDevice.objects.create(user=operator, name="default", confirmed=True)
            log_in_with_password(client, email=f"op{number}@example.test")
            give_code(client, "000000")

        log_in_with_password(client, email="op0@example.test")
        limited = give_code(client, "000000")
        elsewhere = client.post(
            f"{LOGIN}?next=/admin/",
            {"operator_login_view-current_step": "token", "token-otp_token": "000000"},
            REMOTE_ADDR="198.51.100.7",
        )

        assert limited.status_code == 429
        assert elsewhere.status_code == 200

    def test_the_password_step_keeps_the_admin_login_limit(self, otp_required, client, operator, device, settings):
        settings.RATELIMITS = {**settings.RATELIMITS, "web_login_per_email": "2/m"}
        for _ in range(2):
            log_in_with_password(client, password="wrong-guess-123")

        limited = log_in_with_password(client)

        assert limited.status_code == 429
        assert 'name="token-otp_token"' not in limited.content.decode()
        assert list(LoginEvent.objects.values_list("failure_reason", "channel")) == [("bad_credentials", "admin")] * 2


class TestEnrolment:
    def test_an_operator_without_a_device_is_led_to_enrol_then_to_backup_codes(self, otp_required, client, operator):
        # Password only: no device yet, so the admin leads to enrolment instead of its pages.
        response = log_in_with_password(client, next_url=USERS)
        assert client.get(response["Location"], follow=True).redirect_chain[-1][0] == SETUP

        welcome = client.get(SETUP)
        generator = client.post(SETUP, {"operator_setup_view-current_step": "welcome"})
        page = generator.content.decode()

        assert welcome.status_code == 200
        assert f'<img src="{QR_CODE}"' in page
        # No inline script: every script on the page is a file from the admin's static files.
        scripts = re.findall(r"<script[^>]*>", page)
        assert scripts
        assert all(re.fullmatch(r'<script src="/static/[^"]+"( defer)?>', tag) for tag in scripts)
        # The authenticator lists the account by its short id, never by the address or its blind index.
        assert "op@example.test" not in page
        assert operator.email_blind_index not in page
        assert f"Hirewall%3A%20Operator%20{str(operator.pk)[:8]}" in page
        qr = client.get(QR_CODE)
        assert qr.status_code == 200
        assert qr["Content-Type"].startswith("image/svg+xml")
        assert b"<script" not in qr.content
        assert b'fill="white"' in qr.content  # its own white square: it scans in the dark theme too

        key = base64.b32decode(client.session["django_two_factor-qr_secret_key"])
        enrolled = client.post(
            SETUP, {"operator_setup_view-current_step": "generator", "generator-token": current_code(key)}
        )

        assert enrolled.status_code == 302
        assert enrolled["Location"] == BACKUP_CODES
        device = TOTPDevice.objects.get(user=operator)
        assert (device.name, device.confirmed, device.bin_key) == ("default", True, key)
        client.post(BACKUP_CODES)
        assert operator.staticdevice_set.get().token_set.count() == 10
        assert client.get(USERS).status_code == 200

    def test_a_password_only_session_cannot_enrol_a_second_device(self, otp_required, client, operator, device):
        client.force_login(operator)

        get = client.get(SETUP)
        post = client.post(SETUP, {"operator_setup_view-current_step": "welcome"})

        assert (get.status_code, post.status_code) == (302, 302)
        assert 'name="generator-token"' not in post.content.decode()
        assert list(TOTPDevice.objects.filter(user=operator)) == [device]
        assert client.get("/admin/").status_code == 302

    def test_backup_codes_need_the_second_factor(self, otp_required, client, operator, device):
        client.force_login(operator)

        response = client.post(BACKUP_CODES)

        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert not StaticDevice.objects.exists()

    @pytest.mark.parametrize("page", [SETUP, QR_CODE])
    def test_enrolment_is_for_operators_only(self, otp_required, client, page):
        client.force_login(UserFactory(role="seeker"))

        response = client.get(page)

        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_with_the_requirement_off_the_one_step_login_opens_the_admin(client, settings, operator):
    settings.ADMIN_REQUIRE_OTP = False

    response = client.post("/admin/login/", {"username": "op@example.test", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert client.get(USERS).status_code == 200
    assert list(LoginEvent.objects.values_list("success", "channel")) == [(True, "admin")]


class TestDeviceAdmin:
    DEVICES = "/admin/otp_totp/totpdevice/"

    def test_an_operator_resets_a_colleagues_lost_device_and_their_session_loses_the_admin(
        self, otp_required, client, operator, device
    ):
        log_in_with_password(client)
        give_code(client, current_code(device.bin_key))
        colleague = UserFactory(role="operator", email="colleague@example.test", is_staff=True, is_superuser=True)
        colleague_device = TOTPDevice.objects.create(user=colleague, name="default", confirmed=True)
        colleague_client = Client()
        log_in_with_password(colleague_client, email="colleague@example.test")
        give_code(colleague_client, current_code(colleague_device.bin_key))
        assert client.get(self.DEVICES).status_code == 200

        response = colleague_client.post(
            self.DEVICES,
            {
                "action": "reset_second_factors",
                "_selected_action": [device.pk],
                "apply": "1",
                "reason": "Phone lost, confirmed by video call",
            },
        )

        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=operator).exists()
        event = AuditEvent.objects.get()
        assert (event.action, event.actor_id, event.target_id) == (
            "user.second_factor_reset",
            colleague.pk,
            str(operator.pk),
        )
        assert client.get(self.DEVICES).status_code == 302  # the verified session fell with its device

    def test_devices_are_neither_added_nor_shown_nor_deleted_here(self, client, operator, device):
        client.force_login(operator)

        change = client.get(f"{self.DEVICES}{device.pk}/change/")

        assert change.status_code == 200
        assert device.key not in change.content.decode()
        assert client.get(f"{self.DEVICES}add/").status_code == 403
        assert client.get(f"{self.DEVICES}{device.pk}/delete/").status_code == 403
        assert client.get("/admin/otp_static/staticdevice/").status_code == 404
