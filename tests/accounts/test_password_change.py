"""A new password, changed while signed in or set through the e-mailed link: the other sessions and every
API token end, the change is audited, and the holder is e-mailed (accounts.services.set_new_password)."""

import logging
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.mail import PASSWORD_CHANGED_EMAIL
from accounts.models import User
from audit.models import AuditEvent
from outbox.delivery import deliver_due_messages
from outbox.models import OutboxMessage
from tests.employers.factories import RecruiterFactory, SeekerFactory
from tests.factories import DEFAULT_PASSWORD

PLANTED_EMAIL = "ysolde.marrowgate.41@example.test"
NEW_PASSWORD = "Quillon-Tessellate-8841 amber"

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeker() -> User:
    return SeekerFactory(email=PLANTED_EMAIL)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change(client: Client, *, current: str = DEFAULT_PASSWORD, new: str = NEW_PASSWORD, again: str | None = None):
    return client.post(
        reverse("password_change"),
        {"old_password": current, "new_password1": new, "new_password2": new if again is None else again},
    )


def api_client_with_token(user: User) -> APIClient:
    _, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_the_page_is_linked_from_the_header_and_the_overview(seeker):
    client = signed_in(seeker)

    overview = client.get(reverse("resumes:dashboard")).content.decode()
    page = client.get(reverse("password_change"))

    assert overview.count(f'href="{reverse("password_change")}"') == 2
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_change_keeps_this_session_and_ends_every_other_one(seeker):
    here, elsewhere = signed_in(seeker), signed_in(seeker)

    response = change(here)

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    seeker.refresh_from_db()
    assert seeker.check_password(NEW_PASSWORD)
    assert here.get(reverse("resumes:dashboard")).status_code == 200
    assert elsewhere.get(reverse("resumes:dashboard")).status_code == 302
    assert "every API token" in here.get(reverse("password_change_done")).content.decode()


def test_a_change_ends_every_api_token_of_the_account():
    recruiter = RecruiterFactory()
    api, other_api = api_client_with_token(recruiter), api_client_with_token(recruiter)
    bystander = api_client_with_token(RecruiterFactory())
    assert api.get("/api/v1/organizations/me").status_code == 404  # signed in; no organisation yet

    assert change(signed_in(recruiter)).status_code == 302

    for client in (api, other_api):
        response = client.get("/api/v1/organizations/me")
        assert response.status_code == 401
        assert response.json()["code"] == "authentication_failed"
    assert not AuthToken.objects.filter(user=recruiter).exists()
    assert bystander.get("/api/v1/organizations/me").status_code == 404


def test_a_change_is_audited_and_mailed_to_the_holder_without_the_password(seeker, caplog):
    caplog.set_level(logging.DEBUG)

    change(signed_in(seeker), new=NEW_PASSWORD)

    event = AuditEvent.objects.get(action="user.password_changed")
    assert (event.actor_id, event.target_type, event.target_id) == (seeker.pk, "user", str(seeker.pk))
    message = OutboxMessage.objects.get(kind=PASSWORD_CHANGED_EMAIL)
    assert deliver_due_messages() == 1
    [sent] = mail.outbox
    assert sent.to == [PLANTED_EMAIL]
    assert "was changed from your account's password page" in sent.body
    assert re.search(r"on \d{4}-\d\d-\d\d at \d\d:\d\d UTC", sent.body)
    for stored in (str(event.details), str(message.payload), caplog.text, sent.body):
        assert NEW_PASSWORD not in stored
        assert DEFAULT_PASSWORD not in stored
    assert PLANTED_EMAIL not in str(message.payload)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"current": "not my password at all"}, "Your old password was entered incorrectly."),
        ({"again": "a different new passphrase"}, "The two password fields didn"),
        ({"new": "short"}, "This password is too short."),
        ({"new": "password123"}, "This password is too common."),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(seeker, fields, message):
    client, elsewhere = signed_in(seeker), signed_in(seeker)
    api = api_client_with_token(seeker)

    response = change(client, **fields)

    assert response.status_code == 200
    assert message in response.content.decode()
    seeker.refresh_from_db()
    assert seeker.check_password(DEFAULT_PASSWORD)
    assert elsewhere.get(reverse("resumes:dashboard")).status_code == 200
    assert api.get("/api/v1/organizations/me").status_code == 403  # still signed in: a seeker, not a recruiter
    assert not AuditEvent.objects.filter(action="user.password_changed").exists()
    assert not OutboxMessage.objects.exists()


@pytest.mark.usefixtures("pinned_clock")
def test_guessing_the_current_password_is_rate_limited_per_account(seeker, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "password_change_per_user": "3/h"}
    client = signed_in(seeker)
    for _ in range(3):
        assert change(client, current="a wrong guess").status_code == 200

    response = change(client)  # the right password, past the limit

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    seeker.refresh_from_db()
    assert seeker.check_password(DEFAULT_PASSWORD)
    # Another account is counted apart.
    assert change(signed_in(SeekerFactory())).status_code == 302


def test_a_password_set_through_the_reset_link_ends_the_tokens_and_is_audited(client, seeker):
    elsewhere = signed_in(seeker)
    api = api_client_with_token(seeker)
    client.post(reverse("password_reset"), {"email": PLANTED_EMAIL})
    [reset_mail] = mail.outbox
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", reset_mail.body).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]

    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    seeker.refresh_from_db()
    assert seeker.check_password(NEW_PASSWORD)
    assert elsewhere.get(reverse("resumes:dashboard")).status_code == 302
    assert api.get("/api/v1/organizations/me").status_code == 401
    assert AuditEvent.objects.get(action="user.password_reset").actor_id == seeker.pk
    assert deliver_due_messages() == 1
    assert "was set through a reset link" in mail.outbox[-1].body
    assert mail.outbox[-1].to == [PLANTED_EMAIL]


def test_a_refused_reset_password_changes_nothing(client, seeker):
    client.post(reverse("password_reset"), {"email": PLANTED_EMAIL})
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", mail.outbox[0].body).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]

    response = client.post(set_url, {"new_password1": "short", "new_password2": "short"})

    assert response.status_code == 200
    assert "This password is too short." in response.content.decode()
    seeker.refresh_from_db()
    assert seeker.check_password(DEFAULT_PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_reset").exists()


def test_no_mail_goes_to_an_account_deactivated_before_delivery(seeker):
    change(signed_in(seeker))
    User.objects.filter(pk=seeker.pk).update(is_active=False)

    deliver_due_messages()

    assert mail.outbox == []


def test_an_operators_change_in_the_admin_goes_the_same_way(operator):
    here, elsewhere = signed_in(operator), signed_in(operator)
    page = here.get(reverse("admin:password_change"))
    assert page.status_code == 200
    assert 'name="old_password"' in page.content.decode()

    wrong = here.post(
        reverse("admin:password_change"),
        {"old_password": "not it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    response = here.post(
        reverse("admin:password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert wrong.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:password_change_done")
    operator.refresh_from_db()
    assert operator.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="user.password_changed", actor_id=operator.pk).count() == 1
    assert here.get(reverse("admin:index")).status_code == 200
    assert elsewhere.get(reverse("admin:index")).status_code == 302
