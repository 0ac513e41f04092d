"""The relay pool: the virtual numbers and extensions relay contacts hold, how full it is, and how it recycles.

Its size is settings: RELAY_PHONE_NUMBERS x 10^RELAY_EXTENSION_DIGITS slots (config/settings/base.py says
how to size it). A relay contact holds its slot (number, extension) from its issue until its revocation is
RELAY_EXTENSION_QUARANTINE_DAYS old; `release_quarantined_extensions` then gives the slot back (hourly from
Celery beat, and whenever an issue finds no free slot). Until then a call to the extension is refused as any
revoked one is, so nobody who had it reaches the next seeker. Email aliases are never reused.

Operators are warned past RELAY_POOL_WARNING_SHARE: `health_warning()` for /healthz, and in the admin.
"""

import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.db.models import Count, Q
from django.utils import timezone

from .models import RelayContact

logger = logging.getLogger(__name__)

MAX_EXTENSION_DIGITS = RelayContact._meta.get_field("phone_extension").max_length
USAGE_CACHE_KEY = "relay_pool:usage"


@dataclass(frozen=True)
class PoolSize:
    numbers: tuple[str, ...]
    extension_digits: int

    @property
    def extensions_per_number(self) -> int:
        return 10**self.extension_digits

    @property
    def capacity(self) -> int:
        return len(self.numbers) * self.extensions_per_number

    def extension(self, value: int) -> str:
        return f"{value:0{self.extension_digits}d}"


def pool_size() -> PoolSize:
    """The pool the settings describe; ImproperlyConfigured when they describe none."""
    numbers = tuple(dict.fromkeys(number.strip() for number in settings.RELAY_PHONE_NUMBERS if number.strip()))
    digits = settings.RELAY_EXTENSION_DIGITS
    if not numbers:
        raise ImproperlyConfigured("RELAY_PHONE_NUMBERS is empty: no relay contact can be issued.")
    if not 1 <= digits <= MAX_EXTENSION_DIGITS:
        raise ImproperlyConfigured(f"RELAY_EXTENSION_DIGITS must be 1 to {MAX_EXTENSION_DIGITS}, not {digits}.")
    return PoolSize(numbers=numbers, extension_digits=digits)


def random_slots(count: int, *, size: PoolSize) -> list[tuple[str, str]]:
    """Up to `count` distinct slots drawn at random, held or not.

    One read of the system's randomness for all of them (a draw each was a system call each, a fifth of
    issuing a relay contact). Each slot is 64 random bits modulo the pool's capacity: the bias is under
    capacity / 2**64, nothing next to the pool's own unevenness.
    """
    capacity, per_number = size.capacity, size.extensions_per_number
    randomness = secrets.token_bytes(SLOT_DRAW_BYTES * count)
    slots = {}
    for start in range(0, len(randomness), SLOT_DRAW_BYTES):
        slot = int.from_bytes(randomness[start : start + SLOT_DRAW_BYTES], "big") % capacity
        slots[size.numbers[slot // per_number], size.extension(slot % per_number)] = None
    return list(slots)


SLOT_DRAW_BYTES = 8


def free_slots(count: int, *, size: PoolSize) -> list[tuple[str, str]]:
    """Up to `count` slots no relay contact holds, at random, found by reading every held one.

    For a pool so full that random draws keep missing: it costs a read of the held slots and a pass over the pool.
    """
    held = set(
        RelayContact.objects.filter(extension_released_at__isnull=True, phone_number__in=size.numbers).values_list(
            "phone_number", "phone_extension"
        )
    )
    free = [
        (number, size.extension(value))
        for number in size.numbers
        for value in range(size.extensions_per_number)
        if (number, size.extension(value)) not in held
    ]
    return secrets.SystemRandom().sample(free, min(count, len(free)))


def quarantine_cutoff(now: datetime | None = None) -> datetime:
    """Relay contacts revoked before this have served their quarantine."""
    return (now or timezone.now()) - timedelta(days=settings.RELAY_EXTENSION_QUARANTINE_DAYS)


def release_quarantined_extensions(*, limit: int | None = None) -> int:
    """Give back to the pool the slots of relay contacts revoked before the quarantine cutoff; returns how many.

    With `limit` (inside a transaction), only that many, skipping rows another transaction is releasing.
    """
    due = RelayContact.objects.filter(extension_released_at__isnull=True, revoked_at__lt=quarantine_cutoff())
    if limit is not None:
        ids = due.order_by("revoked_at").select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit]
        due = RelayContact.objects.filter(pk__in=list(ids))
    return due.update(extension_released_at=timezone.now())


@dataclass(frozen=True)
class PoolUsage:
    capacity: int
    extensions_per_number: int
    active: int
    quarantined: int
    # Revoked and past their quarantine, not released yet: free for the next issue that looks.
    releasable: int

    @property
    def held(self) -> int:
        return self.active + self.quarantined

    @property
    def share(self) -> float:
        return self.held / self.capacity

    @property
    def is_full(self) -> bool:
        return self.held >= self.capacity

    def warning(self) -> str | None:
        """A sentence for operators once the pool is past RELAY_POOL_WARNING_SHARE; None below it."""
        if self.share < settings.RELAY_POOL_WARNING_SHARE:
            return None
        held = (
            f"{self.held:,} of {self.capacity:,} relay extensions held "
            f"({self.active:,} active, {self.quarantined:,} in quarantine after revocation)"
        )
        remedy = (
            f"Add numbers to RELAY_PHONE_NUMBERS: each adds {self.extensions_per_number:,} extensions "
            "(config/settings/base.py, THE RELAY POOL)."
        )
        if self.is_full:
            return f"Relay pool full: {held}; reveals that need a new relay contact are refused. {remedy}"
        return (
            f"Relay pool {self.share:.0%} used: {held}. "
            f"Reveals that need a new relay contact will be refused once it is full. {remedy}"
        )


def pool_usage() -> PoolUsage:
    """How many slots of the pool relay contacts hold now (one aggregate over the relay contacts)."""
    size = pool_size()
    cutoff = quarantine_cutoff()
    counts = RelayContact.objects.filter(extension_released_at__isnull=True, phone_number__in=size.numbers).aggregate(
        active=Count("pk", filter=Q(revoked_at__isnull=True)),
        quarantined=Count("pk", filter=Q(revoked_at__gte=cutoff)),
        releasable=Count("pk", filter=Q(revoked_at__lt=cutoff)),
    )
    return PoolUsage(capacity=size.capacity, extensions_per_number=size.extensions_per_number, **counts)


def recent_pool_usage() -> PoolUsage:
    """pool_usage(), kept in the cache for RELAY_POOL_USAGE_CACHE_SECONDS: probes and admin pages count once a minute.

    Every process that counts stores the same kind of figure, so parallel probes cannot spoil each other's.
    """
    try:
        stored = cache.get(USAGE_CACHE_KEY)
    except Exception:  # the cache is down: /healthz says so; count without it
        stored = None
    if stored is not None:
        return PoolUsage(**stored)
    usage = pool_usage()
    try:
        cache.set(USAGE_CACHE_KEY, asdict(usage), timeout=settings.RELAY_POOL_USAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("relay pool usage not cached: the cache did not answer")
    return usage


def health_warning() -> str | None:
    """The relay pool's line for /healthz's details (settings.HEALTH_WARNINGS): None while below the warning share.

    Never raises: a database that does not answer is /healthz's own database check.
    """
    try:
        return recent_pool_usage().warning()
    except ImproperlyConfigured as misconfigured:
        return f"Relay pool unusable: {misconfigured}"
    except DatabaseError:
        return None
