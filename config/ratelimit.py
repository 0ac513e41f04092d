"""HTTP rate limits on the shared cache (django-ratelimit), answering 429 with Retry-After.

Every refusal is written to the activity log (kind `rate_limited`: who, their
organisation, the route's name and the limit hit; never the body or the query
string), where the detectors read it. A refusal before anyone logged in (login,
register) is recorded without an actor: the IP is then the only lead, and it is kept.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from accounts.request_info import client_ip
from audit.services import record_rate_limited

from .errors import RateLimited


def enforce_rate_limit(request: HttpRequest, *, name: str, key: str | Callable[[str, HttpRequest], str]) -> None:
    """Count this request against settings.RATELIMITS[name]; once over it, record the refusal and raise RateLimited.

    `key` is a django-ratelimit key ("ip", "user") or a callable(group, request).
    """
    usage = get_usage(request, group=name, key=key, rate=settings.RATELIMITS[name], increment=True)
    if usage is not None and usage["should_limit"]:
        _record_refusal(request, limit=name)
        raise RateLimited(retry_after=usage["time_left"])


def _record_refusal(request: HttpRequest, *, limit: str) -> None:
    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    seat = getattr(actor, "seat", None) if actor is not None else None
    match = getattr(request, "resolver_match", None)
    record_rate_limited(
        actor_id=actor.pk if actor is not None else None,
        organization_id=seat.organization_id if seat is not None else None,
        route=match.view_name if match is not None else "",
        limit=limit,
        ip=client_ip(request),
    )
