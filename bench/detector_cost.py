"""A detector run over 10k new events, after a history of 100k, 1M or 10M events: does its cost follow the history?

For each history size, in its own scratch database (DATABASE_URL's name + `_<size>`):
organisations with an open job, seated recruiters and resumes (bulk inserts); then the
history, loaded with COPY (reveals granted, refused and credited back as chained audit
events with their real hashes, searches and masked views, recruiter logins) a working day
at a time at a fixed daily rate. The last 10 days are folded by `run_detectors` as beat
would have done, so the aggregates, account links and flags that detectors read (their
windows reach 8 days back; sybil links 30, and every recruiter's login is folded within
the 10) are the engine's own; older days are COPYed a month at a time without the tables'
non-unique indexes (built once afterwards) and get their day buckets from a set-based SQL
backfill per month. Then the same 10k new events (the last hour, two harvesting recruiters
among them), VACUUM ANALYZE, and a check that the loaded chain links (every prev_hash in
SQL, samples of hashes with audit.chain.event_hash). Then the measured `run_detectors`
over the new events, repeated inside a transaction that is rolled back each time. Printed:
load and fold times, the run's time (median), its PostgreSQL statements, and the ratio of
the largest to the smallest history (goal <= 1.5).

Loading and measuring can be split: `--load-only` (niced, outside the bench lock) leaves
the databases; `--reuse` measures them again (with nothing else measuring on the machine).
"""

import argparse
import cProfile
import datetime as dt
import hashlib
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from types import SimpleNamespace

from _setup import PROJECT_ROOT, setup_django

ORGANIZATIONS = 200
RECRUITERS = 1500
RESUMES = 5000
NEW_EVENTS = 10_000
# The history's pace: a month of it is 100k events.
EVENTS_PER_DAY = 100_000 // 30
# Days before the measured run that runs fold: every detector window (8 days; sybil links 30, from logins);
# older history gets its day buckets from one SQL backfill.
FOLDED_DAYS = 10
HARVESTERS = 2
HARVESTER_REVEALS = 150
# COPY's text format: NULL.
NULL = "\\N"
CITIES = ("Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Chengdu")
AUDIT_COLUMNS = (
    "seq",
    "prev_hash",
    "hash",
    "created_at",
    "action",
    "actor_id",
    "actor_role",
    "organization_id",
    "target_type",
    "target_id",
    "job_id",
    "outcome",
    "code",
    "ip",
    "user_agent",
    "details",
)
ACTIVITY_COLUMNS = (
    "kind",
    "actor_id",
    "organization_id",
    "resume_id",
    "filters",
    "result_count",
    "ip",
    "route",
    "created_at",
)
LOGIN_COLUMNS = (
    "user_id",
    "attempted_email_index",
    "success",
    "failure_reason",
    "channel",
    "ip",
    "user_agent",
    "device_id",
    "created_at",
)


class Rollback(Exception):
    """Leaves a measured run's transaction without a trace."""


class StatementCounter:
    """A database execute wrapper that counts statements (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0
        self.timings: list[tuple[float, str]] = []  # (seconds, SQL without its parameters)

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.timings.append((time.perf_counter() - started, sql))

    def slowest(self, count: int) -> list[str]:
        """The `count` slowest statements of the run, SQL text shortened (parameters are never shown)."""
        return [
            f"  {seconds * 1000:8.1f} ms  {' '.join(sql.split())[:160]}"
            for seconds, sql in sorted(self.timings, reverse=True)[:count]
        ]


class World:
    """The population the events are about: ids only, made the same for every history size."""

    def __init__(self, seed: int = 29) -> None:
        rng = random.Random(seed)
        self.recruiters = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(RECRUITERS)]
        self.organization_of = {recruiter: index % ORGANIZATIONS + 1 for index, recruiter in enumerate(self.recruiters)}
        self.resumes = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(RESUMES)]
        self.ips = {
            recruiter: f"10.{index // 250 % 250}.{index % 250}.{rng.randint(1, 250)}"
            for index, recruiter in enumerate(self.recruiters)
        }
        # Resumes an organisation's open job fits (its city, software engineering): what honest reveals are of.
        self.resumes_for = {
            organization: [
                resume
                for number, resume in enumerate(self.resumes)
                if number % 4 and number % len(CITIES) == (organization - 1) % len(CITIES)
            ]
            for organization in range(1, ORGANIZATIONS + 1)
        }
        self.devices = {recruiter: uuid.UUID(int=rng.getrandbits(128), version=4).hex for recruiter in self.recruiters}


def build_population(world: World) -> None:
    from django.utils import timezone

    from accounts.models import User
    from employers.categories import JobCategory
    from employers.models import JobPosting, Organization, OrganizationStatus, Seat, SeatRole
    from resumes.models import Resume, Visibility
    from tests.employers.factories import uscc_for

    now = timezone.now()
    organizations = Organization.objects.bulk_create(
        Organization(
            pk=number + 1,
            legal_name=f"Bench Company {number} Ltd",
            uscc=uscc_for(600_000 + number),
            city=CITIES[number % len(CITIES)],
            plan="member" if number % 3 else "standard",
            status=OrganizationStatus.VERIFIED,
            verified_at=now - dt.timedelta(days=400),
            reverify_due=now + dt.timedelta(days=183),
        )
        for number in range(ORGANIZATIONS)
    )
    JobPosting.objects.bulk_create(
        JobPosting(
            organization=organization,
            title="Backend engineer",
            description="Build and run Django services.",
            city=organization.city,
            category=JobCategory.SOFTWARE_ENGINEERING,
        )
        for organization in organizations
    )
    recruiters = []
    for number, recruiter_id in enumerate(world.recruiters):
        user = User(pk=recruiter_id, role="recruiter", email_ciphertext="-", full_name_ciphertext="-")
        user.email_blind_index = f"bench-recruiter-{number}"
        user.set_unusable_password()
        recruiters.append(user)
    User.objects.bulk_create(recruiters, batch_size=2000)
    Seat.objects.bulk_create(
        Seat(organization_id=world.organization_of[user.pk], user=user, role=SeatRole.RECRUITER) for user in recruiters
    )
    seekers, resumes = [], []
    for number, resume_id in enumerate(world.resumes):
        seeker = User(role="seeker", email_ciphertext="-", full_name_ciphertext="-")
        seeker.email_blind_index = f"bench-seeker-{number}"
        seeker.set_unusable_password()
        seekers.append(seeker)
        resumes.append(
            Resume(
                pk=resume_id,
                seeker=seeker,
                headline="Python backend engineer",
                category=JobCategory.SOFTWARE_ENGINEERING if number % 4 else JobCategory.DATA_SCIENCE,
                city=CITIES[number % len(CITIES)],
                visibility=Visibility.PUBLIC,
            )
        )
    User.objects.bulk_create(seekers, batch_size=2000)
    Resume.objects.bulk_create(resumes, batch_size=2000)


def events_between(world: World, rng: random.Random, *, start: dt.datetime, end: dt.datetime, count: int) -> list:
    """About `count` ordinary events between start and end, shaped like honest work so that few detectors fire.

    Reveals (40 %) are of resumes in the organisation's city and category, each after a masked
    view of the same resume; a fifth of them get a reply (credited back); refusals (5 %) are
    mostly of unavailable resumes; the rest are searches, other views and logins.
    """
    span = (end - start).total_seconds()
    events = []
    while len(events) < count:
        moment = start + dt.timedelta(seconds=rng.random() * span)
        recruiter = rng.choice(world.recruiters)
        draw = rng.random()
        if draw < 0.40:
            resume = rng.choice(world.resumes_for[world.organization_of[recruiter]])
            events.append(("view", moment - dt.timedelta(seconds=rng.randint(60, 1800)), recruiter, resume))
            events.append(("granted", moment, recruiter, resume))
            if rng.random() < 0.2:
                events.append(("credited", min(end, moment + dt.timedelta(hours=2)), recruiter, resume))
        elif draw < 0.45:
            events.append(("denied", moment, recruiter, rng.choice(world.resumes)))
        elif draw < 0.55:
            events.append(("view", moment, recruiter, rng.choice(world.resumes)))
        elif draw < 0.85:
            events.append(("search", moment, recruiter, None))
        else:
            events.append(("login", moment, recruiter, None))
    return sorted(events[:count], key=lambda event: event[1])


def harvest(world: World, rng: random.Random, *, start: dt.datetime, end: dt.datetime) -> list:
    """Two recruiters of different organisations revealing fast, unviewed: the flags and actions a run must take."""
    span = (end - start).total_seconds()
    events = []
    for recruiter in world.recruiters[:HARVESTERS]:
        for _ in range(HARVESTER_REVEALS):
            moment = start + dt.timedelta(seconds=rng.random() * span)
            events.append(("granted", moment, recruiter, rng.choice(world.resumes)))
    return events


class ChainWriter:
    """The chain's head, kept in memory while a load appends; events as COPY text, hashed as audit/chain.py does.

    The canonical JSON of each audit event is written by one format string instead of
    `canonical_json` (a dict and `json.dumps` per event): the same bytes, which
    `check_rows` holds against `audit.chain.event_hash` for the first events of every
    kind, and `check_chain` against the loaded table afterwards.
    """

    # canonical_json's key order (sorted) and separators; every value here is plain ASCII without escapes.
    CANONICAL = (
        '{{"action":"{action}","actor_id":{actor},"actor_role":"{role}","code":"{code}","created_at":"{moment}",'
        '"details":{details},"ip":"{ip}","job_id":{organization},"organization_id":{organization},'
        '"outcome":"{outcome}","prev_hash":"{prev_hash}","seq":{seq},"target_id":"{target}",'
        '"target_type":"resume","user_agent":"hw-bench/1.0"}}'
    )
    CHECKED_PER_KIND = 20

    def __init__(self, world: World) -> None:
        from audit.models import AuditChainHead

        head = AuditChainHead.objects.get(pk=1)
        self.seq, self.prev_hash = head.seq, head.hash
        self.reveal_number = 0
        self.checked: Counter = Counter()
        self.text = {
            recruiter: (
                str(recruiter),
                world.organization_of[recruiter],
                world.ips[recruiter],
                world.devices[recruiter],
            )
            for recruiter in world.recruiters
        }
        self.resume_text = {resume: str(resume) for resume in world.resumes}

    def rows(self, events: list) -> tuple[str, str, str]:
        """COPY text (tab-separated, \\N for NULL) of the audit, activity and login rows of `events`."""
        sha256 = hashlib.sha256
        canonical = self.CANONICAL.format
        text, resume_text = self.text, self.resume_text
        seq, prev_hash = self.seq, self.prev_hash
        audit, activity, logins = [], [], []
        for kind, moment, recruiter, resume in events:
            recruiter_id, organization, ip, device = text[recruiter]
            created = moment.isoformat()
            if kind == "view" or kind == "search":
                if kind == "view":
                    activity.append(
                        f"view\t{recruiter_id}\t{organization}\t{resume_text[resume]}\t{{}}\t\\N\t{ip}\t\t{created}\n"
                    )
                else:
                    activity.append(f"search\t{recruiter_id}\t{organization}\t\\N\t{{}}\t25\t{ip}\t\t{created}\n")
                continue
            if kind == "login":
                logins.append(f"{recruiter_id}\t\tt\t\tapi\t{ip}\thw-bench/1.0\t{device}\t{created}\n")
                continue
            seq += 1
            if kind == "granted":
                self.reveal_number += 1
                action, outcome, code = "reveal.granted", "granted", ""
                details = f'{{"charged":true,"free_because":"","kind":"relay","reveal_id":{self.reveal_number}}}'
                actor, role = f'"{recruiter_id}"', "recruiter"
            elif kind == "denied":
                action, outcome, code, details = "reveal.denied", "denied", "resume_unavailable", "{}"
                actor, role = f'"{recruiter_id}"', "recruiter"
            else:  # credited back: the system's event, no actor
                action, outcome, code, details = "reveal.credited_back", "", "", '{"reason":"seeker_replied"}'
                actor, role = "null", ""
            target = resume_text[resume]
            document = canonical(
                action=action,
                actor=actor,
                role=role,
                code=code,
                moment=created,
                details=details,
                ip=ip,
                organization=organization,
                outcome=outcome,
                prev_hash=prev_hash,
                seq=seq,
                target=target,
            )
            digest = sha256((prev_hash + document).encode()).hexdigest()
            if self.checked[kind] < self.CHECKED_PER_KIND:
                self.checked[kind] += 1
                self._check(
                    seq,
                    prev_hash,
                    digest,
                    moment,
                    action,
                    actor,
                    role,
                    organization,
                    target,
                    outcome,
                    code,
                    ip,
                    details,
                )
            audit.append(
                f"{seq}\t{prev_hash}\t{digest}\t{created}\t{action}\t{recruiter_id if role else NULL}\t{role}"
                f"\t{organization}\tresume\t{target}\t{organization}\t{outcome}\t{code}\t{ip}\thw-bench/1.0\t{details}\n"
            )
            prev_hash = digest
        self.seq, self.prev_hash = seq, prev_hash
        return "".join(audit), "".join(activity), "".join(logins)

    @staticmethod
    def _check(seq, prev_hash, digest, moment, action, actor, role, organization, target, outcome, code, ip, details):
        """The format string's hash against the project's own `event_hash` of the same event."""
        from audit.chain import event_hash

        event = SimpleNamespace(
            seq=seq,
            prev_hash=prev_hash,
            created_at=moment,
            action=action,
            actor_id=None if actor == "null" else uuid.UUID(actor.strip('"')),
            actor_role=role,
            organization_id=organization,
            target_type="resume",
            target_id=target,
            job_id=organization,
            outcome=outcome,
            code=code,
            ip=ip,
            user_agent="hw-bench/1.0",
            details=json.loads(details),
        )
        if event_hash(event) != digest:
            raise SystemExit(f"the loader's hash of event #{seq} differs from audit.chain.event_hash")

    def copy(self, events: list) -> None:
        """COPY `events` into the chain, the activity and the login log, and move the chain head: one transaction."""
        from django.db import connection, transaction

        from audit.models import AuditChainHead

        audit, activity, logins = self.rows(events)
        with transaction.atomic():
            with connection.connection.cursor() as cursor:
                for table, columns, text in (
                    ("audit_auditevent", AUDIT_COLUMNS, audit),
                    ("audit_activityevent", ACTIVITY_COLUMNS, activity),
                    ("accounts_loginevent", LOGIN_COLUMNS, logins),
                ):
                    if text:
                        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                            copy.write(text)
            AuditChainHead.objects.filter(pk=1).update(seq=self.seq, hash=self.prev_hash)


def check_chain(*, windows: int = 5, window: int = 2_000, last: int = 20_000) -> str:
    """Prove the loaded chain links: every prev_hash is the stored hash before it (one SQL pass over the chain),
    the seqs are gap-free, the head row is the last event, and every stored hash is `event_hash` of its event
    (audit.chain, through the model as `walk_chain` reads it) over the last `last` events, the first `window`
    and `windows` random windows of `window` events.
    """
    from django.db import connection

    from audit.chain import GENESIS_HASH, event_hash
    from audit.models import AuditChainHead, AuditEvent

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM audit_auditevent")
        count, first, end = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM (SELECT prev_hash, lag(hash, 1, %s) OVER (ORDER BY seq) AS expected"
            " FROM audit_auditevent) AS links WHERE prev_hash <> expected",
            [GENESIS_HASH],
        )
        (broken,) = cursor.fetchone()
    if count != end or (count and first != 1):
        raise SystemExit(f"the chain has gaps: {count:,} events, seq {first}..{end}")
    if broken:
        raise SystemExit(f"{broken:,} events' prev_hash is not the hash of the event before")
    head = AuditChainHead.objects.get(pk=1)
    last_event = AuditEvent.objects.filter(seq=end).first()
    if last_event is not None and (head.seq, head.hash) != (end, last_event.hash):
        raise SystemExit("the chain head does not match the last event")
    rng = random.Random(end)
    starts = {1, max(1, end - last + 1)} | {rng.randint(1, max(1, end - window)) for _ in range(windows)}
    hashed = 0
    for start in sorted(starts):
        size = last if start == max(1, end - last + 1) else window
        for event in AuditEvent.objects.filter(seq__gte=start, seq__lt=start + size).order_by("seq").iterator(2000):
            if event_hash(event) != event.hash:
                raise SystemExit(f"event #{event.seq}: its hash is not event_hash of its content")
            hashed += 1
    return (
        f"chain of {count:,} events links (all prev_hash checked in SQL); {hashed:,} hashes recomputed with event_hash"
    )


def working_day(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """09:00 to 19:00 of a platform day, in UTC: when honest recruiters work."""
    from zoneinfo import ZoneInfo

    from django.conf import settings

    zone = ZoneInfo(settings.PLATFORM_TIME_ZONE)
    opens = dt.datetime.combine(day, dt.time(9), tzinfo=zone)
    return opens.astimezone(dt.UTC), (opens + dt.timedelta(hours=10)).astimezone(dt.UTC)


def measured_moment() -> dt.datetime:
    """The run's `now`: the last platform 16:00 that has passed (a working hour, whatever the wall clock says)."""
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.utils import timezone

    local_now = timezone.now().astimezone(ZoneInfo(settings.PLATFORM_TIME_ZONE))
    moment = local_now.replace(hour=16, minute=0, second=0, microsecond=0)
    if moment > local_now:
        moment -= dt.timedelta(days=1)
    return moment.astimezone(dt.UTC)


def build_history(world: World, *, size: int, now: dt.datetime, events_per_run: int) -> dict:
    """`size` events over the working days before `now`'s day, COPYed in batches of days.

    Older days, which no detector window reaches, are COPYed BATCH_DAYS at a time into the
    tables without their secondary indexes (PostgreSQL builds those once afterwards, far
    faster than it updates them row by row), and each batch gets its day buckets from a
    set-based SQL backfill over that batch's seqs and ids, committed with the watermark
    moved past them. The last FOLDED_DAYS days are COPYed a day at a time, with every
    index, and folded by `run_detectors` after every `events_per_run` or so (beat runs it
    every five minutes; folding several days per run builds the same aggregates in fewer
    runs).
    """
    from django.db import connection
    from tqdm import tqdm

    from detection.services import run_detectors

    rng = random.Random(size)
    days = max(1, round(size / EVENTS_PER_DAY))
    today = now.date()
    writer = ChainWriter(world)
    copy_seconds = fold_seconds = backfill_seconds = index_seconds = 0.0
    left, pending, runs, batch = size, 0, 0, []
    with connection.cursor() as cursor:
        # Long set-based statements (index builds, backfills, the chain check); the load's own commits need no flush.
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute("SET work_mem = '64MB'")
    dropped = drop_secondary_indexes() if days > FOLDED_DAYS else []
    with tqdm(total=size, desc=f"history {size:,}", unit="event", unit_scale=True) as progress:
        for back in range(days, 0, -1):
            start, end = working_day(today - dt.timedelta(days=back))
            count = left // back
            left -= count
            started = time.perf_counter()
            batch.extend(events_between(world, rng, start=start, end=end, count=count))
            if back > FOLDED_DAYS:
                if (days - back + 1) % BATCH_DAYS and back > FOLDED_DAYS + 1:
                    copy_seconds += time.perf_counter() - started
                    continue
                writer.copy(batch)
                copy_seconds += time.perf_counter() - started
                progress.update(len(batch))
                batch = []
                started = time.perf_counter()
                backfill_day_buckets()
                backfill_seconds += time.perf_counter() - started
                if back == FOLDED_DAYS + 1:
                    started = time.perf_counter()
                    recreate_indexes(dropped)
                    index_seconds = time.perf_counter() - started
                continue
            writer.copy(batch)
            copy_seconds += time.perf_counter() - started
            progress.update(len(batch))
            batch = []
            pending += count
            if pending + EVENTS_PER_DAY > events_per_run or back == 1:
                started = time.perf_counter()
                run_detectors(now=end + dt.timedelta(minutes=5))
                fold_seconds += time.perf_counter() - started
                pending, runs = 0, runs + 1
    return {
        "days": days,
        "runs": runs,
        "copy_seconds": copy_seconds,
        "fold_seconds": fold_seconds,
        "backfill_seconds": backfill_seconds,
        "index_seconds": index_seconds,
        "writer": writer,
    }


# The history's tables and the backfill's aggregates: their non-unique indexes are built after the old days.
BULK_TABLES = ("audit_auditevent", "audit_activityevent", "accounts_loginevent", "detection_activityaggregate")
# Old days COPYed and backfilled per transaction: a month, about 100k events.
BATCH_DAYS = 30


def drop_secondary_indexes() -> list[str]:
    """Drop the bulk tables' non-unique indexes (unique ones, seq's and the aggregates' key, stay); return their SQL."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT index.relname, pg_get_indexdef(index.oid) FROM pg_index"
            " JOIN pg_class index ON index.oid = pg_index.indexrelid"
            " JOIN pg_class tab ON tab.oid = pg_index.indrelid"
            " WHERE tab.relname = ANY(%s) AND NOT pg_index.indisunique ORDER BY 1",
            [list(BULK_TABLES)],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in indexes]


def recreate_indexes(definitions: list[str]) -> None:
    """Build the dropped indexes again, exactly as they were defined, and refresh the planner's statistics."""
    from django.db import connection

    with connection.cursor() as cursor:
        for definition in definitions:
            cursor.execute(definition)
        for table in BULK_TABLES:
            cursor.execute(f"ANALYZE {table}")


def backfill_day_buckets() -> None:
    """Day buckets of every event not folded yet, by SQL, and the watermark moved past them (one transaction).

    Counts of reveals, charged reveals, refusals, credited backs, searches, views and search
    results as folding makes them; off-target and unviewed counts and the `extra` details stay
    empty (only recent buckets are read for them). Hour buckets are not made: runs prune them
    after hour_buckets_kept_days anyway. Called once per batch of whole days, so each call
    reads only that batch's events (by the seq and id indexes) and no bucket spans two calls.
    """
    from django.conf import settings
    from django.db import connection, transaction

    from detection.models import DetectionState

    with transaction.atomic():
        state, _ = DetectionState.objects.get_or_create(pk=1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(seq), 0) FROM audit_auditevent")
            audit_upto = cursor.fetchone()[0]
            cursor.execute("SELECT coalesce(max(id), 0) FROM audit_activityevent")
            activity_upto = cursor.fetchone()[0]
            cursor.execute("SELECT coalesce(max(id), 0) FROM accounts_loginevent")
            login_upto = cursor.fetchone()[0]
            cursor.execute(
                BACKFILL_SQL,
                {
                    "zone": settings.PLATFORM_TIME_ZONE,
                    "after_seq": state.last_audit_seq,
                    "upto_seq": audit_upto,
                    "after_activity": state.last_activity_id,
                    "upto_activity": activity_upto,
                },
            )
        state.last_audit_seq, state.last_activity_id, state.last_login_id = audit_upto, activity_upto, login_upto
        state.save()


BACKFILL_SQL = """
INSERT INTO detection_activityaggregate (
    subject_type, subject_id, organization_id, granularity, bucket_start, reveals, charged_reveals,
    denied_reveals, quota_denials, night_reveals, searches, views, search_results, paged_searches,
    off_target_reveals, unviewed_reveals, credited_backs, approvals, extra)
WITH events AS (
    SELECT actor_id, organization_id, created_at, action AS kind, NULL::integer AS results
    FROM audit_auditevent
    WHERE seq > %(after_seq)s AND seq <= %(upto_seq)s
      AND action IN ('reveal.granted', 'reveal.denied', 'reveal.credited_back')
    UNION ALL
    SELECT actor_id, organization_id, created_at, kind, result_count
    FROM audit_activityevent
    WHERE id > %(after_activity)s AND id <= %(upto_activity)s AND kind IN ('search', 'view')
), days AS (
    SELECT *, (date_trunc('day', created_at AT TIME ZONE %(zone)s) AT TIME ZONE %(zone)s) AS day FROM events
), subjects AS (
    SELECT 'recruiter' AS subject_type, actor_id::text AS subject_id, organization_id, day, kind, results
    FROM days WHERE actor_id IS NOT NULL
    UNION ALL
    SELECT 'organization', organization_id::text, organization_id, day, kind, results
    FROM days WHERE organization_id IS NOT NULL
)
SELECT subject_type, subject_id, max(organization_id), 'day', day,
       count(*) FILTER (WHERE kind = 'reveal.granted'), count(*) FILTER (WHERE kind = 'reveal.granted'),
       count(*) FILTER (WHERE kind = 'reveal.denied'), 0, 0,
       count(*) FILTER (WHERE kind = 'search'), count(*) FILTER (WHERE kind = 'view'),
       coalesce(sum(results) FILTER (WHERE kind = 'search'), 0), 0, 0, 0,
       count(*) FILTER (WHERE kind = 'reveal.credited_back'), 0, '{}'::jsonb
FROM subjects
GROUP BY subject_type, subject_id, day
ON CONFLICT (subject_type, subject_id, granularity, bucket_start) DO NOTHING
"""


def load_new_events(world: World, writer: ChainWriter, *, now: dt.datetime) -> float:
    """COPY the same 10k new events (the last hour, the harvesters among them) that the measured runs fold."""
    rng = random.Random(7)
    start = now - dt.timedelta(hours=1)
    events = harvest(world, rng, start=start, end=now)
    events = sorted(
        events + events_between(world, rng, start=start, end=now, count=NEW_EVENTS - len(events)),
        key=lambda event: event[1],
    )
    started = time.perf_counter()
    writer.copy(events)
    return time.perf_counter() - started


def vacuum_analyze() -> float:
    """VACUUM ANALYZE the database: the planner's statistics, and no autovacuum left to start during a measured run."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


def measure_run(*, now: dt.datetime, repeats: int, profile: bool, slowest_count: int = 0) -> dict:
    """Time `run_detectors` over the new events, each time rolled back; with `profile`, one more run under cProfile."""
    from django.db import connection, transaction

    from detection.models import AccountLink, ActivityAggregate, Flag
    from detection.services import run_detectors

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        (database_bytes,) = cursor.fetchone()
    sizes = {
        "aggregates": ActivityAggregate.objects.count(),
        "links": AccountLink.objects.count(),
        "flags before": Flag.objects.count(),
        "database bytes": database_bytes,
        "load average": " ".join(f"{value:.1f}" for value in os.getloadavg()),
    }
    seconds, statements, outcome, outcome_profile = [], [], {}, None
    database_seconds, cpu_seconds, slowest = [], [], []
    # The timed runs first; with `profile`, one more run under cProfile, not timed (it runs slower).
    for attempt in range(repeats + int(profile)):
        profiler = cProfile.Profile() if attempt == repeats else None
        try:
            counter = StatementCounter()
            with transaction.atomic(), connection.execute_wrapper(counter):
                started, cpu_started = time.perf_counter(), time.process_time()
                if profiler:
                    profiler.enable()
                run = run_detectors(now=now)
                if profiler:
                    profiler.disable()
                    outcome_profile = profiler
                    raise Rollback
                seconds.append(time.perf_counter() - started)
                cpu_seconds.append(time.process_time() - cpu_started)
                statements.append(counter.count)
                slowest = counter.slowest(slowest_count)
                database_seconds.append(sum(seconds for seconds, _sql in counter.timings))
                outcome = {"events read": run.events_read, "flags raised": run.flags_raised}
                raise Rollback
        except Rollback:
            pass
    sizes["load average after"] = " ".join(f"{value:.1f}" for value in os.getloadavg())
    return {
        "seconds": seconds,
        "statements": statements,
        "database seconds": database_seconds,
        "cpu seconds": cpu_seconds,
        "slowest": slowest,
        "profile": outcome_profile,
        **outcome,
        **sizes,
    }


# What a load leaves for a later `--reuse` run: its figures, in the scratch database itself.
LOAD_TABLE = "bench_detector_cost_load"


def load(size: int) -> dict:
    """A history of `size` events into a new database: population, history, new events, VACUUM ANALYZE, chain check."""
    from django.db import connection

    loadavg = os.getloadavg()[0]
    started = time.perf_counter()
    world = World()
    build_population(world)
    population_seconds = time.perf_counter() - started
    now = measured_moment()
    history = build_history(world, size=size, now=now, events_per_run=DEFAULTS["events_per_run"])
    writer = history.pop("writer")
    new_seconds = load_new_events(world, writer, now=now)
    vacuum_seconds = vacuum_analyze()
    started = time.perf_counter()
    chain = check_chain()
    check_seconds = time.perf_counter() - started
    figures = {
        **history,
        "size": size,
        "now": now.isoformat(),
        "population_seconds": population_seconds,
        "new_events_seconds": new_seconds,
        "vacuum_seconds": vacuum_seconds,
        "check_seconds": check_seconds,
        "chain": chain,
        "load average at start": f"{loadavg:.1f}",
        "load average at end": f"{os.getloadavg()[0]:.1f}",
    }
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {LOAD_TABLE} (figures jsonb NOT NULL)")
        cursor.execute(f"INSERT INTO {LOAD_TABLE} VALUES (%s)", [json.dumps(figures)])  # noqa: S608 (a constant)
    print(
        f"history {size:,}: population {population_seconds:.0f} s, COPY {history['copy_seconds']:.0f} s,"
        f" SQL backfill {history['backfill_seconds']:.0f} s, index builds {history['index_seconds']:.0f} s,"
        f" folded by runs {history['fold_seconds']:.0f} s, new events {new_seconds:.1f} s,"
        f" VACUUM ANALYZE {vacuum_seconds:.0f} s, chain check {check_seconds:.0f} s; {chain}",
        flush=True,
    )
    connection.close()  # the load's session settings (work_mem, no statement timeout) stay out of the measured runs
    return figures


def loaded_figures() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT figures FROM {LOAD_TABLE}")  # noqa: S608 (a constant)
        row = cursor.fetchone()
    figures = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    return figures


def profile_summary(profiler: cProfile.Profile) -> str:
    """Own time by where it is spent, then the functions of the detection app by cumulative time."""
    stats = pstats.Stats(profiler)
    groups = {
        "waiting on PostgreSQL (psycopg)": ("psycopg/",),
        "Django ORM: building queries, making model instances": ("django/db/models/",),
        "Django DB backend": ("django/db/backends/", "django/db/transaction"),
        "detection app": ("/detection/",),
        "audit app (chain hashing, JSON)": ("/audit/",),
    }
    totals: Counter = Counter()
    everything = 0.0
    for (filename, _line, _name), (_calls, _primitive, own, _cumulative, _callers) in stats.stats.items():
        everything += own
        label = next((label for label, markers in groups.items() if any(m in filename for m in markers)), "other")
        totals[label] += own
    lines = [f"  {seconds / everything:6.1%}  {label}" for label, seconds in totals.most_common()]
    top = io.StringIO()
    pstats.Stats(profiler, stream=top).sort_stats("cumulative").print_stats("detection/", 15)
    lines.append("  detection functions by cumulative time:")
    lines.extend(
        "    " + line.strip() for line in top.getvalue().splitlines() if line.strip() and line.strip()[0].isdigit()
    )
    return "\n".join(lines)


DEFAULTS = {"events_per_run": 15_000}


def use_database(size: int, *, base_url: str, fresh: bool) -> None:
    """Django on the history's own scratch database, DATABASE_URL's name + `_<size>`; new and migrated if `fresh`."""
    url = f"{base_url}_{size}"
    os.environ["DATABASE_URL"] = url
    from django.conf import settings

    if settings.configured:
        from django.db import connection

        connection.close()
        connection.settings_dict["NAME"] = url.rsplit("/", 1)[1]
    if fresh:
        setup_django()  # drops and creates the database, migrates
    else:
        sys.path.insert(0, str(PROJECT_ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        import django

        django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--histories", default="100000,1000000", help="history sizes, comma-separated")
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per history (default 3)")
    parser.add_argument(
        "--events-per-run",
        type=int,
        default=15_000,
        help="history events folded per history run (default 15000; settings allow 20000 a run)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the measured runs: where the time goes")
    parser.add_argument("--quick", action="store_true", help="histories of 20k and 200k events")
    parser.add_argument(
        "--slowest", type=int, default=0, metavar="N", help="print the N slowest statements of the last timed run"
    )
    parser.add_argument(
        "--interleave",
        action="store_true",
        help="one timed run per history in turn, --repeats rounds (load drifts alike for every history)",
    )
    phase = parser.add_mutually_exclusive_group()
    phase.add_argument(
        "--load-only", action="store_true", help="load each history into its database and stop (run it niced)"
    )
    phase.add_argument(
        "--reuse",
        action="store_true",
        help="measure only, on the databases a --load-only run left (run it under the bench lock)",
    )
    args = parser.parse_args()
    DEFAULTS["events_per_run"] = args.events_per_run
    sizes = [20_000, 200_000] if args.quick else [int(size) for size in args.histories.split(",")]
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the detector cost is measured on PostgreSQL (COPY): set DATABASE_URL")
    # Each history in its own scratch database (DATABASE_URL's name + _<size>), so a load can be measured later.
    results = {}
    for size in sizes:
        use_database(size, base_url=base_url, fresh=not args.reuse)
        results[size] = loaded_figures() if args.reuse else load(size)
        if not args.load_only and not args.interleave:
            now = dt.datetime.fromisoformat(results[size]["now"])
            results[size].update(
                measure_run(now=now, repeats=args.repeats, profile=args.profile, slowest_count=args.slowest)
            )
    if args.interleave and not args.load_only:
        for attempt in range(args.repeats + int(args.profile)):
            profile = attempt == args.repeats
            for size in sizes:
                use_database(size, base_url=base_url, fresh=False)
                now = dt.datetime.fromisoformat(results[size]["now"])
                run = measure_run(now=now, repeats=int(not profile), profile=profile, slowest_count=args.slowest)
                if profile:
                    results[size]["profile"] = run["profile"]
                    continue
                for key in ("seconds", "statements", "database seconds", "cpu seconds"):
                    run[key] = results[size].get(key, []) + run[key]
                if attempt:
                    run["load average"] = results[size]["load average"]
                results[size].update(run)
    from django.db import connection

    connection.close()
    if args.load_only:
        return
    print(
        f"\n{ORGANIZATIONS} organisations, {RECRUITERS} recruiters; history at {EVENTS_PER_DAY:,} events a day;"
        f" {NEW_EVENTS:,} new events in the last hour ({HARVESTERS} harvesting recruiters)"
    )
    print(
        f"{'history':>10} {'days':>5} {'runs':>5} {'COPY s':>7} {'SQL s':>6} {'index s':>7} {'fold s':>7}"
        f" {'aggregates':>10} {'links':>6} {'DB GB':>6} {'run ms (median)':>15} {'runs ms':>20} {'CPU ms':>7}"
        f" {'statements':>10}"
        f" {'flags':>5}  load average (before; after)"
    )
    for size, result in results.items():
        runs = " ".join(f"{value * 1000:.0f}" for value in result["seconds"])
        print(
            f"{size:>10,} {result['days']:>5} {result['runs']:>5} {result['copy_seconds']:>7.1f}"
            f" {result['backfill_seconds']:>6.1f} {result['index_seconds']:>7.1f} {result['fold_seconds']:>7.1f}"
            f" {result['aggregates']:>10,} {result['links']:>6,} {result['database bytes'] / 1e9:>6.2f}"
            f" {statistics.median(result['seconds']) * 1000:>15.0f}"
            f" {runs:>20} {statistics.median(result['cpu seconds']) * 1000:>7.0f}"
            f" {statistics.median(result['statements']):>10.0f} {result['flags raised']:>5}"
            f"  {result['load average']}; {result['load average after']}"
        )
    smallest, largest = min(results), max(results)
    ratio = statistics.median(results[largest]["seconds"]) / statistics.median(results[smallest]["seconds"])
    print(f"\nrun time, {largest:,} vs {smallest:,} events of history: {ratio:.2f}x   (goal <= 1.5x)")
    for label, key in (("the run's own CPU time", "cpu seconds"), ("time inside its statements", "database seconds")):
        other = statistics.median(results[largest][key]) / statistics.median(results[smallest][key])
        print(f"{label}, {largest:,} vs {smallest:,}: {other:.2f}x")
    for size, result in results.items():
        database = " ".join(f"{value * 1000:.0f}" for value in result["database seconds"])
        print(f"\n{size:,} events of history: time inside the statements, per run: {database} ms")
        if result["slowest"]:
            print("slowest statements of the last timed run:")
            print("\n".join(result["slowest"]))
    for size, result in results.items():
        if result["profile"] is not None:
            print(f"\nprofile of one more run (not timed) after {size:,} events of history:")
            print(profile_summary(result["profile"]))


if __name__ == "__main__":
    main()
