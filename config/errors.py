"""Errors as values with codes, and the one place that turns them into HTTP answers.

Services raise DomainError subclasses with a stable `code` (the API's error
codes). `api_exception_handler` renders every API error as {"code", "detail"}
plus named fields; validation errors add {"errors": {field: [...]}}. Nothing
here ever renders a stack trace.
"""

import logging

import psycopg
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from psycopg import errors as psycopg_errors
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

# Failures of a component the platform cannot work safely without: fail closed with 503. For
# PostgreSQL: a refused, lost or closed connection and the bounds of config/db.py, a statement
# timeout (psycopg's QueryCanceled) and a lock timeout (LockNotAvailable), all OperationalError.
# Django wraps psycopg's errors in its own classes; psycopg's are listed too for code that
# reaches them unwrapped.
UNAVAILABLE_ERRORS = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
)
# Bounds that end a wait rather than report a broken component: the same 503, told as "in time".
TIMEOUT_ERRORS = (psycopg_errors.QueryCanceled, psycopg_errors.LockNotAvailable)


class DomainError(Exception):
    """A refusal with a stable code; `fields` are extra named members of the error body."""

    code = "error"
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request cannot be carried out."

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None, **fields) -> None:
        self.detail = detail or self.default_detail
        self.headers = headers or {}
        self.fields = fields
        super().__init__(self.detail)

    def body(self) -> dict:
        return {"code": self.code, "detail": self.detail, **self.fields}


class RateLimited(DomainError):
    code = "rate_limited"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many requests. Try again later."

    def __init__(self, *, retry_after: int) -> None:
        retry_after = max(1, int(retry_after))
        super().__init__(headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than the platform accepts."


# Django's refusals of a body over DATA_UPLOAD_MAX_MEMORY_SIZE / _NUMBER_FIELDS / _NUMBER_FILES.
BODY_TOO_LARGE_ERRORS = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A component the platform depends on is not answering; nothing was changed."
    timeout_detail = "The platform could not finish the request in time; nothing was changed."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(settings.SERVICE_UNAVAILABLE_RETRY_AFTER_S)})

    @classmethod
    def from_error(cls, exc: BaseException) -> "ServiceUnavailable":
        return cls(cls.timeout_detail if isinstance(_database_cause(exc), TIMEOUT_ERRORS) else None)


def _database_cause(exc: BaseException) -> BaseException:
    """psycopg's own error behind Django's wrapper (Django raises its class `from` psycopg's)."""
    return exc.__cause__ if isinstance(exc, DatabaseError) and exc.__cause__ is not None else exc


def is_unavailable_error(exc: BaseException) -> bool:
    """Whether `exc` says a dependency is down, cut off or too slow: a 503, never a 500.

    PostgreSQL ending a session for idling in a transaction (DB_IDLE_IN_TRANSACTION_TIMEOUT_MS)
    is reported as an InternalError, unlike the other bounds, and is one of them all the same.
    """
    cause = _database_cause(exc)
    return isinstance(exc, UNAVAILABLE_ERRORS) or isinstance(cause, psycopg_errors.IdleInTransactionSessionTimeout)


INVALID_DETAIL = "The request is not valid; see errors."

# DRF's default codes, renamed where the API contract names them differently.
_DRF_CODE_RENAMES = {"throttled": "rate_limited", "error": "invalid"}


def _field_errors(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {field: _messages(messages) for field, messages in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(detail) -> list[str]:
    if isinstance(detail, list):
        flattened = []
        for item in detail:
            flattened.extend(_messages(item) if isinstance(item, list | dict) else [str(item)])
        return flattened
    if isinstance(detail, dict):
        return [f"{key}: {message}" for key, value in detail.items() for message in _messages(value)]
    return [str(detail)]


def invalid_response_body(errors: dict[str, list[str]]) -> dict:
    return {"code": "invalid", "detail": INVALID_DETAIL, "errors": errors}


def api_exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception raised in an API view becomes {"code", "detail"}."""
    if isinstance(exc, BODY_TOO_LARGE_ERRORS):
        # The client's doing, not a fault: answered without a trace.
        exc = PayloadTooLarge()
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(exc.body(), status=exc.status_code, headers=exc.headers)

    if isinstance(exc, drf_exceptions.ValidationError):
        set_rollback()
        return Response(invalid_response_body(_field_errors(exc.detail)), status=status.HTTP_400_BAD_REQUEST)

    if isinstance(exc, DjangoValidationError):
        set_rollback()
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(invalid_response_body(errors), status=status.HTTP_400_BAD_REQUEST)

    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    if isinstance(exc, drf_exceptions.APIException):
        set_rollback()
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        code = _DRF_CODE_RENAMES.get(code, code)
        return Response({"code": code, "detail": str(exc.detail)}, status=exc.status_code, headers=headers)

    set_rollback()
    if is_unavailable_error(exc):
        # The class names only: a message could quote the statement and its values.
        logger.error("dependency unavailable: %s (%s)", type(exc).__name__, type(_database_cause(exc)).__name__)
        unavailable = ServiceUnavailable.from_error(exc)
        return Response(unavailable.body(), status=unavailable.status_code, headers=unavailable.headers)

    logger.exception("unhandled error in %s", type(context.get("view")).__name__)
    return Response(SERVER_ERROR_BODY, status=status.HTTP_500_INTERNAL_SERVER_ERROR)


SERVER_ERROR_BODY = {"code": "server_error", "detail": "An unexpected error occurred; it has been logged."}
NOT_FOUND_BODY = {"code": "not_found", "detail": "Not found."}


# The paths whose clients are programs: the API and the relay provider's webhooks answer errors as JSON.
JSON_ERROR_PATHS = ("/api/", "/relay/")


def is_api_path(path: str) -> bool:
    """Under /api/ or /relay/, whose errors are JSON; "//api/v1/jobs" is too, for the client that built it."""
    return ("/" + path.lstrip("/")).startswith(JSON_ERROR_PATHS)


def _is_api_request(request: HttpRequest) -> bool:
    return is_api_path(request.path)


def not_found(request: HttpRequest, exception: Exception | None = None):
    """handler404: JSON under /api/ and /relay/, the HTML page elsewhere."""
    if _is_api_request(request):
        return JsonResponse(NOT_FOUND_BODY, status=404)
    return defaults.page_not_found(request, exception)


@csrf_exempt
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Every unknown path under /api/v1/, whatever the method.

    Exempt from CSRF because it changes nothing: otherwise a POST without a token would
    get Django's HTML CSRF page instead of the API's JSON 404.
    """
    return JsonResponse(NOT_FOUND_BODY, status=404)


def payload_too_large(request: HttpRequest) -> HttpResponse:
    """413 for a body over the limit: the API's JSON error under /api/ and /relay/, a plain sentence elsewhere."""
    error = PayloadTooLarge()
    if _is_api_request(request):
        return JsonResponse(error.body(), status=error.status_code)
    return HttpResponse(error.detail, status=error.status_code, content_type="text/plain; charset=utf-8")


def server_error(request: HttpRequest):
    """handler500: JSON under /api/ and /relay/, the HTML page elsewhere; never a trace."""
    if _is_api_request(request):
        return JsonResponse(SERVER_ERROR_BODY, status=500)
    return defaults.server_error(request)
