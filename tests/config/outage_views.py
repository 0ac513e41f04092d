"""Views and a middleware that meet an outage, or a bug, on purpose; mounted only by test_service_unavailable.py."""

from django.db import OperationalError, ProgrammingError
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from redis.exceptions import ConnectionError as RedisConnectionError

# The site's own error handlers: a test urlconf is the root urlconf, whose handlers Django uses.
from config.urls import handler404, handler500  # noqa: F401


def database_gone(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection to server at 127.0.0.1 failed")


def cache_gone(request: HttpRequest) -> HttpResponse:
    raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def bad_query(request: HttpRequest) -> HttpResponse:
    raise ProgrammingError('column "no_such_column" does not exist')


def plain_bug(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, not an outage")


@csrf_exempt
def relay_database_gone(request: HttpRequest) -> HttpResponse:
    raise OperationalError("server closed the connection unexpectedly")


class DatabaseGoneInMiddleware:
    """Fails outside any view, as a session saved in process_response would while the database is down."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.endswith("/outage-in-middleware"):
            raise OperationalError("terminating connection due to administrator command")
        return self.get_response(request)


urlpatterns = [
    path("test/database-gone", database_gone),
    path("test/cache-gone", cache_gone),
    path("test/bad-query", bad_query),
    path("test/bug", plain_bug),
    path("test/outage-in-middleware", plain_bug),
    path("relay/test/database-gone", relay_database_gone),
    path("api/v1/test/outage-in-middleware", plain_bug),
    path("", include("config.urls")),
]
