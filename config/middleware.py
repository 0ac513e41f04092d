"""Guards that answer before any view reads the request: a body larger than the platform accepts is 413."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .errors import payload_too_large


def _declared_length(request: HttpRequest) -> int:
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
        if (
            limit is not None
            and _declared_length(request) > limit
            and not request.content_type.startswith("multipart/")
        ):
            return payload_too_large(request)
        return self.get_response(request)
