"""The API's token authentication (config/api/authentication.py): one query, knox's refusals, knox's refresh."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient, APIRequestFactory

from config.api.authentication import TokenAuthentication
from tests.employers.factories import AdminSeatFactory, VerifiedOrganizationFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/organizations/me"
# The token lookup (token, user, seat and organisation in one SELECT) and the quota counters.
ME_QUERIES = 2


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def seat():
    return AdminSeatFactory(organization=VerifiedOrganizationFactory())


def get_me_counting(token: str):
    with CaptureQueriesContext(connection) as queries:
        response = client_with(token).get(ME)
    return response, [query["sql"] for query in queries.captured_queries]


def test_an_authenticated_request_reads_the_token_once_with_user_seat_and_organization(seat):
    _, token = AuthToken.objects.create(user=seat.user)

    response, queries = get_me_counting(token)

    assert response.status_code == 200
    assert response.json()["id"] == seat.organization_id
    assert len(queries) == ME_QUERIES
    assert sum('FROM "knox_authtoken"' in sql for sql in queries) == 1
    assert 'JOIN "employers_seat"' in queries[0]
    assert 'JOIN "employers_organization"' in queries[0]
    assert not any('FROM "employers_seat"' in sql for sql in queries)


def test_twenty_other_tokens_cost_nothing_and_are_left_alone(seat):
    _, token = AuthToken.objects.create(user=seat.user)
    for number in range(20):
        # Half of them expired: knox would delete those on this request; the daily retention prunes them.
        AuthToken.objects.create(user=seat.user, expiry=dt.timedelta(hours=-1 if number % 2 else 1))

    response, queries = get_me_counting(token)

    assert response.status_code == 200
    assert len(queries) == ME_QUERIES
    assert AuthToken.objects.filter(user=seat.user).count() == 21


def test_an_expired_token_is_refused_and_deleted(seat):
    stored, token = AuthToken.objects.create(user=seat.user, expiry=dt.timedelta(seconds=-1))

    response = client_with(token).get(ME)

    assert response.status_code == 401
    assert response.json() == {"code": "authentication_failed", "detail": "Invalid token."}
    assert response["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.filter(pk=stored.pk).exists()


def test_a_token_expires_at_its_expiry(seat):
    _, token = AuthToken.objects.create(user=seat.user, expiry=dt.timedelta(hours=1))

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=59)):
        assert client_with(token).get(ME).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        assert client_with(token).get(ME).status_code == 401


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda token: token[:-1] + ("0" if token[-1] != "0" else "1"), id="same-prefix-other-digest"),
        pytest.param(lambda token: "f" * len(token), id="unknown-prefix"),
        pytest.param(lambda token: token[:15], id="prefix-only"),
    ],
)
def test_a_wrong_token_is_refused(seat, tamper):
    stored, token = AuthToken.objects.create(user=seat.user, expiry=dt.timedelta(seconds=-1))
    _, live_token = AuthToken.objects.create(user=seat.user)

    response = client_with(tamper(live_token)).get(ME)

    assert response.status_code == 401
    assert response.json() == {"code": "authentication_failed", "detail": "Invalid token."}
    # A wrong token sharing an expired token's prefix deletes nothing (knox deleted before comparing digests).
    wrong_with_expired_prefix = client_with(tamper(token)).get(ME)
    assert wrong_with_expired_prefix.status_code == 401
    assert AuthToken.objects.filter(pk=stored.pk).exists()


def test_a_token_that_is_not_utf8_is_refused_not_a_500(seat):
    response = APIClient().get(ME, HTTP_AUTHORIZATION="Token \xff\xfe")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_inactive_user_is_refused_with_knoxs_message(seat):
    _, token = AuthToken.objects.create(user=seat.user)
    seat.user.is_active = False
    seat.user.save(update_fields=["is_active"])

    response = client_with(token).get(ME)

    assert response.status_code == 401
    assert response.json() == {"code": "authentication_failed", "detail": "User inactive or deleted."}


def test_the_seat_and_organization_come_with_the_user(seat):
    _, token = AuthToken.objects.create(user=seat.user)
    request = APIRequestFactory().get(ME, HTTP_AUTHORIZATION=f"Token {token}")

    user, auth_token = TokenAuthentication().authenticate(request)

    assert auth_token.user_id == seat.user_id
    with CaptureQueriesContext(connection) as queries:
        assert user.seat.organization.pk == seat.organization_id
    assert len(queries) == 0


def test_a_user_without_a_seat_authenticates_too(api_client):
    from tests.factories import UserFactory

    user = UserFactory(role="recruiter")
    _, token = AuthToken.objects.create(user=user)

    response = client_with(token).get(ME)

    assert response.status_code == 404
    assert response.json()["code"] == "no_organization"


class TestAutoRefresh:
    """With AUTO_REFRESH on, knox's rule holds: the expiry is written at most once per MIN_REFRESH_INTERVAL."""

    @pytest.fixture(autouse=True)
    def auto_refresh(self, settings):
        settings.REST_KNOX = {**settings.REST_KNOX, "AUTO_REFRESH": True, "MIN_REFRESH_INTERVAL": 60}

    def test_no_write_within_the_interval_one_write_after_it(self, seat, settings):
        stored, token = AuthToken.objects.create(user=seat.user)
        start = timezone.now()

        with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
            response, queries = get_me_counting(token)
        assert response.status_code == 200
        assert len(queries) == ME_QUERIES
        assert AuthToken.objects.get(pk=stored.pk).expiry == stored.expiry

        later = start + dt.timedelta(minutes=5)
        with time_machine.travel(later, tick=False):
            response, queries = get_me_counting(token)
            assert response.status_code == 200
            assert len(queries) == ME_QUERIES + 1
            assert sum(sql.startswith('UPDATE "knox_authtoken"') for sql in queries) == 1
            assert AuthToken.objects.get(pk=stored.pk).expiry == later + settings.REST_KNOX["TOKEN_TTL"]

            _, queries = get_me_counting(token)
            assert len(queries) == ME_QUERIES

    def test_off_by_default_never_writes(self, seat, settings):
        settings.REST_KNOX = {**settings.REST_KNOX, "AUTO_REFRESH": False}
        stored, token = AuthToken.objects.create(user=seat.user)

        with time_machine.travel(timezone.now() + dt.timedelta(hours=1), tick=False):
            _, queries = get_me_counting(token)

        assert len(queries) == ME_QUERIES
        assert AuthToken.objects.get(pk=stored.pk).expiry == stored.expiry


def test_only_the_authentications_own_read_of_the_seat_is_reused(seat):
    """A seat cached on any other user object (a task's, a script's) may be old: get_active_seat reads it again."""
    from accounts.models import User
    from employers.models import Organization
    from employers.selectors import get_active_seat

    user = User.objects.select_related("seat__organization").get(pk=seat.user_id)
    Organization.objects.filter(pk=seat.organization_id).update(status="suspended")

    assert get_active_seat(user=user).organization.status == "suspended"
