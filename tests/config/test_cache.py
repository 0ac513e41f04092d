"""The Redis cache backend (config/cache.py): Django's, with one redis-py client per connection pool."""

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from config.cache import RedisCache

pytestmark = pytest.mark.redis


def test_the_configured_cache_is_the_one_that_keeps_its_clients():
    assert isinstance(caches["default"], RedisCache)
    assert isinstance(caches["default"], DjangoRedisCache)  # the rate limits' Redis path recognises it


def test_every_write_call_gets_the_same_client_over_the_same_pool():
    backend = cache._cache

    first, second = backend.get_client(write=True), backend.get_client(write=True)

    assert first is second
    assert first.connection_pool is backend._get_connection_pool(write=True)


def test_a_second_cache_of_the_same_settings_keeps_clients_of_its_own():
    other = caches.create_connection("default")

    assert other._cache.get_client(write=True) is not cache._cache.get_client(write=True)
    assert other._cache.get_client(write=True) is other._cache.get_client(write=True)
    for pool in other._cache._pools.values():
        pool.disconnect()


def test_reads_and_writes_behave_as_djangos(request):
    key = f"config-cache-test-{request.node.name}"
    cache.delete(key)

    assert cache.add(key, 1, timeout=30) is True
    assert cache.add(key, 2, timeout=30) is False  # SET NX: the first value stays
    assert cache.get(key) == 1
    assert cache.incr(key) == 2
    assert cache.delete(key) is True
    assert cache.get(key) is None
