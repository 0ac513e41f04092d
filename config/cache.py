"""The Redis cache backend: Django's own, keeping one redis-py client per connection pool.

Django's RedisCacheClient.get_client() builds a new redis-py client on every cache call, and building
one copies redis-py's table of response callbacks: about half the Python of a `cache.add` (the outbox's
wake-up after each reveal's commit) and of the rate limits' script call. A client is thread-safe over
its pool, so one per pool serves every call. Everything else (keys, serialisation, pools, options) is
Django's.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # connection pool -> the redis-py client over it

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            # Two threads may both build one: either serves, and the dictionary keeps the last.
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
