"""Guards around every request: a body larger than the platform accepts is 413, an outage of a dependency 503,
and the admin's statements planned for their own values."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse

from . import unavailable
from .db import planned_for_their_values
from .errors import payload_too_large


def declared_length(request: HttpRequest) -> int:
    """The body's length as the client declares it (Content-Length), 0 when absent or unreadable."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class RequestBodyLimitMiddleware:
    """Refuse a non-multipart body declared larger than DATA_UPLOAD_MAX_MEMORY_SIZE, before anything reads it.

    Left to Django, the limit fails wherever the body is first read: a logged 500 with a
    trace inside an API view, a 400 page with a trace in the security log elsewhere.
    Multipart bodies go on: their files do not count against the limit (a licence may be
    5 MB), their other fields do, and the API's exception handler answers those with 413 too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and declared_length(request) > limit and not request.content_type.startswith("multipart/"):
            return payload_too_large(request)
        return self.get_response(request)


class DependencyOutageMiddleware:
    """Answer an outage of the database or the cache with 503 on every surface, and give every 503 a Retry-After.

    The API's exception handler already answers its views' outages with 503; the web
    UI's login (its rate limit on the cache, its session in the database), the admin and
    the relay webhooks are Django views, which would otherwise answer 500. Any other
    exception is left to Django: a programming error keeps its 500 and its logged trace.
    Outages raised outside a view reach config.unavailable.server_error (handler500).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 503 and not response.has_header("Retry-After"):
            response["Retry-After"] = str(settings.SERVICE_UNAVAILABLE_RETRY_AFTER_S)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not unavailable.is_outage(exception):
            return None
        return unavailable.service_unavailable(request, exception)


class AdminCustomPlansMiddleware:
    """On PostgreSQL, plan every statement of an admin request for its own values, never by a generic plan.

    The API runs a few statements thousands of times with like values, which psycopg prepares; an operator's
    filters and searches are skewed (a rare action, a quiet organisation), and a generic plan for them
    walked the audit log whole through its newest-first index: 5.6-18.5 s a view at 3M events, past the
    statement timeout (config.db.planned_for_their_values).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = f"/{settings.ADMIN_URL}"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(self.prefix):
            return self.get_response(request)
        try:
            connection.ensure_connection()
        except DatabaseError:
            # The database is down: the view meets the outage where DependencyOutageMiddleware answers it.
            return self.get_response(request)
        with planned_for_their_values(connection):
            return self.get_response(request)
