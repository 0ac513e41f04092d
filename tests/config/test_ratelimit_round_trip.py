"""config/ratelimit.py: one request's limits counted in one Redis round trip, and tripping as before on any cache."""

import datetime as dt

import pytest
from django.core.cache import caches
from django.test import RequestFactory
from django_ratelimit.core import get_usage
from redis.connection import AbstractConnection

from audit.models import ActivityEvent
from config import ratelimit
from config.errors import RateLimited
from config.ratelimit import enforce_rate_limits
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_clock")]

SEARCH_LIMITS = (("search_per_user", "user"), ("search_per_ip", "ip"))


@pytest.fixture
def user():
    return UserFactory(role="recruiter")


def request_from(user, ip: str = "203.0.113.10"):
    request = RequestFactory().get("/api/v1/resumes", REMOTE_ADDR=ip)
    request.user = user
    return request


def usage(request, name: str, key: str) -> int:
    """The count django-ratelimit's own get_usage reads for this limit, without counting."""
    from django.conf import settings

    return get_usage(request, group=name, key=key, rate=settings.RATELIMITS[name], increment=False)["count"]


@pytest.fixture
def round_trips(monkeypatch):
    """How many times a Redis connection sends (a command, or a whole pipeline): one send is one round trip."""
    sent = []
    send = AbstractConnection.send_packed_command

    def counting_send(self, command, check_health=True):
        sent.append(command)
        return send(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting_send)
    return sent


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def cache_kind(request, settings):
    """Each behaviour on the memory cache (make run, SQLite tests) and on Redis (REDIS_URL)."""
    if request.param == "memory":
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit-tests"}
        }
        caches["default"].clear()
    return request.param


@pytest.mark.redis
def test_two_limits_cost_one_round_trip_on_redis(user, round_trips):
    enforce_rate_limits(request_from(user), *SEARCH_LIMITS)  # the server learns the script once
    round_trips.clear()

    enforce_rate_limits(request_from(user), *SEARCH_LIMITS)

    assert len(round_trips) == 1
    # counted both, where get_usage's own keys are
    assert usage(request_from(user), "search_per_user", "user") == 2
    assert usage(request_from(user), "search_per_ip", "ip") == 2


@pytest.mark.redis
def test_a_server_that_does_not_know_the_script_yet_still_counts(user, monkeypatch, round_trips):
    monkeypatch.setattr(ratelimit, "COUNT_SCRIPT_SHA", "0" * 40)  # a script no server holds: NOSCRIPT, then EVAL

    enforce_rate_limits(request_from(user), *SEARCH_LIMITS)

    assert len(round_trips) == 2
    assert usage(request_from(user), "search_per_user", "user") == 1
    assert usage(request_from(user), "search_per_ip", "ip") == 1


@pytest.mark.redis
def test_counters_live_under_the_caches_key_prefix_and_expire_after_their_window(user):
    cache = caches["default"]
    client = cache._cache.get_client(write=True)
    before = set(client.scan_iter(match=f"{cache.key_prefix}:*"))

    enforce_rate_limits(request_from(user), ("search_per_user", "user"), ("reveal_per_ip", "ip"))

    new_keys = set(client.scan_iter(match=f"{cache.key_prefix}:*")) - before
    assert len(new_keys) == 2
    # 60 s windows plus django-ratelimit's 5 s of slack; never a counter without an expiry.
    assert all(0 < client.ttl(key) <= 65 for key in new_keys)


def test_a_limit_trips_at_its_configured_count(cache_kind, user, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "search_per_user": "3/m", "search_per_ip": "100/m"}
    for _ in range(3):
        enforce_rate_limits(request_from(user), *SEARCH_LIMITS)

    with pytest.raises(RateLimited) as refused:
        enforce_rate_limits(request_from(user), *SEARCH_LIMITS)

    assert 1 <= refused.value.retry_after <= 60
    row = ActivityEvent.objects.get(kind="rate_limited")
    assert (row.actor_id, row.filters, row.ip) == (user.pk, {"limit": "search_per_user"}, "203.0.113.10")


def test_the_second_limit_trips_too(cache_kind, user, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "search_per_user": "100/m", "search_per_ip": "2/m"}
    other = UserFactory(role="recruiter")
    enforce_rate_limits(request_from(user), *SEARCH_LIMITS)
    enforce_rate_limits(request_from(other), *SEARCH_LIMITS)

    with pytest.raises(RateLimited):
        enforce_rate_limits(request_from(user), *SEARCH_LIMITS)

    assert ActivityEvent.objects.get(kind="rate_limited").filters == {"limit": "search_per_ip"}
    # From another address the same user goes on.
    enforce_rate_limits(request_from(user, ip="198.51.100.20"), *SEARCH_LIMITS)


def test_a_refused_request_does_not_use_up_the_limits_after_the_one_it_broke(cache_kind, user, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "search_per_user": "2/m", "search_per_ip": "100/m"}
    for attempt in range(5):
        if attempt < 2:
            enforce_rate_limits(request_from(user), *SEARCH_LIMITS)
        else:
            with pytest.raises(RateLimited):
                enforce_rate_limits(request_from(user), *SEARCH_LIMITS)

    # Colleagues behind the same address are not shut out by one client's refused requests.
    assert usage(request_from(user), "search_per_user", "user") == 5
    assert usage(request_from(user), "search_per_ip", "ip") == 2
    assert ActivityEvent.objects.filter(kind="rate_limited").count() == 3


def test_windows_are_fixed_and_a_new_one_counts_afresh(cache_kind, user, settings, pinned_clock):
    settings.RATELIMITS = {**settings.RATELIMITS, "search_per_user": "1/m", "search_per_ip": "100/m"}
    enforce_rate_limits(request_from(user), *SEARCH_LIMITS)
    with pytest.raises(RateLimited) as refused:
        enforce_rate_limits(request_from(user), *SEARCH_LIMITS)

    pinned_clock.shift(dt.timedelta(seconds=refused.value.retry_after))

    enforce_rate_limits(request_from(user), *SEARCH_LIMITS)


def test_nothing_is_counted_when_rate_limits_are_off(cache_kind, user, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "search_per_user": "1/m"}
    settings.RATELIMIT_ENABLE = False

    for _ in range(3):
        enforce_rate_limits(request_from(user), *SEARCH_LIMITS)
