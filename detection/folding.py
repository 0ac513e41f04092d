"""Folding new events into the rolling aggregates and the account links: a run's first step.

Each event adds to four buckets (its recruiter's and its organisation's hour and
day); existing rows are read in one query and written back in bulk, so the cost
follows the new events, not the history.
"""

import datetime as dt
import hashlib
import ipaddress
from collections import Counter
from dataclasses import dataclass, field

from accounts import selectors as account_selectors
from audit import selectors as audit_selectors
from employers import selectors as employer_selectors
from resumes import selectors as resume_selectors

from .models import AccountLink, ActivityAggregate, DetectionState, Granularity, LinkKind, SubjectType
from .periods import day_start, hour_start, is_night, platform_hour
from .selectors import ORGANIZATION, RECRUITER

REVEAL_GRANTED = "reveal.granted"
REVEAL_DENIED = "reveal.denied"
REVEAL_CREDITED_BACK = "reveal.credited_back"
CONTACT_REQUEST_APPROVED = "contact_request.approved"
ORGANIZATION_REGISTRATION = "organization.registration"
LICENCE_UPLOADED = "organization.licence_uploaded"
READ_AUDIT_ACTIONS = (
    REVEAL_GRANTED,
    REVEAL_DENIED,
    REVEAL_CREDITED_BACK,
    CONTACT_REQUEST_APPROVED,
    ORGANIZATION_REGISTRATION,
    LICENCE_UPLOADED,
)
QUOTA_EXHAUSTED = "quota_exhausted"
# A reveal counts as "viewed first" if the recruiter opened the masked resume within this long before.
VIEW_LOOKBACK = dt.timedelta(days=7)
COUNT_FIELDS = (
    "reveals",
    "charged_reveals",
    "denied_reveals",
    "quota_denials",
    "night_reveals",
    "searches",
    "views",
    "search_results",
    "paged_searches",
    "off_target_reveals",
    "unviewed_reveals",
    "credited_backs",
    "approvals",
)


@dataclass
class Batch:
    """New events since the watermark, and the watermark they advance it to."""

    audit: list[dict]
    audit_upto: int
    activity: list[dict]
    activity_upto: int
    logins: list[dict]
    login_upto: int

    @property
    def events_read(self) -> int:
        return len(self.audit) + len(self.activity) + len(self.logins)

    @property
    def oldest(self) -> dt.datetime | None:
        moments = [event["created_at"] for events in (self.audit, self.activity, self.logins) for event in events[:1]]
        return min(moments) if moments else None


def read_batch(*, state: DetectionState, limit: int) -> Batch:
    """Audit events by seq (gap-free: see audit_events_since); activity and logins by id.

    Activity and login rows are single autocommit inserts, so an id committing after a
    higher one is a window of microseconds; the worst a run can miss is one search,
    view or login of evidence, never a reveal.
    """
    audit, audit_upto = audit_selectors.audit_events_since(
        after_seq=state.last_audit_seq, actions=READ_AUDIT_ACTIONS, limit=limit
    )
    activity = audit_selectors.activity_events_since(after_id=state.last_activity_id, limit=limit)
    logins, login_upto = account_selectors.recruiter_logins_since(after_id=state.last_login_id, limit=limit)
    return Batch(
        audit=audit,
        audit_upto=audit_upto,
        activity=activity,
        activity_upto=activity[-1]["id"] if activity else state.last_activity_id,
        logins=logins,
        login_upto=login_upto,
    )


@dataclass
class _Delta:
    organization_id: int | None
    counts: Counter = field(default_factory=Counter)
    times: list[int] = field(default_factory=list)  # seconds into the hour of each granted reveal
    hours: set[int] = field(default_factory=set)  # platform hours with a granted reveal
    limits: Counter = field(default_factory=Counter)  # quota limits refused, by name


@dataclass
class Touched:
    """The subjects a batch added to: the detectors judge these."""

    recruiters: dict[str, int | None] = field(default_factory=dict)
    organizations: set[int] = field(default_factory=set)


class _Folder:
    def __init__(self) -> None:
        self.deltas: dict[tuple[str, str, str, dt.datetime], _Delta] = {}
        self.touched = Touched()

    def add(self, *, recruiter_id, organization_id, moment: dt.datetime, reveal_time: bool = False, **counts) -> None:
        subjects = []
        if recruiter_id is not None:
            subjects.append((SubjectType.RECRUITER, str(recruiter_id)))
            self.touched.recruiters[str(recruiter_id)] = organization_id
        if organization_id is not None:
            subjects.append((SubjectType.ORGANIZATION, str(organization_id)))
            self.touched.organizations.add(organization_id)
        limit = counts.pop("limit", None)
        for subject_type, subject_id in subjects:
            for granularity, start in ((Granularity.HOUR, hour_start(moment)), (Granularity.DAY, day_start(moment))):
                key = (subject_type, subject_id, granularity, start)
                delta = self.deltas.setdefault(key, _Delta(organization_id=organization_id))
                delta.counts.update({name: value for name, value in counts.items() if value})
                if reveal_time and granularity == Granularity.HOUR and subject_type == SubjectType.RECRUITER:
                    delta.times.append(int((moment - start).total_seconds()))
                if reveal_time and granularity == Granularity.DAY:
                    delta.hours.add(platform_hour(moment))
                if limit and granularity == Granularity.DAY:
                    delta.limits[limit] += 1

    def save(self) -> None:
        if not self.deltas:
            return
        subject_ids = {key[1] for key in self.deltas}
        starts = {key[3] for key in self.deltas}
        existing = {
            (row.subject_type, row.subject_id, row.granularity, row.bucket_start): row
            for row in ActivityAggregate.objects.filter(
                subject_type__in={key[0] for key in self.deltas}, subject_id__in=subject_ids, bucket_start__in=starts
            )
        }
        created, updated = [], []
        for key, delta in self.deltas.items():
            row = existing.get(key)
            if row is None:
                subject_type, subject_id, granularity, start = key
                row = ActivityAggregate(
                    subject_type=subject_type,
                    subject_id=subject_id,
                    organization_id=delta.organization_id,
                    granularity=granularity,
                    bucket_start=start,
                    extra={},
                )
                created.append(row)
            else:
                updated.append(row)
            for name, value in delta.counts.items():
                setattr(row, name, getattr(row, name) + value)
            extra = dict(row.extra)
            if delta.times:
                extra["t"] = sorted([*extra.get("t", []), *delta.times])
            if delta.hours:
                extra["h"] = sorted(set(extra.get("h", [])) | delta.hours)
            if delta.limits:
                extra["limits"] = dict(Counter(extra.get("limits", {})) + delta.limits)
            row.extra = extra
            if row.organization_id is None:
                row.organization_id = delta.organization_id
        # One upsert of the new totals (bulk_update's CASE per field and row costs far more); runs hold
        # the watermark's lock, so nobody else writes these rows meanwhile.
        ActivityAggregate.objects.bulk_create(
            [*created, *updated],
            update_conflicts=True,
            unique_fields=["subject_type", "subject_id", "granularity", "bucket_start"],
            update_fields=[*COUNT_FIELDS, "extra", "organization_id"],
        )


def fold_batch(batch: Batch) -> Touched:
    """Add the batch's events to the aggregates and the account links; return the subjects touched."""
    folder = _Folder()
    _fold_reveals(folder, batch.audit)
    for event in batch.activity:
        is_search = event["kind"] == "search"
        folder.add(
            recruiter_id=event["actor_id"],
            organization_id=event["organization_id"],
            moment=event["created_at"],
            searches=int(is_search),
            views=int(not is_search),
            search_results=(event["result_count"] or 0) if is_search else 0,
            paged_searches=int(is_search and bool((event["filters"] or {}).get("cursor"))),
        )
    folder.save()
    _fold_links(batch)
    return folder.touched


def _fold_reveals(folder: _Folder, events: list[dict]) -> None:
    granted = [event for event in events if event["action"] == REVEAL_GRANTED]
    resumes = resume_selectors.resume_targets(resume_ids={event["target_id"] for event in granted})
    jobs = employer_selectors.open_job_targets(organization_ids={event["organization_id"] for event in granted})
    viewed = (
        audit_selectors.viewed_resumes(
            actor_ids={event["actor_id"] for event in granted},
            resume_ids={event["target_id"] for event in granted},
            since=min(event["created_at"] for event in granted) - VIEW_LOOKBACK,
        )
        if granted
        else set()
    )
    for event in events:
        action, moment = event["action"], event["created_at"]
        recruiter_id, organization_id = event["actor_id"], event["organization_id"]
        if action == REVEAL_GRANTED:
            # Free reveals are of applicants to the cited job (or a re-reveal): the seeker chose this
            # organisation, so where they fit and whether they were opened masked says nothing.
            charged = bool(event["details"].get("charged"))
            folder.add(
                recruiter_id=recruiter_id,
                organization_id=organization_id,
                moment=moment,
                reveal_time=True,
                reveals=1,
                charged_reveals=int(charged),
                night_reveals=int(is_night(moment)),
                off_target_reveals=int(
                    charged and _off_target(resumes.get(event["target_id"]), jobs.get(organization_id))
                ),
                unviewed_reveals=int(charged and (str(recruiter_id), event["target_id"]) not in viewed),
            )
        elif action == REVEAL_DENIED:
            quota = event["code"] == QUOTA_EXHAUSTED
            folder.add(
                recruiter_id=recruiter_id,
                organization_id=organization_id,
                moment=moment,
                denied_reveals=1,
                quota_denials=int(quota),
                limit=event["details"].get("limit", "unknown") if quota else None,
            )
        elif action == REVEAL_CREDITED_BACK and organization_id is not None:
            folder.add(recruiter_id=None, organization_id=organization_id, moment=moment, credited_backs=1)
        elif action == CONTACT_REQUEST_APPROVED and organization_id is not None:
            folder.add(recruiter_id=None, organization_id=organization_id, moment=moment, approvals=1)


def _off_target(resume: tuple[str, str] | None, jobs: tuple[set[str], set[str]] | None) -> bool:
    """The resume's category or city matches none of the open jobs (an unknown city matches any)."""
    if resume is None:
        return False  # deleted since: nothing to judge by
    if jobs is None:
        return True  # no open job left at all
    category, city = resume
    categories, cities = jobs
    return category not in categories or (bool(city) and city not in cities)


# Links for sybil clusters


def network_of(ip: str | None) -> str | None:
    """The /24 of an IPv4 address or the /64 of an IPv6 one: what one household, office or line shares."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _fold_links(batch: Batch) -> None:
    seen: dict[tuple[str, str, str], dt.datetime] = {}

    def link(kind: str, key: str | None, node: str, moment: dt.datetime) -> None:
        if key:
            seen[(kind, key, node)] = max(moment, seen.get((kind, key, node), moment))

    for login in batch.logins:
        node = f"{RECRUITER}{login['user_id']}"
        link(LinkKind.LOGIN_NETWORK, network_of(login["ip"]), node, login["created_at"])
        if login["device_id"]:
            link(LinkKind.DEVICE, _digest(login["device_id"]), node, login["created_at"])
    for event in batch.audit:
        nodes = [f"{RECRUITER}{event['actor_id']}"] if event["actor_id"] else []
        if event["organization_id"] is not None:
            nodes.append(f"{ORGANIZATION}{event['organization_id']}")
        for node in nodes:
            if event["action"] == ORGANIZATION_REGISTRATION:
                link(LinkKind.REGISTRATION_IP, event["ip"], node, event["created_at"])
            elif event["action"] == LICENCE_UPLOADED:
                link(LinkKind.LICENCE, event["details"].get("sha256"), node, event["created_at"])
    if not seen:
        return
    candidates = AccountLink.objects.filter(key__in={key for _, key, _ in seen}, node__in={node for _, _, node in seen})
    existing = {(row.kind, row.key, row.node): row for row in candidates}
    created, updated = [], []
    for identity, moment in seen.items():
        row = existing.get(identity)
        if row is None:
            kind, key, node = identity
            created.append(AccountLink(kind=kind, key=key, node=node, first_seen=moment, last_seen=moment))
        elif moment > row.last_seen:
            row.last_seen = moment
            updated.append(row)
    AccountLink.objects.bulk_create(created)
    if updated:
        AccountLink.objects.bulk_update(updated, ["last_seen"])
