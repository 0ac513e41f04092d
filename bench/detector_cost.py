"""A detector run over 10k new events, after a history of 100k and of 1M events: does its cost follow the history?

For each history size, on a new scratch database: organisations with an open job,
seated recruiters and resumes (bulk inserts); then the history, loaded with COPY
(reveals granted, refused and credited back as chained audit events with their real
hashes, searches and masked views, recruiter logins) a working day at a time at a
fixed daily rate. The last 10 days are folded by `run_detectors` as beat would have
done, so the aggregates, account links and flags that detectors read (their windows
reach 8 days back; sybil links 30, and every recruiter's login is folded within the
10) are the engine's own; older days get their day buckets from one SQL backfill, so
a large history loads in minutes, not hours.
Then the same 10k new events (the last hour, two harvesting recruiters among
them) and one measured `run_detectors` over them, repeated inside a transaction
that is rolled back each time. Printed: load and fold times, the run's time
(median), its PostgreSQL statements, and the ratio of the largest to the smallest
history (goal <= 1.5).
"""

import argparse
import cProfile
import datetime as dt
import io
import pstats
import random
import statistics
import time
import uuid
from collections import Counter
from types import SimpleNamespace

from _setup import setup_django

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


class Rollback(Exception):
    """Leaves a measured run's transaction without a trace."""


class StatementCounter:
    """A database execute wrapper that counts statements (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


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


def copy_events(world: World, events: list, *, reveal_numbers) -> None:
    """COPY the events into the audit chain (hashed from the current head), the activity log and the login log."""
    from django.db import connection

    from audit.chain import event_hash
    from audit.models import AuditChainHead

    head = AuditChainHead.objects.get(pk=1)
    seq, prev_hash = head.seq, head.hash
    audit_rows, activity_rows, login_rows = [], [], []
    for kind, moment, recruiter, resume in events:
        organization = world.organization_of[recruiter]
        ip = world.ips[recruiter]
        if kind in ("granted", "denied", "credited"):
            seq += 1
            action, outcome, code, details = {
                "granted": (
                    "reveal.granted",
                    "granted",
                    "",
                    {"reveal_id": next(reveal_numbers), "kind": "relay", "charged": True, "free_because": ""},
                ),
                "denied": ("reveal.denied", "denied", "resume_unavailable", {}),
                "credited": ("reveal.credited_back", "", "", {"reason": "seeker_replied"}),
            }[kind]
            event = SimpleNamespace(
                seq=seq,
                prev_hash=prev_hash,
                created_at=moment,
                action=action,
                actor_id=recruiter if kind != "credited" else None,
                actor_role="recruiter" if kind != "credited" else "",
                organization_id=organization,
                target_type="resume",
                target_id=str(resume),
                job_id=organization,
                outcome=outcome,
                code=code,
                ip=ip,
                user_agent="hw-bench/1.0",
                details=details,
            )
            event.hash = event_hash(event)
            prev_hash = event.hash
            audit_rows.append([getattr(event, column) for column in AUDIT_COLUMNS])
        elif kind in ("view", "search"):
            activity_rows.append(
                (kind, recruiter, organization, resume, "{}", 25 if kind == "search" else None, ip, "", moment)
            )
        else:
            login_rows.append((recruiter, "", True, "", "api", ip, "hw-bench/1.0", world.devices[recruiter], moment))
    raw = connection.connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY audit_auditevent ({', '.join(AUDIT_COLUMNS)}) FROM STDIN") as copy:
            for row in audit_rows:
                row[-1] = _json(row[-1])
                copy.write_row(row)
        with cursor.copy(
            "COPY audit_activityevent (kind, actor_id, organization_id, resume_id, filters, result_count, ip, route,"
            " created_at) FROM STDIN"
        ) as copy:
            for row in activity_rows:
                copy.write_row(row)
        with cursor.copy(
            "COPY accounts_loginevent (user_id, attempted_email_index, success, failure_reason, channel, ip,"
            " user_agent, device_id, created_at) FROM STDIN"
        ) as copy:
            for row in login_rows:
                copy.write_row(row)
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev_hash)


def _json(value) -> str:
    import json

    return json.dumps(value, sort_keys=True)


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
    """`size` events over the working days before `now`'s day, COPYed a day at a time.

    The last FOLDED_DAYS days are folded by `run_detectors` after every `events_per_run` or so
    (beat runs it every five minutes; folding several days per run builds the same aggregates
    in fewer runs). Older days, which no detector window reaches, get their day buckets from
    one SQL backfill instead, and the watermark is moved past them: the tables hold the whole
    history, at a fraction of the time.
    """
    from django.db import transaction
    from tqdm import tqdm

    from detection.services import run_detectors

    rng = random.Random(size)
    days = max(1, round(size / EVENTS_PER_DAY))
    today = now.date()
    reveal_numbers = iter(range(1, 10**9))
    copy_seconds = fold_seconds = backfill_seconds = 0.0
    left, pending, runs = size, 0, 0
    with tqdm(total=size, desc=f"history {size:,}", unit="event", unit_scale=True) as progress:
        for back in range(days, 0, -1):
            start, end = working_day(today - dt.timedelta(days=back))
            count = left // back
            left -= count
            started = time.perf_counter()
            with transaction.atomic():
                events = events_between(world, rng, start=start, end=end, count=count)
                copy_events(world, events, reveal_numbers=reveal_numbers)
            copy_seconds += time.perf_counter() - started
            progress.update(count)
            if back > FOLDED_DAYS:
                if back == FOLDED_DAYS + 1:
                    started = time.perf_counter()
                    backfill_day_buckets()
                    backfill_seconds += time.perf_counter() - started
                continue
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
        "reveal_numbers": reveal_numbers,
    }


def backfill_day_buckets() -> None:
    """Day buckets of every event not folded yet, by SQL, and the watermark moved past them.

    Counts of reveals, charged reveals, refusals, credited backs, searches, views and search
    results as folding makes them; off-target and unviewed counts and the `extra` details stay
    empty (only recent buckets are read for them). Hour buckets are not made: runs prune them
    after hour_buckets_kept_days anyway.
    """
    from django.conf import settings
    from django.db import connection

    from detection.models import DetectionState

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


def measure_run(world: World, *, now: dt.datetime, reveal_numbers, repeats: int, profile: bool) -> dict:
    """COPY the same 10k new events, then time `run_detectors` over them, each time rolled back."""
    from django.db import connection, transaction

    from detection.models import AccountLink, ActivityAggregate, Flag
    from detection.services import run_detectors

    rng = random.Random(7)
    start = now - dt.timedelta(hours=1)
    events = harvest(world, rng, start=start, end=now)
    events = sorted(
        events + events_between(world, rng, start=start, end=now, count=NEW_EVENTS - len(events)),
        key=lambda event: event[1],
    )
    with transaction.atomic():
        copy_events(world, events, reveal_numbers=reveal_numbers)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    sizes = {
        "aggregates": ActivityAggregate.objects.count(),
        "links": AccountLink.objects.count(),
        "flags before": Flag.objects.count(),
    }
    seconds, statements, outcome, outcome_profile = [], [], {}, None
    # The timed runs first; with `profile`, one more run under cProfile, not timed (it runs slower).
    for attempt in range(repeats + int(profile)):
        profiler = cProfile.Profile() if attempt == repeats else None
        try:
            counter = StatementCounter()
            with transaction.atomic(), connection.execute_wrapper(counter):
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                run = run_detectors(now=now)
                if profiler:
                    profiler.disable()
                    outcome_profile = profiler
                    raise Rollback
                seconds.append(time.perf_counter() - started)
                statements.append(counter.count)
                outcome = {"events read": run.events_read, "flags raised": run.flags_raised}
                raise Rollback
        except Rollback:
            pass
    return {"seconds": seconds, "statements": statements, "profile": outcome_profile, **outcome, **sizes}


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
    args = parser.parse_args()
    sizes = [20_000, 200_000] if args.quick else [int(size) for size in args.histories.split(",")]
    results = {}
    for size in sizes:
        setup_django()  # a new database for each history
        from django.db import connection

        if connection.vendor != "postgresql":
            raise SystemExit("the detector cost is measured on PostgreSQL (COPY): set DATABASE_URL")
        world = World()
        build_population(world)
        now = measured_moment()
        history = build_history(world, size=size, now=now, events_per_run=args.events_per_run)
        measured = measure_run(
            world, now=now, reveal_numbers=history["reveal_numbers"], repeats=args.repeats, profile=args.profile
        )
        results[size] = {**history, **measured}
        connection.close()
    print(
        f"\n{ORGANIZATIONS} organisations, {RECRUITERS} recruiters; history at {EVENTS_PER_DAY:,} events a day;"
        f" {NEW_EVENTS:,} new events in the last hour ({HARVESTERS} harvesting recruiters)"
    )
    print(
        f"{'history':>10} {'days':>5} {'runs':>5} {'COPY s':>7} {'SQL s':>6} {'fold s':>7} {'aggregates':>10}"
        f" {'links':>6} {'run ms (median)':>15} {'runs ms':>20} {'statements':>10} {'flags':>5}"
    )
    for size, result in results.items():
        runs = " ".join(f"{value * 1000:.0f}" for value in result["seconds"])
        print(
            f"{size:>10,} {result['days']:>5} {result['runs']:>5} {result['copy_seconds']:>7.1f}"
            f" {result['backfill_seconds']:>6.1f}"
            f" {result['fold_seconds']:>7.1f}"
            f" {result['aggregates']:>10,} {result['links']:>6,} {statistics.median(result['seconds']) * 1000:>15.0f}"
            f" {runs:>20} {statistics.median(result['statements']):>10.0f} {result['flags raised']:>5}"
        )
    smallest, largest = min(results), max(results)
    ratio = statistics.median(results[largest]["seconds"]) / statistics.median(results[smallest]["seconds"])
    print(f"\nrun time, {largest:,} vs {smallest:,} events of history: {ratio:.2f}x   (goal <= 1.5x)")
    for size, result in results.items():
        if result["profile"] is not None:
            print(f"\nprofile of one more run (not timed) after {size:,} events of history:")
            print(profile_summary(result["profile"]))


if __name__ == "__main__":
    main()
