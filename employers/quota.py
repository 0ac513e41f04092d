"""Reveal quotas: limits per plan and override, capped by the platform ceiling, consumed atomically.

Periods are calendar days and months in settings.PLATFORM_TIME_ZONE; each limit
frees up (`resets_at`) at the platform's next midnight or first of the month.

`take` is what a charged reveal calls. On PostgreSQL it is one statement
(TAKE_ALL_OR_NONE_CTES): it locks the three counters in one fixed order (recruiter day,
organisation day, organisation month), reads their latest values, and adds one to
each only if every one has room, returning what the response shows; a full limit
is read from its result, with no savepoint. Elsewhere (SQLite) `consume` takes the
counters in the same order with `UPDATE ... SET used = used + 1 WHERE used < limit`
in a savepoint that a refusal rolls back. Either way no interleaving of concurrent
reveals exceeds a limit.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from config.compiled_query import BoundQuery

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
    # Each counter by its whole key, which quota_counter_once's index leads with: a subject and a period alone
    # would make PostgreSQL read every counter ever kept (one per recruiter per day) on each GET organizations/me.
    if not limits:
        return {}
    in_force = Q()
    for limit in limits:
        in_force |= Q(limit_name=limit.name, subject=limit.subject, period=limit.period)
    return {
        (counter.limit_name, counter.subject, counter.period): counter.used
        for counter in QuotaCounter.objects.filter(in_force).only("limit_name", "subject", "period", "used")
    }


def usage(*, recruiter: User, organization: Organization) -> dict[str, dict]:
    """{limit name: {limit, used, remaining, resets_at}} as GET organizations/me and a granted reveal show it."""
    limits = limits_for(recruiter=recruiter, organization=organization)
    stored = _used(limits)
    return _usage_of(limits, {limit.name: stored.get((limit.name, limit.subject, limit.period), 0) for limit in limits})


@dataclass(frozen=True)
class Taking:
    """What `take` did: whether a unit was owed and taken, and the usage after it, as `usage` shows it."""

    charged: bool
    usage: dict[str, dict]
    limits: tuple[Limit, ...] = ()  # the counters taken from, when charged


def give_back_taking(taking: Taking) -> None:
    """Undo a charge in the transaction that took it, when what it paid for cannot be delivered."""
    if not taking.charged:
        return
    taken = Q()
    for limit in taking.limits:
        taken |= Q(limit_name=limit.name, subject=limit.subject, period=limit.period)
    QuotaCounter.objects.filter(taken, used__gt=0).update(used=F("used") - 1)


def take(*, recruiter: User, organization: Organization, unless: QuerySet | BoundQuery | None = None) -> Taking:
    """Take one unit of every limit, or none and raise QuotaExhausted naming the first that is full.

    `unless`: a queryset that, when it finds a row, means nothing is owed (a re-reveal that another
    reveal charged); it is read after the caller's locks (on PostgreSQL in the statement that takes,
    so a reveal that committed while the caller waited for its lock is seen). Then nothing is taken
    and `charged` is False. Instead of a queryset, anything with `exists()` and `sql_with_params()`
    (config.compiled_query.BoundQuery: a query compiled once) will do.
    """
    if connection.vendor != "postgresql":
        limits = limits_for(recruiter=recruiter, organization=organization)
        if unless is not None and unless.exists():
            return Taking(charged=False, usage=usage(recruiter=recruiter, organization=organization))
        with transaction.atomic():
            consume(recruiter=recruiter, organization=organization)
        return Taking(charged=True, usage=usage(recruiter=recruiter, organization=organization), limits=tuple(limits))
    statement = take_statement(recruiter=recruiter, organization=organization, unless=unless)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {statement.ctes}\n{statement.rows}", statement.params)
        return taking_from_rows(statement, cursor.fetchall())


def taking_from_rows(statement: "TakeStatement", rows: list) -> Taking:
    """What `statement.rows` returned, as a Taking; QuotaExhausted (nothing kept taken) when a limit was full.

    Rows are (ord, charge, room, taken id or None, used), one per limit in order, as tuples or JSON arrays.
    """
    limits = statement.limits
    charged, room = rows[0][1], rows[0][2]
    used = {limit.name: row[4] for limit, row in zip(limits, rows, strict=True)}
    taken_ids = [row[3] for row in rows if row[3] is not None]
    if charged and room and len(taken_ids) < len(limits):
        # A counter first created by a concurrent reveal after this statement's snapshot filled up
        # before this statement could lock it: give back the others while still holding their locks.
        QuotaCounter.objects.filter(pk__in=taken_ids).update(used=F("used") - 1)
        full = next(limit for limit, row in zip(limits, rows, strict=True) if row[3] is None)
        raise QuotaExhausted(full.refusal_name, resets_at=full.resets_at)
    if charged and not room:
        full = next(limit for limit in limits if used[limit.name] >= limit.value)
        raise QuotaExhausted(full.refusal_name, resets_at=full.resets_at)
    return Taking(charged=charged, usage=_usage_of(list(limits), used), limits=tuple(limits))


# One statement, all or none. `seen` is what this statement's snapshot holds; when all three counters
# exist, `held` locks them in the fixed order and reads their latest values (a lock waits for, then
# sees, a concurrent take). `room` requires every counter to have room, so `taken` adds one to all
# three or to none. A counter missing from the snapshot is created by `taken` (used = 1); if a
# concurrent reveal created it meanwhile, ON CONFLICT locks that row and adds one only below its
# limit: the one case where `taken` may take fewer than three (take() gives those back). Locks are
# only ever taken in the fixed order: all three in `held`, or none there and each in turn in `taken`.
# Kept as the expressions of a WITH, so that a reveal can write what it pays for in the same statement.
TAKE_ALL_OR_NONE_CTES = """\
wanted (ord, limit_name, subject, period, cap) AS (
    VALUES (1, %s::text, %s::text, %s::text, %s::integer),
           (2, %s::text, %s::text, %s::text, %s::integer),
           (3, %s::text, %s::text, %s::text, %s::integer)
),
owed AS (SELECT {owed} AS charge),
seen AS (
    SELECT w.ord, c.id, c.used
    FROM wanted w
    JOIN {table} c ON c.limit_name = w.limit_name AND c.subject = w.subject AND c.period = w.period
),
held AS (
    SELECT c.id, c.used
    FROM {table} c JOIN seen s ON s.id = c.id
    WHERE (SELECT charge FROM owed) AND (SELECT count(*) FROM seen) = 3
    ORDER BY s.ord
    FOR UPDATE OF c
),
room AS (
    SELECT (SELECT charge FROM owed) AND bool_and(COALESCE(h.used, s.used, 0) < w.cap) AS ok
    FROM wanted w LEFT JOIN seen s ON s.ord = w.ord LEFT JOIN held h ON h.id = s.id
),
taken AS (
    INSERT INTO {table} AS c (limit_name, subject, period, used)
    SELECT w.limit_name, w.subject, w.period, 1 FROM wanted w WHERE (SELECT ok FROM room) ORDER BY w.ord
    ON CONFLICT (limit_name, subject, period) DO UPDATE SET used = c.used + 1
    WHERE c.used < CASE EXCLUDED.limit_name WHEN %s THEN %s::integer WHEN %s THEN %s::integer
                                            WHEN %s THEN %s::integer END
    RETURNING c.id, c.limit_name, c.used
)"""
# Over those expressions: one row per limit, in order (ord, charge, room, taken id or None, used).
TAKE_ALL_OR_NONE_ROWS = """\
SELECT w.ord, (SELECT charge FROM owed), (SELECT ok FROM room), t.id, COALESCE(t.used, h.used, s.used, 0)
FROM wanted w
LEFT JOIN seen s ON s.ord = w.ord
LEFT JOIN held h ON h.id = s.id
LEFT JOIN taken t ON t.limit_name = w.limit_name
ORDER BY w.ord"""


@dataclass(frozen=True)
class TakeStatement:
    """TAKE_ALL_OR_NONE for one reveal's limits: `ctes` to start a WITH, `rows` to select its result."""

    limits: tuple[Limit, ...]
    ctes: str
    rows: str
    params: list


def take_statement(
    *, recruiter: User, organization: Organization, unless: QuerySet | BoundQuery | None = None
) -> TakeStatement:
    """PostgreSQL: the take as SQL with its values (`take` runs it alone; see `taking_from_rows` for its rows)."""
    limits = limits_for(recruiter=recruiter, organization=organization)
    owed, owed_params = "TRUE", ()
    if unless is not None:
        unless_sql, owed_params = (
            unless.values("pk").query.sql_with_params() if isinstance(unless, QuerySet) else unless.sql_with_params()
        )
        owed = f"NOT EXISTS ({unless_sql})"
    wanted = [value for limit in limits for value in (limit.name, limit.subject, limit.period, limit.value)]
    caps = [value for limit in limits for value in (limit.name, limit.value)]
    return TakeStatement(
        limits=tuple(limits),
        ctes=TAKE_ALL_OR_NONE_CTES.format(owed=owed, table=QuotaCounter._meta.db_table),
        rows=TAKE_ALL_OR_NONE_ROWS,
        params=[*wanted, *owed_params, *caps],
    )


def _usage_of(limits: list[Limit], used: dict[str, int]) -> dict[str, dict]:
    return {
        limit.name: {
            "limit": limit.value,
            "used": used[limit.name],
            "remaining": max(0, limit.value - used[limit.name]),
            "resets_at": limit.resets_at,
        }
        for limit in limits
    }
