"""Emptying the suite's own cache keys between tests without touching anyone else's in the same Redis database."""

import re

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def _glob_escape(text: str) -> str:
    # Redis MATCH patterns treat * ? [ ] and \ as special; a prefix is matched literally.
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def delete_this_runs_keys() -> int:
    """Delete the keys under this run's KEY_PREFIX; return how many went.

    cache.clear() on Redis is FLUSHDB: it would wipe other runs sharing the database (the
    test settings give each run its own prefix for that reason) and a Celery broker's queues.
    The per-process memory cache is this run's alone, so clearing it is exact.
    """
    cache = caches["default"]  # the backend itself: django.core.cache.cache is a proxy
    if not isinstance(cache, RedisCache):
        cache.clear()
        return 0
    if not cache.key_prefix:
        raise RuntimeError("Refusing to empty a Redis cache without KEY_PREFIX: every key would match.")
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{_glob_escape(cache.key_prefix)}:*", count=500))
    return client.delete(*keys) if keys else 0
