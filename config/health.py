"""/healthz: 200 when the database and the cache answer, 503 otherwise."""

import secrets

from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

HEALTH_CACHE_KEY = "healthz:probe"


def _database_answers() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _cache_answers() -> bool:
    # A round trip with a fresh value, so a stale or dummy cache cannot pass.
    probe = secrets.token_hex(8)
    try:
        cache.set(HEALTH_CACHE_KEY, probe, timeout=10)
        return cache.get(HEALTH_CACHE_KEY) == probe
    except Exception:
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_answers(), "cache": _cache_answers()}
    body = {"status": "ok" if all(checks.values()) else "unavailable"}
    body["checks"] = {name: "ok" if answered else "down" for name, answered in checks.items()}
    if not all(checks.values()):
        body.update(code="service_unavailable", detail="A component the platform depends on is not answering.")
        return JsonResponse(body, status=503)
    return JsonResponse(body)
