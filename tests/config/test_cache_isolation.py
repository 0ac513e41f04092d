"""The suite empties only its own cache keys: another run sharing the Redis database keeps its keys."""

import pytest
from django.core.cache import cache, caches

from tests.cache_keys import delete_this_runs_keys


@pytest.mark.redis
def test_emptying_the_cache_leaves_another_prefixs_keys_alone():
    client = caches["default"]._cache.get_client(write=True)
    foreign = f"not-{cache.key_prefix}:1:rl:someone-elses-counter"
    client.set(foreign, "7")
    cache.set("rl:our-counter", 3)
    try:
        deleted = delete_this_runs_keys()

        assert cache.get("rl:our-counter") is None
        assert deleted >= 1
        assert client.get(foreign) == b"7"
    finally:
        client.delete(foreign)


@pytest.mark.redis
def test_a_prefix_with_pattern_characters_is_matched_literally(monkeypatch):
    backend = caches["default"]
    client = backend._cache.get_client(write=True)
    monkeypatch.setattr(backend, "key_prefix", f"{backend.key_prefix}*")
    # Unescaped, the pattern "<prefix>*:*" would also match this neighbour's keys.
    neighbour = f"{backend.key_prefix[:-1]}-neighbour:1:counter"
    client.set(neighbour, "1")
    cache.set("counter", 2)
    try:
        delete_this_runs_keys()

        assert cache.get("counter") is None
        assert client.get(neighbour) == b"1"
    finally:
        client.delete(neighbour)
