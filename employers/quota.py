"""Reveal quotas: limits per plan and override, capped by the platform ceiling, consumed atomically.

Periods are calendar days and months in settings.PLATFORM_TIME_ZONE; each limit
frees up (`resets_at`) at the platform's next midnight or first of the month. Consumption
takes the counters in one fixed order (recruiter day, organisation day,
organisation month) with `UPDATE ... SET used = used + 1 WHERE used < limit`:
under any interleaving of concurrent reveals no limit is exceeded, and a
refusal rolls back the counters already taken (the caller's savepoint).
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from accounts.models import User

from .models import QUOTA_LIMIT_NAMES, Organization, QuotaCounter

PLATFORM_CEILING = "platform_ceiling"


@dataclass(frozen=True)
class Limit:
    name: str  # recruiter_daily, org_daily or org_monthly
    subject: str
    period: str
    value: int  # in force: the plan's or the override, capped by the ceiling
    capped_by_ceiling: bool  # the ceiling, not the plan or override, is what binds
    resets_at: dt.datetime  # in UTC: when this period ends and the limit frees up

    @property
    def refusal_name(self) -> str:
        """The `limit` a quota_exhausted refusal names."""
        return PLATFORM_CEILING if self.capped_by_ceiling else self.name


class QuotaExhausted(Exception):
    def __init__(self, limit_name: str, *, resets_at: dt.datetime) -> None:
        super().__init__(limit_name)
        self.limit_name = limit_name
        self.resets_at = resets_at


def platform_today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(ZoneInfo(settings.PLATFORM_TIME_ZONE)).date()


def platform_day_start(now: dt.datetime | None = None) -> dt.datetime:
    """The last midnight in the platform's time zone, in UTC: where today's daily counts begin."""
    return _platform_midnight(platform_today(now))


def next_platform_day(now: dt.datetime | None = None) -> dt.datetime:
    """The next midnight in the platform's time zone, in UTC: when daily limits free up."""
    return _platform_midnight(platform_today(now) + dt.timedelta(days=1))


def next_platform_month(now: dt.datetime | None = None) -> dt.datetime:
    """Midnight of the next first of the month in the platform's time zone, in UTC: when monthly limits free up."""
    today = platform_today(now)
    first_of_next = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return _platform_midnight(first_of_next)


def _platform_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(settings.PLATFORM_TIME_ZONE)).astimezone(dt.UTC)


def limits_for(*, recruiter: User, organization: Organization, now: dt.datetime | None = None) -> list[Limit]:
    """The three limits that a reveal by `recruiter` now would count against, in consumption order."""
    now = now or timezone.now()
    today = platform_today(now)
    ceiling = settings.PLAN_QUOTAS[PLATFORM_CEILING]
    # The ceiling caps each limit over that limit's own period, so a ceiling refusal frees up with it.
    resets = {"recruiter_daily": next_platform_day(now), "org_daily": next_platform_day(now)}
    resets["org_monthly"] = next_platform_month(now)
    subjects = {
        "recruiter_daily": (f"recruiter:{recruiter.pk}", today.isoformat()),
        "org_daily": (f"organization:{organization.pk}", today.isoformat()),
        "org_monthly": (f"organization:{organization.pk}", today.strftime("%Y-%m")),
    }
    limits = []
    for name in QUOTA_LIMIT_NAMES:
        configured = _configured_limit(organization=organization, name=name)
        subject, period = subjects[name]
        limits.append(
            Limit(
                name=name,
                subject=subject,
                period=period,
                value=min(configured, ceiling[name]),
                capped_by_ceiling=configured >= ceiling[name],
                resets_at=resets[name],
            )
        )
    return limits


def _configured_limit(*, organization: Organization, name: str) -> int:
    override = getattr(organization, f"{name}_limit")
    return override if override is not None else settings.PLAN_QUOTAS[organization.plan][name]


def limit_in_force(*, organization: Organization, name: str) -> int:
    """One of the organisation's limits as it binds now: its plan or override, under the platform ceiling."""
    ceiling = settings.PLAN_QUOTAS[PLATFORM_CEILING][name]
    return min(_configured_limit(organization=organization, name=name), ceiling)


def _ensure_counters(limits: list[Limit]) -> None:
    # Creating a missing row must not race: ON CONFLICT DO NOTHING, then everyone updates the one row.
    QuotaCounter.objects.bulk_create(
        [QuotaCounter(limit_name=limit.name, subject=limit.subject, period=limit.period) for limit in limits],
        ignore_conflicts=True,
    )


def _counter(limit: Limit):
    return QuotaCounter.objects.filter(limit_name=limit.name, subject=limit.subject, period=limit.period)


def consume(*, recruiter: User, organization: Organization) -> None:
    """Take one unit of every limit, or raise QuotaExhausted naming the first that is full.

    Must run inside a transaction (savepoint) that the caller rolls back on refusal.
    """
    limits = limits_for(recruiter=recruiter, organization=organization)
    _ensure_counters(limits)
    for limit in limits:
        taken = _counter(limit).filter(used__lt=limit.value).update(used=F("used") + 1)
        if not taken:
            raise QuotaExhausted(limit.refusal_name, resets_at=limit.resets_at)


def first_full_limit(*, recruiter: User, organization: Organization) -> Limit | None:
    """The first limit (in consumption order) that one more charged reveal would exceed, reading only.

    For callers that must know a reveal could be paid without paying it (a contact request
    leads to one); `consume` stays the only exact check, since counters move meanwhile.
    """
    limits = limits_for(recruiter=recruiter, organization=organization)
    used = _used(limits)
    for limit in limits:
        if used.get((limit.name, limit.subject, limit.period), 0) >= limit.value:
            return limit
    return None


def give_back(*, recruiter: User | None, organization: Organization, charged_at: dt.datetime) -> None:
    """Return one unit to the counters a reveal was charged to (never below zero)."""
    recruiter_subject = f"recruiter:{recruiter.pk}" if recruiter is not None else None
    day = platform_today(charged_at)
    for name, subject, period in (
        ("recruiter_daily", recruiter_subject, day.isoformat()),
        ("org_daily", f"organization:{organization.pk}", day.isoformat()),
        ("org_monthly", f"organization:{organization.pk}", day.strftime("%Y-%m")),
    ):
        if subject is not None:
            QuotaCounter.objects.filter(limit_name=name, subject=subject, period=period, used__gt=0).update(
                used=F("used") - 1
            )


def _used(limits: list[Limit]) -> dict[tuple[str, str, str], int]:
    return {
        (counter.limit_name, counter.subject, counter.period): counter.used
        for counter in QuotaCounter.objects.filter(
            subject__in={limit.subject for limit in limits}, period__in={limit.period for limit in limits}
        )
    }


def usage(*, recruiter: User, organization: Organization) -> dict[str, dict]:
    """{limit name: {limit, used, remaining, resets_at}} as GET organizations/me and a granted reveal show it."""
    limits = limits_for(recruiter=recruiter, organization=organization)
    used = _used(limits)
    result = {}
    for limit in limits:
        spent = used.get((limit.name, limit.subject, limit.period), 0)
        result[limit.name] = {
            "limit": limit.value,
            "used": spent,
            "remaining": max(0, limit.value - spent),
            "resets_at": limit.resets_at,
        }
    return result
