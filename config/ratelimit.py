"""HTTP rate limits on the shared cache (django-ratelimit's fixed windows), answering 429 with Retry-After.

A request counted against several limits (per user and per IP) is counted in one cache round trip
on Redis: one Lua script increments each limit's counter in turn, gives a new counter its expiry,
and stops at the first limit the request goes over, as counting them one by one would. The keys,
windows and expiries are django-ratelimit's own (`get_usage`), under the cache's KEY_PREFIX, so both
ways of counting share the counters; any other cache (the memory cache of `make run` and of the
tests without REDIS_URL) is counted through `get_usage`, one limit after another.

Every refusal is written to the activity log (kind `rate_limited`: who, their
organisation, the route's name and the limit hit; never the body or the query
string), where the detectors read it. A refusal before anyone logged in (login,
register) is recorded without an actor: the IP is then the only lead, and it is kept.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django_ratelimit import ALL

# The key, window and rate helpers of get_usage (django-ratelimit 4.1, pinned): the Redis path must
# count under exactly the keys and windows get_usage uses, or the two paths would count apart.
from django_ratelimit.core import _SIMPLE_KEYS, EXPIRATION_FUDGE, _get_window, _make_cache_key, _split_rate, get_usage
from redis.exceptions import NoScriptError

from accounts.request_info import client_ip
from audit.services import record_rate_limited

from .errors import RateLimited

RateLimitKey = str | Callable[[str, HttpRequest], str]

# KEYS: the counters, in the order their limits are checked. ARGV: each counter's expiry (seconds)
# and limit, in pairs. INCR creates a counter at 1; one without an expiry (a new one) gets it.
# Returns the counts taken, stopping after the first that is over its limit.
COUNT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
    local count = redis.call('INCR', key)
    if redis.call('TTL', key) < 0 then
        redis.call('EXPIRE', key, ARGV[2 * i - 1])
    end
    counts[i] = count
    if count > tonumber(ARGV[2 * i]) then
        break
    end
end
return counts
"""
COUNT_SCRIPT_SHA = hashlib.sha1(COUNT_SCRIPT.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class _Refusal:
    limit: str
    # A window runs up to and including its last second (django-ratelimit's time_left is 0 there):
    # the client may come back one second after it.
    retry_after: int


def enforce_rate_limit(request: HttpRequest, *, name: str, key: RateLimitKey) -> None:
    """Count this request against settings.RATELIMITS[name]; once over it, record the refusal and raise RateLimited.

    `key` is a django-ratelimit key ("ip", "user") or a callable(group, request).
    """
    enforce_rate_limits(request, (name, key))


def enforce_rate_limits(request: HttpRequest, *limits: tuple[str, RateLimitKey]) -> None:
    """Count this request against each (name, key) limit in turn, in one round trip on Redis.

    The first limit the request goes over is recorded and raised as RateLimited; the limits after
    it are not counted, so that a client refused by one limit does not use up another.
    """
    if not getattr(settings, "RATELIMIT_ENABLE", True) or not limits:
        return
    cache = caches[settings.RATELIMIT_USE_CACHE]
    if isinstance(cache, RedisCache):
        refusal = _count_on_redis(cache, request, limits)
    else:
        refusal = _count_one_by_one(request, limits)
    if refusal is not None:
        _record_refusal(request, limit=refusal.limit)
        raise RateLimited(retry_after=refusal.retry_after)


def _count_one_by_one(request: HttpRequest, limits: tuple[tuple[str, RateLimitKey], ...]) -> _Refusal | None:
    for name, key in limits:
        usage = get_usage(request, group=name, key=key, rate=settings.RATELIMITS[name], increment=True)
        if usage is not None and usage["should_limit"]:
            return _Refusal(limit=name, retry_after=usage["time_left"] + 1)
    return None


def _count_on_redis(
    cache: RedisCache, request: HttpRequest, limits: tuple[tuple[str, RateLimitKey], ...]
) -> _Refusal | None:
    keys, args, windows = [], [], []
    for name, key in limits:
        rate = settings.RATELIMITS[name]
        limit, period = _split_rate(rate)
        value = _key_value(key, group=name, request=request)
        window = _get_window(value, period)
        keys.append(cache.make_and_validate_key(_make_cache_key(name, window, rate, value, ALL)))
        args += [period + EXPIRATION_FUDGE, limit]
        windows.append((name, limit, window))
    # Writes go to the first server, where every counter lives.
    client = cache._cache.get_client(write=True)
    try:
        counts = client.evalsha(COUNT_SCRIPT_SHA, len(keys), *keys, *args)
    except NoScriptError:
        # The server does not know the script yet (first use, or after a restart): EVAL runs and keeps it.
        counts = client.eval(COUNT_SCRIPT, len(keys), *keys, *args)
    for count, (name, limit, window) in zip(counts, windows, strict=False):
        if int(count) > limit:
            return _Refusal(limit=name, retry_after=window - int(time.time()) + 1)
    return None


def _key_value(key: RateLimitKey, *, group: str, request: HttpRequest) -> str:
    if callable(key):
        return key(group, request)
    if key in _SIMPLE_KEYS:
        return _SIMPLE_KEYS[key](request)
    raise ImproperlyConfigured(f"Unknown rate limit key {key!r}: use 'ip', 'user' or a callable(group, request).")


def _record_refusal(request: HttpRequest, *, limit: str) -> None:
    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    seat = getattr(actor, "seat", None) if actor is not None else None
    match = getattr(request, "resolver_match", None)
    record_rate_limited(
        actor_id=actor.pk if actor is not None else None,
        organization_id=seat.organization_id if seat is not None else None,
        route=match.view_name if match is not None else "",
        limit=limit,
        ip=client_ip(request),
    )
