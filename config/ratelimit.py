"""HTTP rate limits on the shared cache (django-ratelimit), answering 429 with Retry-After."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from .errors import RateLimited


def enforce_rate_limit(request: HttpRequest, *, name: str, key: str | Callable[[str, HttpRequest], str]) -> None:
    """Count this request against settings.RATELIMITS[name]; raise RateLimited once over it.

    `key` is a django-ratelimit key ("ip", "user") or a callable(group, request).
    """
    usage = get_usage(request, group=name, key=key, rate=settings.RATELIMITS[name], increment=True)
    if usage is not None and usage["should_limit"]:
        raise RateLimited(retry_after=usage["time_left"])
