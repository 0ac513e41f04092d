"""/healthz: 200 when the database and the cache answer within HEALTHZ_TIMEOUT_MS, 503 otherwise; operators' warnings.

Each check runs in a thread of its own and the answer waits for them only until the deadline:
a stalled database or cache (connected but silent) makes the probe say "down" in time instead
of hanging the worker. A check still stuck after the deadline finishes, or fails, on its own
(the connect timeout, the statement timeout, the cache's socket timeouts end it); at most
MAX_PENDING_CHECKS of them wait per process, beyond which a check is reported down at once.
"""

import logging
import secrets
import threading
import time
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.core.cache import caches
from django.db import connection, connections, transaction
from django.http import HttpRequest, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

HEALTH_CACHE_KEY_PREFIX = "healthz:probe:"
# Checks of this process still running (stuck past an earlier deadline); a stall leaks no more threads than this.
MAX_PENDING_CHECKS = 32
_pending_checks = threading.BoundedSemaphore(MAX_PENDING_CHECKS)


class _Check(threading.Thread):
    """One check in its own thread; `result` stays None until it has finished."""

    def __init__(self, name: str, work: Callable[[], object]) -> None:
        super().__init__(name=f"healthz-{name}", daemon=True)
        self._work = work
        self.result: object = None

    def run(self) -> None:
        try:
            self.result = self._work()
        finally:
            _pending_checks.release()


def _start(name: str, work: Callable[[], object]) -> _Check | None:
    if not _pending_checks.acquire(blocking=False):
        logger.warning("healthz: %d earlier checks are still waiting; %s counts as down", MAX_PENDING_CHECKS, name)
        return None
    check = _Check(name, work)
    check.start()
    return check


def _bound_statements() -> None:
    """Inside a transaction, on PostgreSQL: no statement of the check may outlast the health deadline."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{settings.HEALTHZ_TIMEOUT_MS}ms"])


def _database_answers() -> bool:
    # This thread's own connection (DB_CONNECT_TIMEOUT_S bounds opening it), closed after: a probe
    # also proves that a new connection can be made.
    try:
        with transaction.atomic():
            _bound_statements()
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                return cursor.fetchone() == (1,)
    except Exception as error:
        logger.warning("healthz: database check failed: %s", type(error).__name__)
        return False
    finally:
        connections.close_all()


def _cache_answers(cache) -> bool:
    # A round trip with a fresh value under a key of this probe alone, so that neither a stale or
    # dummy cache nor a parallel probe can pass for this one. The socket timeouts bound each call.
    key, probe = HEALTH_CACHE_KEY_PREFIX + secrets.token_hex(8), secrets.token_hex(8)
    try:
        cache.set(key, probe, timeout=10)
        answered = cache.get(key) == probe
        cache.delete(key)
        return answered
    except Exception as error:
        logger.warning("healthz: cache check failed: %s", type(error).__name__)
        return False


def _collect_warnings(paths: list[str], found: list[str]) -> None:
    """Run each HEALTH_WARNINGS function, appending its sentence to `found` as soon as it has one."""
    try:
        with transaction.atomic():
            _bound_statements()
            for path in paths:
                try:
                    # A savepoint each: one failing query leaves the others a usable transaction.
                    with transaction.atomic():
                        warning = import_string(path)()
                except Exception as error:
                    logger.warning("healthz: warning %s failed: %s", path, type(error).__name__)
                    warning = f"{path}: the check failed"
                if warning:
                    found.append(str(warning))
    except Exception as error:
        logger.warning("healthz: warnings could not be collected: %s", type(error).__name__)
        found.append("the warnings could not be collected")
    finally:
        connections.close_all()


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    deadline = time.monotonic() + settings.HEALTHZ_TIMEOUT_MS / 1000
    running = {
        "database": _start("database", _database_answers),
        "cache": _start("cache", partial(_cache_answers, caches["default"])),
    }
    warning_paths, found = list(settings.HEALTH_WARNINGS), []
    collector = _start("warnings", partial(_collect_warnings, warning_paths, found)) if warning_paths else None

    for check in (*running.values(), collector):
        if check is not None:
            check.join(max(0.0, deadline - time.monotonic()))
    checks = {name: check is not None and check.result is True for name, check in running.items()}
    warnings = list(found)  # what the collector found by the deadline
    if warning_paths and (collector is None or collector.is_alive()):
        warnings.append("some warnings did not answer in time")

    body = {
        "status": "ok" if all(checks.values()) else "unavailable",
        "checks": {name: "ok" if answered else "down" for name, answered in checks.items()},
        "warnings": warnings,
    }
    if not all(checks.values()):
        body.update(code="service_unavailable", detail="A component the platform depends on is not answering.")
        return JsonResponse(body, status=503)
    return JsonResponse(body)
