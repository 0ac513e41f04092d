"""Reads for operators: whom a flag is about, its reveals, and the detection dashboard's figures.

Everything here is counts, ids and organisations' registered names: never a seeker's or a
recruiter's contact data. Reveals are read as counts from `resumes.Reveal`, the record of
every granted reveal, so a chart shows what the organisation really obtained.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from audit.chain import GENESIS_HASH, event_hash
from audit.models import AuditChainHead, AuditDigest, AuditEvent
from audit.selectors import ChainReport, walk_chain
from employers.models import Organization, Seat
from resumes.models import Reveal

from .models import DetectionRun, Flag, FlagAction, FlagStatus, Severity, SubjectType

# A week of hourly bars is still readable; a longer window shows its last week.
CHART_MAX_HOURS = 7 * 24
DASHBOARD_DAYS = 30
TOP_ORGANIZATIONS = 10
RECENT_RUNS = 10
SEVERITY_ORDER = (Severity.HIGH, Severity.MEDIUM, Severity.LOW)


def platform_zone() -> ZoneInfo:
    return ZoneInfo(settings.PLATFORM_TIME_ZONE)


# Whom a flag is about


@dataclass(frozen=True)
class FlagSubjects:
    organization_ids: frozenset[int]
    recruiter_ids: frozenset[uuid.UUID]

    def reveal_filter(self) -> Q:
        """Reveals made by any of these organisations or recruiters."""
        return Q(organization_id__in=self.organization_ids) | Q(recruiter_id__in=self.recruiter_ids)


def is_seat_flag(flag: Flag) -> bool:
    """A recruiter's flag acts on that recruiter's seat, unless the platform suspended the whole organisation for it."""
    return flag.subject_type == SubjectType.RECRUITER and flag.action_taken != FlagAction.ORGANIZATION_SUSPENDED


def flag_subjects(flag: Flag) -> FlagSubjects:
    """The organisations and recruiters a flag judges: its subject, or every linked account of a cluster."""
    organization_ids: set[int] = set()
    recruiter_ids: set[uuid.UUID] = set()
    for member in flag.cluster_members or []:
        kind, member_id = member.get("type"), member.get("id")
        if kind == SubjectType.ORGANIZATION:
            organization_ids.add(int(member_id))
        elif kind == SubjectType.RECRUITER:
            recruiter_ids.add(uuid.UUID(str(member_id)))
    if flag.recruiter_id is not None:
        recruiter_ids.add(flag.recruiter_id)
    if flag.organization_id is not None and not is_seat_flag(flag):
        organization_ids.add(flag.organization_id)
    return FlagSubjects(frozenset(organization_ids), frozenset(recruiter_ids))


def flag_reveals(flag: Flag) -> QuerySet[Reveal]:
    """The granted reveals the flag's subjects made within its window: the contacts it may have harvested."""
    return Reveal.objects.filter(
        flag_subjects(flag).reveal_filter(), created_at__gte=flag.window_start, created_at__lte=flag.window_end
    )


@dataclass(frozen=True)
class LinkedAccount:
    kind: str
    id: str
    label: str
    status: str


def linked_accounts(flag: Flag) -> list[LinkedAccount]:
    """A cluster's members as an operator reads them: organisations by name and status, recruiters by opaque id."""
    subjects = flag_subjects(flag)
    accounts = [
        LinkedAccount(SubjectType.ORGANIZATION.label, str(org.pk), str(org), org.get_status_display())
        for org in Organization.objects.filter(pk__in=subjects.organization_ids).order_by("pk")
    ]
    seats = {seat.user_id: seat for seat in Seat.objects.filter(user_id__in=subjects.recruiter_ids)}
    for recruiter_id in sorted(subjects.recruiter_ids, key=str):
        seat = seats.get(recruiter_id)
        status = "no seat" if seat is None else ("seat active" if seat.is_active else "seat deactivated")
        label = f"recruiter in organisation #{seat.organization_id}" if seat is not None else "recruiter"
        accounts.append(LinkedAccount(SubjectType.RECRUITER.label, str(recruiter_id), label, status))
    return accounts


def flag_reveals_per_hour(flag: Flag) -> list[tuple[datetime, int]]:
    """Reveals per hour over the flag's window (its last CHART_MAX_HOURS hours), empty hours included.

    Hours are counted in UTC: the platform's zone is a whole number of hours away, so they are its hours too.
    """
    end = flag.window_end.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    start = flag.window_start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    start = max(start, end - timedelta(hours=CHART_MAX_HOURS - 1))
    rows = (
        flag_reveals(flag)
        .filter(created_at__gte=start)
        .annotate(hour=TruncHour("created_at", tzinfo=UTC))
        .values("hour")
        .annotate(total=Count("id"))
        .order_by()
    )
    counts = {row["hour"].astimezone(UTC): row["total"] for row in rows}
    hours = [start + timedelta(hours=index) for index in range(int((end - start) / timedelta(hours=1)) + 1)]
    return [(hour, counts.get(hour, 0)) for hour in hours]


# The dashboard


def _first_dashboard_day(*, days: int, now: datetime | None) -> date:
    return (now or timezone.now()).astimezone(platform_zone()).date() - timedelta(days=days - 1)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=platform_zone())


def reveals_per_day(*, days: int = DASHBOARD_DAYS, now: datetime | None = None) -> list[tuple[date, int]]:
    """Granted reveals per platform day over the last `days` days, today included."""
    first = _first_dashboard_day(days=days, now=now)
    rows = (
        Reveal.objects.filter(created_at__gte=_start_of(first))
        .annotate(day=TruncDate("created_at", tzinfo=platform_zone()))
        .values("day")
        .annotate(total=Count("id"))
        .order_by()
    )
    counts = {row["day"]: row["total"] for row in rows}
    days_shown = [first + timedelta(days=index) for index in range(days)]
    return [(day, counts.get(day, 0)) for day in days_shown]


@dataclass(frozen=True)
class OrganizationReveals:
    organization_id: int
    name: str
    status: str
    reveals: int


def top_organizations_by_reveals(
    *, days: int = DASHBOARD_DAYS, limit: int = TOP_ORGANIZATIONS, now: datetime | None = None
) -> list[OrganizationReveals]:
    since = _start_of(_first_dashboard_day(days=days, now=now))
    rows = list(
        Reveal.objects.filter(created_at__gte=since)
        .values("organization_id")
        .annotate(total=Count("id"))
        .order_by("-total", "organization_id")[:limit]
    )
    organizations = Organization.objects.in_bulk([row["organization_id"] for row in rows])
    return [
        OrganizationReveals(
            organization_id=row["organization_id"],
            name=str(organizations[row["organization_id"]]),
            status=organizations[row["organization_id"]].get_status_display(),
            reveals=row["total"],
        )
        for row in rows
    ]


def open_flags_by_severity() -> list[tuple[str, int]]:
    counts = dict(
        Flag.objects.filter(status=FlagStatus.OPEN).values_list("severity").annotate(total=Count("id")).order_by()
    )
    return [(severity.label, counts.get(severity.value, 0)) for severity in SEVERITY_ORDER]


def recent_runs(*, limit: int = RECENT_RUNS) -> list[DetectionRun]:
    return list(DetectionRun.objects.order_by("-started_at", "-id")[:limit])


@dataclass(frozen=True)
class ChainStatus:
    """What can be checked in a few queries: the head, the last event, the latest digest."""

    length: int
    head_matches_last_event: bool
    last_event_hash_holds: bool
    latest_digest: AuditDigest | None
    digest_matches_chain: bool | None
    full_report: ChainReport | None = None

    @property
    def ok(self) -> bool:
        full_ok = self.full_report is None or self.full_report.ok
        return (
            self.head_matches_last_event
            and self.last_event_hash_holds
            and self.digest_matches_chain is not False
            and full_ok
        )


def audit_chain_status(*, verify_all: bool = False) -> ChainStatus:
    """The chain's health cheaply; `verify_all` also walks every link (audit.selectors.walk_chain)."""
    head = AuditChainHead.objects.filter(pk=1).first()
    last = AuditEvent.objects.order_by("-seq").first()
    head_state = (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
    last_state = (last.seq, last.hash) if last is not None else (0, GENESIS_HASH)
    digest = AuditDigest.objects.order_by("-created_at", "-id").first()
    digest_matches = None
    if digest is not None:
        if digest.seq == 0:
            digest_matches = digest.hash == GENESIS_HASH
        else:
            anchored = AuditEvent.objects.filter(seq=digest.seq).values_list("hash", flat=True).first()
            digest_matches = anchored == digest.hash
    return ChainStatus(
        length=last_state[0],
        head_matches_last_event=head is None or head_state == last_state,
        last_event_hash_holds=last is None or event_hash(last) == last.hash,
        latest_digest=digest,
        digest_matches_chain=digest_matches,
        full_report=walk_chain() if verify_all else None,
    )
