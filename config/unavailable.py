"""The answer to an outage of the database or the cache on every surface: 503 with Retry-After, never a 500.

JSON {"code": "service_unavailable", "detail"} under /api/ and on the relay webhooks
(their clients are programs), a plain page in the reader's language elsewhere. The
page is rendered without the request's context: no session, no user, no messages,
none of which can be read while the database is down.
"""

import logging
import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from . import errors

logger = logging.getLogger(__name__)


def is_outage(exception: BaseException | None) -> bool:
    """A component the platform cannot work safely without is down, cut off or too slow (config.errors)."""
    return exception is not None and errors.is_unavailable_error(exception)


def service_unavailable(request: HttpRequest, exception: BaseException) -> HttpResponse:
    """503 for `request`, whose handling met `exception`, an outage."""
    match = getattr(request, "resolver_match", None)
    # The error's type and the route's name only: a path can carry a reset token, a message the values of a query.
    logger.error(
        "dependency unavailable: %s in %s", type(exception).__name__, match.view_name if match is not None else "?"
    )
    error = errors.ServiceUnavailable.from_error(exception)
    if errors.is_api_path(request.path):
        response: HttpResponse = JsonResponse(error.body(), status=error.status_code)
    else:
        language = translation.get_language_from_request(request)
        with translation.override(language):
            page = render_to_string("503.html", {"retry_after": settings.SERVICE_UNAVAILABLE_RETRY_AFTER_S})
        response = HttpResponse(page, status=error.status_code, content_type="text/html; charset=utf-8")
        response["Content-Language"] = language
    for header, value in error.headers.items():  # Retry-After
        response[header] = value
    add_never_cache_headers(response)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage raised outside a view (a middleware, a response's rendering) is still a 503.

    Django calls this inside its `except` block, so the exception is sys.exc_info()'s.
    Everything else, programming errors first, keeps its 500.
    """
    exception = sys.exc_info()[1]
    if is_outage(exception):
        return service_unavailable(request, exception)
    return errors.server_error(request)
