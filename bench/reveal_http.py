"""Reveals over HTTP under gunicorn (production settings, PostgreSQL, Redis), against GET organizations/me.

Builds N verified organisations (one open job each), recruiters seated over them
and seekers with resumes, by bulk inserts on a new scratch database. Counts the
PostgreSQL statements and Redis round trips of one charged reveal in-process (the
full stack: middleware, token authentication, rate limits, the view). Then starts
gunicorn (deploy/gunicorn.conf.py, sync workers) on a free port and drives it from
client threads in rounds, each kind in turn for the same time:

- `me`:      GET /api/v1/organizations/me, recruiters of every organisation;
- `spread`:  POST /api/v1/resumes/{id}/reveal, recruiters of every organisation in turn;
- `one-org`: the same, all from the recruiters of one organisation.

Every reveal is of a resume its organisation has not revealed before, so every
one is charged. Printed: req/s per kind, p50/p95, the ratios spread/me and
one-org/spread, and a check after the run: the audit chain verifies, quota used
equals the charged reveals of each organisation and recruiter, one reveal.granted
event per reveal. Settings: config.settings.production with throwaway secrets and
bench/production_settings.py's quotas (no refusal during a run); rate limits raised
by environment variables so that they count but never refuse; mail to the dummy backend.
"""

import argparse
import cProfile
import functools
import http.client
import io
import itertools
import json
import os
import pstats
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager, nullcontext
from pathlib import Path

from _setup import PROJECT_ROOT, percentile, setup_django

BENCH_DIR = Path(__file__).resolve().parent
KINDS = ("me", "spread", "one-org")
CITIES = ("Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Chengdu")
HEADLINES = ("高级Python工程师", "Java后端开发", "数据分析师", "Senior Go engineer", "Product manager", "UI设计师")
SKILLS = (["Python", "Django"], ["Java", "Spring"], ["SQL", "Excel"], ["Go", "Kubernetes"], ["Figma"])
# High enough that the limiter is on every request's path but never refuses.
UNLIMITED_RATE = "1000000/m"


def production_environment(*, workdir: Path) -> dict[str, str]:
    """What an operator's hirewall.env holds, with fresh throwaway secrets and the run's own paths."""
    sys.path.insert(0, str(PROJECT_ROOT))
    from accounts.management.commands.print_production_secrets import generate_production_secrets

    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        sys.exit("REDIS_URL must name a Redis database you own: production settings need Redis")
    static_root = workdir / "static"
    static_root.mkdir()
    environment = {
        **generate_production_secrets(),
        "DJANGO_SETTINGS_MODULE": "production_settings",
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), str(BENCH_DIR)]),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # As behind deploy/nginx: TLS ended by the proxy, which names the client in X-Real-IP.
        "DJANGO_SECURE_PROXY_SSL_HEADER": "True",
        "CLIENT_IP_META_KEY": "HTTP_X_REAL_IP",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_STATIC_ROOT": str(static_root),
        "PRIVATE_MEDIA_ROOT": str(workdir / "private_media"),
        "AUDIT_DIGEST_FILE": str(workdir / "audit-digests.log"),
        "ERASURE_LEDGER_FILE": str(workdir / "erasure-ledger.log"),
        # Rate-limit counters of this run only; they expire by themselves.
        "CACHE_KEY_PREFIX": f"{os.environ.get('CACHE_KEY_PREFIX', 'hw-bench')}-http-{os.getpid()}",
    }
    for name in ("RATELIMIT_REVEAL_PER_USER", "RATELIMIT_REVEAL_PER_IP"):
        environment[name] = UNLIMITED_RATE
    return environment


# Data


def build_data(*, organizations: int, recruiters: int, resumes: int, batch: int = 1000) -> dict:
    """Bulk inserts: verified organisations with an open job, seated recruiters with tokens, seekers with resumes."""
    from datetime import timedelta

    from django.utils import timezone
    from knox.models import AuthToken
    from production_settings import BENCH_QUOTA
    from tqdm import tqdm

    from accounts.models import User
    from employers.categories import JobCategory
    from employers.models import JobPosting, Organization, OrganizationStatus, Seat, SeatRole
    from resumes.models import Resume, Visibility
    from tests.employers.factories import uscc_for

    now = timezone.now()
    rng = random.Random(13)
    orgs = Organization.objects.bulk_create(
        Organization(
            legal_name=f"Bench Company {number} Ltd",
            uscc=uscc_for(700_000 + number),
            city=CITIES[number % len(CITIES)],
            plan="member",
            status=OrganizationStatus.VERIFIED,
            verified_at=now,
            reverify_due=now + timedelta(days=183),
            recruiter_daily_limit=BENCH_QUOTA,
            org_daily_limit=BENCH_QUOTA,
            org_monthly_limit=BENCH_QUOTA,
        )
        for number in range(organizations)
    )
    jobs = JobPosting.objects.bulk_create(
        JobPosting(
            organization=org,
            title="Backend engineer",
            description="Build and run Django services.",
            city=org.city,
            category=JobCategory.SOFTWARE_ENGINEERING,
        )
        for org in orgs
    )
    people = []
    for number in range(recruiters):
        user = User(role="recruiter")
        user.set_email(f"bench.recruiter{number}@example.test")
        user.set_full_name(f"Bench Recruiter {number}")
        user.set_unusable_password()
        people.append(user)
    User.objects.bulk_create(people, batch_size=batch)
    Seat.objects.bulk_create(
        Seat(organization=orgs[number % organizations], user=user, role=SeatRole.RECRUITER)
        for number, user in enumerate(people)
    )
    tokens = {}
    for number, user in enumerate(tqdm(people, desc="tokens", unit="token")):
        tokens[user.pk] = (AuthToken.objects.create(user=user)[1], orgs[number % organizations].pk)
    resume_ids = []
    with tqdm(total=resumes, desc="resumes", unit="resume") as progress:
        for start in range(0, resumes, batch):
            seekers, rows = [], []
            for number in range(start, min(resumes, start + batch)):
                seeker = User(role="seeker")
                seeker.set_email(f"bench.seeker{number}@example.test")
                seeker.set_full_name(f"Benchseeker{number} 压测{number}")
                seeker.set_unusable_password()
                seekers.append(seeker)
                resume = Resume(
                    seeker=seeker,
                    headline=f"{rng.choice(HEADLINES)} {rng.randint(1, 99)}",
                    summary="Builds Django services; 后端开发工程师。",
                    skills=rng.choice(SKILLS),
                    city=rng.choice(CITIES),
                    category=JobCategory.SOFTWARE_ENGINEERING,
                    years_experience=rng.randint(0, 20),
                    visibility=Visibility.PUBLIC,
                )
                resume.set_contact_details(
                    full_name=f"Benchseeker{number} 压测{number}",
                    phone_e164=f"+86139{number:08d}",
                    email=f"bench.seeker{number}@example.test",
                    birth_date="1990-05-17",
                    address="上海市徐汇区",
                )
                rows.append(resume)
            User.objects.bulk_create(seekers)
            Resume.objects.bulk_create(rows)
            resume_ids.extend(str(row.pk) for row in rows)
            progress.update(len(rows))
    return {
        "organizations": [org.pk for org in orgs],
        "jobs": {job.organization_id: job.pk for job in jobs},
        "tokens": tokens,  # user id -> (token, organisation id)
        "resumes": resume_ids,
    }


def build_history(data: dict, *, reserved: set[str], per_organization: int, batch: int = 2000) -> int:
    """A platform that has been running: past charged reveals with their relay contacts and quota counters,
    applications, blocks, contact requests and direct grants, dated over the last year.

    Without it the run begins on empty tables, analyzed empty: PostgreSQL plans the reveal's statements once
    per connection from those statistics (seq scans of tables it believes hold a row or two), and with
    autovacuum off, or slower than the run, every reveal then reads all the reveals and relay contacts written
    so far (BENCHMARKS.md, "Statistics of a running platform"). Each organisation's past reveals are of the
    resumes at the end of its walk (RevealPlan), which a run reaches only after every fresh one (the plan then
    counts re-reveals); the quota counters, by the platform's day and month, add up to them, so the check after
    the run still holds. The past relay contacts are still active, each holding its own slot of the pool.
    """
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone
    from tqdm import tqdm

    from accounts.models import User
    from employers import quota
    from employers.models import Application, Organization, QuotaCounter
    from resumes import relay_pool
    from resumes.models import (
        BlockedOrganization,
        ContactRequest,
        ContactRequestStatus,
        DirectContactGrant,
        RelayContact,
        Resume,
        Reveal,
        RevealKind,
    )

    now = timezone.now()
    rng = random.Random(17)
    pool = relay_pool.pool_size()
    walks = RevealPlan(data, reserved=reserved).resumes_in_walk()  # organisations with a recruiter only
    wanted = sum(min(per_organization, len(walk)) for walk in walks.values())
    if wanted > pool.capacity * settings.RELAY_POOL_WARNING_SHARE / 2:
        sys.exit(f"--history: {wanted} past relay contacts would hold over half the pool's warning share")
    recruiters_of: dict[int, list] = {}
    for user_id, (_, org_id) in data["tokens"].items():
        recruiters_of.setdefault(org_id, []).append(user_id)
    seeker_of = {str(pk): seeker for pk, seeker in Resume.objects.values_list("pk", "seeker_id")}
    organizations = Organization.objects.in_bulk(list(walks))
    counters: Counter = Counter()
    reveals, relays, applications, blocks, requests, grants = [], [], [], [], [], []
    for org_id, walk in walks.items():
        job_id = data["jobs"][org_id]
        for number, resume_id in enumerate(walk[len(walk) - min(per_organization, len(walk)) :]):
            when = now - timedelta(days=rng.randint(2, 365), seconds=rng.randint(0, 86_399))
            recruiter_id = recruiters_of[org_id][number % len(recruiters_of[org_id])]
            slot = len(relays)  # each its own number and extension: they are all still held
            relay = RelayContact(
                resume_id=resume_id,
                organization_id=org_id,
                email_alias=f"past-{org_id}-{number}@{settings.RELAY_EMAIL_DOMAIN}",
                phone_number=pool.numbers[slot % len(pool.numbers)],
                phone_extension=pool.extension(slot // len(pool.numbers)),
                created_at=when,
            )
            relays.append(relay)
            reveals.append(
                Reveal(
                    resume_id=resume_id,
                    resume_ref=resume_id,
                    organization_id=org_id,
                    recruiter_id=recruiter_id,
                    job_id=job_id,
                    relay_contact=relay,
                    kind=RevealKind.RELAY,
                    charged=True,
                    created_at=when,
                )
            )
            # The counters a reveal then took from, by quota's own subjects and platform periods.
            for limit in quota.limits_for(
                recruiter=User(pk=recruiter_id), organization=organizations[org_id], now=when
            ):
                counters[(limit.name, limit.subject, limit.period)] += 1
            # Some seekers applied, a few blocked the organisation, asked to be asked, or gave their details.
            if number % 5 == 0:
                applications.append(
                    Application(job_id=job_id, seeker_id=seeker_of[resume_id], resume_id=resume_id, created_at=when)
                )
            if number % 50 == 1:
                blocks.append(BlockedOrganization(resume_id=resume_id, organization_id=org_id, created_at=when))
            if number % 20 == 2:
                requests.append(
                    ContactRequest(
                        resume_id=resume_id,
                        organization_id=org_id,
                        job_id=job_id,
                        requested_by_id=recruiter_id,
                        status=ContactRequestStatus.DECLINED,
                        created_at=when,
                        expires_at=when + timedelta(days=14),
                        decided_at=when,
                    )
                )
            if number % 25 == 3:
                grants.append(DirectContactGrant(resume_id=resume_id, organization_id=org_id, created_at=when))
    # In this order: a reveal names its relay contact, which bulk_create has given its id by then.
    for rows in tqdm((relays, reveals, applications, blocks, requests, grants), desc="history", unit="table"):
        if rows:
            type(rows[0]).objects.bulk_create(rows, batch_size=batch)
    QuotaCounter.objects.bulk_create(
        (QuotaCounter(limit_name=name, subject=subject, period=period, used=used)
         for (name, subject, period), used in counters.items()),
        batch_size=batch,
    )  # fmt: skip
    return len(reveals)


class RevealPlan:
    """Hands out (token, resume, job) so that no organisation reveals a resume twice: every reveal is charged."""

    def __init__(self, data: dict, *, reserved: set[str], history: int = 0) -> None:
        self.lock = threading.Lock()
        self.jobs = data["jobs"]
        self.tokens_of: dict[int, itertools.cycle] = {}
        by_org: dict[int, list[str]] = {}
        for token, org_id in data["tokens"].values():
            by_org.setdefault(org_id, []).append(token)
        self.organizations = [org_id for org_id in data["organizations"] if org_id in by_org]
        self.tokens_of = {org_id: itertools.cycle(tokens) for org_id, tokens in by_org.items()}
        resumes = [resume for resume in data["resumes"] if resume not in reserved]
        self.resumes_of: dict[int, itertools.cycle] = {}
        self.left: Counter = Counter()
        self.walks = {}
        for index, org_id in enumerate(self.organizations):
            # Each organisation walks the resumes from its own offset.
            offset = (index * len(resumes)) // max(1, len(self.organizations))
            self.walks[org_id] = resumes[offset:] + resumes[:offset]
            self.resumes_of[org_id] = itertools.cycle(self.walks[org_id])
            self.left[org_id] = len(resumes) - min(history, len(resumes))  # the end of the walk: past reveals
        self.spread_turn = itertools.cycle(self.organizations)
        self.one_org = self.organizations[0]
        self.exhausted = 0  # reveals past an organisation's fresh resumes: re-reveals, free

    def resumes_in_walk(self) -> dict[int, list[str]]:
        """Each organisation's resumes in the order it reveals them."""
        return self.walks

    def me(self) -> str:
        with self.lock:
            return next(self.tokens_of[next(self.spread_turn)])

    def reveal(self, *, one_org: bool) -> tuple[str, str, int]:
        with self.lock:
            org_id = self.one_org if one_org else next(self.spread_turn)
            if self.left[org_id] == 0:
                self.exhausted += 1
            else:
                self.left[org_id] -= 1
            return next(self.tokens_of[org_id]), next(self.resumes_of[org_id]), self.jobs[org_id]


# In-process: statements per request, and where the time goes


class RedisRoundTrips:
    """Counts Redis round trips made through redis-py: one per command, one per pipeline or script call."""

    def __init__(self) -> None:
        import redis.client

        self.module = redis.client
        self.count = 0

    def __enter__(self):
        self.originals = (self.module.Redis.execute_command, self.module.Pipeline.execute)
        command, pipeline = self.originals
        counter = self

        def counted_command(client, *args, **options):
            if not isinstance(client, counter.module.Pipeline):
                counter.count += 1
            return command(client, *args, **options)

        def counted_pipeline(client, *args, **options):
            counter.count += 1
            return pipeline(client, *args, **options)

        self.module.Redis.execute_command = counted_command
        self.module.Pipeline.execute = counted_pipeline
        return self

    def __exit__(self, *exc):
        self.module.Redis.execute_command, self.module.Pipeline.execute = self.originals


def in_process_client():
    from django.test import Client

    return Client(SERVER_NAME="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", HTTP_X_REAL_IP="198.51.100.9")


def count_statements(*, token: str, job_id: int, resumes: list[str]) -> dict:
    """PostgreSQL statements and Redis round trips of GET organizations/me and of one charged reveal (in-process)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = in_process_client()
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    body = json.dumps({"job_id": job_id})
    warm = client.post(f"/api/v1/resumes/{resumes[0]}/reveal", body, content_type="application/json", **auth)
    assert warm.status_code == 200, warm.content
    client.get("/api/v1/organizations/me", **auth)
    measured = {}
    for label, call in (
        ("me", lambda: client.get("/api/v1/organizations/me", **auth)),
        (
            "reveal",
            lambda: client.post(f"/api/v1/resumes/{resumes[1]}/reveal", body, content_type="application/json", **auth),
        ),
    ):
        with CaptureQueriesContext(connection) as queries, RedisRoundTrips() as redis_calls:
            response = call()
        assert response.status_code == 200, response.content
        if label == "reveal":
            assert response.json()["charged"] is True, response.content
        measured[label] = {"statements": len(queries), "redis": redis_calls.count, "sql": [q["sql"] for q in queries]}
    return measured


def profile_reveals(*, token: str, job_id: int, resumes: list[str]) -> str:
    """cProfile over in-process charged reveals: own time grouped by where it is spent."""
    client = in_process_client()
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    body = json.dumps({"job_id": job_id})
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for resume in resumes:
        client.post(f"/api/v1/resumes/{resume}/reveal", body, content_type="application/json", **auth)
    profiler.disable()
    elapsed = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    groups = {
        "waiting on PostgreSQL (psycopg execute/commit)": ("psycopg/",),
        "Django ORM: building and compiling queries": ("django/db/models/",),
        "Django DB backend (cursor wrappers, transactions)": ("django/db/backends/", "django/db/transaction"),
        "Redis (rate limits)": ("redis/",),
        "encryption and hashing (cryptography, hashlib)": ("cryptography/", "hashlib", "{built-in method _hashlib"),
        "DRF, knox and Django request handling": ("rest_framework/", "knox/", "django/core/", "django/middleware/"),
        "Hirewall code": tuple(f"{PROJECT_ROOT}/{app}/" for app in ("resumes", "employers", "audit", "accounts")),
    }
    totals: Counter = Counter()
    all_time = 0.0
    for (filename, _line, name), (_calls, _primitive, own, _cumulative, _callers) in stats.stats.items():
        all_time += own
        where = f"{filename} {name}"
        for label, markers in groups.items():
            if any(marker in where for marker in markers):
                totals[label] += own
                break
        else:
            totals["other (Python, json, logging, ...)"] += own
    lines = [f"profile: {len(resumes)} in-process charged reveals, {elapsed / len(resumes) * 1000:.1f} ms each"]
    for label, seconds in totals.most_common():
        lines.append(f"  {seconds / all_time:6.1%}  {label}")
    top = io.StringIO()
    pstats.Stats(profiler, stream=top).sort_stats("tottime").print_stats(12)
    lines.append("  top functions by own time:")
    lines.extend(
        "    " + line.strip() for line in top.getvalue().splitlines() if line.strip() and line.strip()[0].isdigit()
    )
    project = io.StringIO()
    pattern = f"{PROJECT_ROOT}/(resumes|employers|audit|accounts|config)/"
    pstats.Stats(profiler, stream=project).sort_stats("cumulative").print_stats(pattern, 12)
    lines.append("  Hirewall functions by cumulative time:")
    lines.extend(
        "    " + line.strip() for line in project.getvalue().splitlines() if line.strip() and line.strip()[0].isdigit()
    )
    return "\n".join(lines)


def cpu_seconds_of(pid: int) -> float:
    """A process's CPU time so far, to the nanosecond: Linux's CPU clock of that process, whose id glibc's
    clock_getcpuclockid() builds this way. /proc's counts are in 10 ms ticks, too coarse for one request."""
    return time.clock_gettime(((~pid) << 3) | 2)


def cpu_in_process(
    *, token: str, job_id: int, resumes: list[str], block: int = 50, steps: tuple[Counter, Counter] | None = None
) -> dict[str, Counter]:
    """CPU per request of `me` and of a charged reveal, in-process and one request at a time.

    Counted in this process (Django, its middleware and the test client), its PostgreSQL backend and
    Redis, in alternating blocks of `block` requests of each kind. Nothing else competes for a core
    and no HTTP server or client is in the count, so the figures move far less from run to run than
    the load's; they are the application's own cost of each kind, not the goal's throughput ratio.
    """
    import psycopg
    from django.core.cache import cache
    from django.db import connection

    client = in_process_client()
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    body = json.dumps({"job_id": job_id})
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    pids = {
        "django": os.getpid(),
        "postgres": backend,
        "redis": int(cache._cache.get_client(write=True).info("server")["process_id"]),
    }
    calls = {
        "me": lambda _resume: client.get("/api/v1/organizations/me", **auth),
        "reveal": lambda resume: client.post(
            f"/api/v1/resumes/{resume}/reveal", body, content_type="application/json", **auth
        ),
    }
    spent: dict[str, Counter] = {kind: Counter() for kind in calls}
    # The WAL each kind writes, read on a connection of its own (reading the position writes none).
    with (
        psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as observer,
        timed_steps(*steps) if steps else nullcontext(),
    ):
        _alternate_blocks(calls, spent, pids=pids, resumes=resumes, block=block, observer=observer)
    return spent


def _alternate_blocks(
    calls: dict, spent: dict[str, Counter], *, pids: dict[str, int], resumes: list[str], block: int, observer
):
    def wal_position() -> int:
        return observer.execute("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn").fetchone()[0]

    for start in range(0, len(resumes), block):
        chunk = resumes[start : start + block]
        for kind, call in calls.items():
            before = {name: cpu_seconds_of(pid) for name, pid in pids.items()}
            wal_before = wal_position()
            for resume in chunk:
                response = call(resume)
                assert response.status_code == 200, response.content
            for name, pid in pids.items():
                spent[kind][name] += cpu_seconds_of(pid) - before[name]
            spent[kind]["wal bytes"] += int(wal_position() - wal_before)
            spent[kind]["requests"] += len(chunk)


# The steps --cpu-steps times, as (module, attribute) where their callers look them up: a function imported
# by name is replaced in the importing module. Nested steps count inside their callers too.
STEPS = (
    ("resumes.api.views", "RevealApi.post"),
    ("config.api.authentication", "TokenAuthentication.authenticate_credentials"),
    ("employers.api.views", "OrganizationMeApi.get"),
    ("resumes.api.views", "enforce_rate_limits"),
    ("resumes.services.reveal", "_decide"),
    ("resumes.services.reveal", "_grant"),
    ("resumes.services.reveal", "_write_charged_reveal"),
    ("employers.quota", "take"),
    ("resumes.services.reveal", "relay_contact_for"),
    ("resumes.services.reveal", "_tell_seeker"),
    ("resumes.services.reveal", "record_event"),
    ("resumes.services.reveal", "_contact"),
    ("outbox.services", "_after_commit"),
    ("resumes.api.views", "RevealApi.RevealInputSerializer.is_valid"),
    ("resumes.api.views", "client_ip"),
    ("resumes.api.views", "user_agent"),
    ("resumes.api.views", "REVEAL_OUTPUT.to_representation"),
    ("resumes.services.reveal", "_read_policy"),
    ("resumes.services.reveal", "quota.take_statement"),
    ("resumes.services.reveal", "relay_issue_call"),
    ("resumes.services.reveal", "rows_with_message"),
    ("resumes.services.reveal", "append_after_row"),
    ("resumes.services.reveal", "_seeker_notice"),
    ("resumes.services.reveal", "_decrypted_contact"),
)


@contextmanager
def timed_steps(spent: Counter, calls: Counter):
    """Replace each of STEPS with a wrapper that adds its thread CPU time and wall time per call; undone on exit."""
    import importlib

    undo = []
    for module_name, attribute in STEPS:
        owner = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)

        def timed(*args, _original=original, _label=attribute, **kwargs):
            cpu, wall = time.thread_time(), time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.thread_time() - cpu
                spent[_label + " wall"] += time.perf_counter() - wall
                calls[_label] += 1

        setattr(owner, name, functools.wraps(original)(timed))
        undo.append((owner, name, original))
    try:
        yield
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


def round_trip_costs(repeat: int = 2000) -> list[str]:
    """The client's CPU for one bare round trip, for scale: PostgreSQL by Django's cursor, Redis by the cache client."""
    from django.core.cache import cache
    from django.db import connection

    def select_one():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    client = cache._cache.get_client(write=True)
    lines = []
    for label, call in (("PostgreSQL SELECT 1", select_one), ("Redis PING", client.ping)):
        for _ in range(100):
            call()
        cpu, wall = time.thread_time(), time.perf_counter()
        for _ in range(repeat):
            call()
        cpu, wall = (time.thread_time() - cpu) / repeat, (time.perf_counter() - wall) / repeat
        lines.append(f"  a bare round trip, {label:<20} {cpu * 1e6:7.0f} µs CPU here, {wall * 1e6:7.0f} µs wall")
    return lines


def step_lines(spent: Counter, calls: Counter) -> list[str]:
    lines = [
        f"  {'step':<48} {'calls':>6} {'CPU µs':>8} {'wall µs':>8}   (per call; CPU: this thread, kernel included)"
    ]
    for _, label in STEPS:
        if calls[label]:
            n = calls[label]
            lines.append(
                f"  {label:<48} {n:>6} {spent[label] / n * 1e6:>8.0f} {spent[label + ' wall'] / n * 1e6:>8.0f}"
            )
    return lines


def cpu_lines(spent: dict[str, Counter]) -> list[str]:
    per_request = {}
    lines = []
    for kind, counts in spent.items():
        requests = counts["requests"]
        parts = {name: counts[name] * 1000 / requests for name in ("django", "postgres", "redis")}
        per_request[kind] = sum(parts.values())
        split = ", ".join(f"{name} {ms:.2f}" for name, ms in parts.items())
        wal = counts["wal bytes"] / requests / 1024
        lines.append(f"  {kind:<7} {per_request[kind]:.2f} ms ({split}), WAL {wal:.1f} kB, over {requests} requests")
    lines.append(f"  me / reveal: {per_request['me'] / per_request['reveal']:.2f}")
    return lines


# gunicorn and the load


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(*, environment: dict, port: int, workers: int, workdir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        **environment,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_ACCESS_LOG": str(workdir / "access.log"),
        "GUNICORN_ERROR_LOG": str(workdir / "error.log"),
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(  # noqa: S603 - a fixed command line: this virtualenv's gunicorn, our config
        [str(gunicorn), "-c", str(PROJECT_ROOT / "deploy" / "gunicorn.conf.py"), "config.wsgi"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}; see {workdir / 'error.log'}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            if connection.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.5)
    stop_gunicorn(process)
    sys.exit(f"gunicorn did not answer /healthz within 60 s; see {workdir / 'error.log'}")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class LockSampler(threading.Thread):
    """Samples pg_stat_activity of the benchmark's database: backends in a transaction, and those waiting on a lock.

    What a waiting backend waits for: the table of the row it waits for (its tuple lock: the chain
    head, a quota counter, a resume row), or else what its query names. Active backends waiting on anything
    but a lock (a buffer's LWLock, the WAL flush, ...) are counted by wait event.
    """

    def __init__(self, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.stop = threading.Event()
        self.kind = ""
        self.busy: Counter = Counter()
        self.waiting: dict[str, Counter] = {kind: Counter() for kind in KINDS}
        self.other_waits: dict[str, Counter] = {kind: Counter() for kind in KINDS}

    def run(self) -> None:
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
            while not self.stop.is_set():
                rows = connection.execute(
                    "SELECT a.state, a.wait_event_type, a.wait_event, lower(a.query),"
                    # A backend waiting for a row holds (or waits for) that row's tuple lock: its table.
                    " (SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                    "  WHERE l.pid = a.pid AND l.locktype = 'tuple' LIMIT 1)"
                    " FROM pg_stat_activity a"
                    " WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
                    " AND a.backend_type = 'client backend' AND a.state <> 'idle'"
                ).fetchall()
                kind = self.kind
                if kind:
                    self.busy[kind] += len(rows)
                    for state, wait_type, wait_event, query, table in rows:
                        if wait_type == "Lock":
                            self.waiting[kind][_lock_target(query, table)] += 1
                        elif wait_type in ("LWLock", "IO", "IPC") and state == "active":
                            # Not a row lock: a buffer's or an SLRU's latch (a hot row's page, MultiXacts), I/O.
                            self.other_waits[kind][f"{wait_type}:{wait_event}"] += 1
                time.sleep(self.interval)

    def shares(self, kind: str) -> str:
        busy = self.busy[kind]
        if not busy:
            return "no samples"
        waits = self.waiting[kind]
        detail = ", ".join(f"{target} {n / busy:.1%}" for target, n in waits.most_common())
        others = self.other_waits[kind]
        other = ", ".join(f"{event} {n / busy:.1%}" for event, n in others.most_common(4))
        return (
            f"{sum(waits.values()) / busy:.1%} of {busy} busy-backend samples"
            + (f" ({detail})" if detail else "")
            + (f"; other waits {sum(others.values()) / busy:.1%} ({other})" if others else "")
        )


class CpuMeter:
    """CPU time per kind, by process group: gunicorn (its session), PostgreSQL, Redis, this client, the rest.

    Read from /proc before and after each kind's turn, so that a request's cost is counted where it is
    spent: on a machine this small the client, the server and the database share the same two cores.
    A process that exits during a turn takes its count with it (a gunicorn worker recycled after
    max_requests, and its PostgreSQL backend): the split by process is a floor, the machine's busy
    time (from /proc/stat, every process and the kernel) is the figure to compare.
    """

    GROUPS = ("gunicorn", "postgres", "pg background", "redis", "client", "other")

    def __init__(self, *, gunicorn_session: int) -> None:
        self.gunicorn_session = gunicorn_session
        self.ticks_per_second = os.sysconf("SC_CLK_TCK")
        self.seconds: dict[str, Counter] = {kind: Counter() for kind in KINDS}
        self.machine: dict[str, Counter] = {kind: Counter() for kind in KINDS}
        self.postgres_roles: dict[int, str] = {}

    def _postgres_group(self, pid: int) -> str:
        """A client's backend ("postgres: user db host(port) ...") or one of the server's own processes
        (autovacuum, the WAL writer, the checkpointer...), read once per process from its title."""
        if pid not in self.postgres_roles:
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                title = ""
            client = ("(" in title and ")" in title) or "[local]" in title  # over TCP, or a Unix socket
            self.postgres_roles[pid] = "postgres" if client else "pg background"
        return self.postgres_roles[pid]

    def sample(self) -> Counter:
        # The whole machine from /proc/stat: a worker that exits (max_requests) takes its own counts with it.
        user, nice, system, idle, iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
        ticks: Counter = Counter(
            {"machine busy": user + nice + system + irq + softirq + steal, "machine idle": idle + iowait}
        )
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue  # the process has gone
            pid = int(stat.parent.name)
            command = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            # fields[0] is the state (the stat file's 3rd field): utime and stime are its 14th and 15th
            used, session = int(fields[11]) + int(fields[12]), int(fields[3])
            if session == self.gunicorn_session:
                group = "gunicorn"
            elif command == "postgres":
                group = self._postgres_group(pid)
            elif command.startswith("redis-server"):
                group = "redis"
            elif pid == os.getpid():
                group = "client"
            else:
                group = "other"
            ticks[group] += used
        return ticks

    def add(self, kind: str, before: Counter, after: Counter) -> None:
        for group in self.GROUPS:
            self.seconds[kind][group] += max(after[group] - before[group], 0) / self.ticks_per_second
        for state in ("busy", "idle"):
            self.machine[kind][state] += after[f"machine {state}"] - before[f"machine {state}"]

    def per_request(self, kind: str, requests: int) -> str:
        if not requests:
            return "no requests"
        spent = self.seconds[kind]
        parts = ", ".join(f"{group} {spent[group] * 1000 / requests:.2f}" for group in self.GROUPS)
        machine = self.machine[kind]
        busy = machine["busy"] / max(machine["busy"] + machine["idle"], 1)
        return (
            f"{sum(spent.values()) * 1000 / requests:.2f} ms ({parts});"
            f" machine {machine['busy'] * 1000 / self.ticks_per_second / requests:.2f} ms, {busy:.0%} busy"
        )


class WalMeter:
    """WAL per kind under load: the bytes written (exact, from the insert position) and the full-page images.

    A page's first change after a checkpoint writes the whole page to the WAL; a kind whose turn follows a
    checkpoint pays for those images, which the bytes alone do not say. The images come from pg_stat_wal,
    which backends update about once a second: a turn's count may lag by that much.
    """

    def __init__(self) -> None:
        import psycopg

        self.observer = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        self.spent: dict[str, Counter] = {kind: Counter() for kind in KINDS}

    def sample(self) -> tuple[int, int, int]:
        checkpoints = (
            "SELECT num_timed + num_requested FROM pg_stat_checkpointer"  # PostgreSQL 17 moved them here
            if self.observer.info.server_version >= 170000
            else "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"
        )
        return self.observer.execute(
            f"SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn, wal_fpi, ({checkpoints}) FROM pg_stat_wal"  # noqa: S608 (one of two fixed statements)
        ).fetchone()

    def add(self, kind: str, before: tuple[int, int, int], after: tuple[int, int, int]) -> None:
        for name, start, end in zip(("bytes", "full pages", "checkpoints"), before, after, strict=True):
            self.spent[kind][name] += int(end - start)

    def per_request(self, kind: str, requests: int) -> str:
        spent = self.spent[kind]
        return (
            f"{spent['bytes'] / max(requests, 1) / 1024:.1f} kB, {spent['full pages'] / max(requests, 1):.2f} full-page"
            f" images per request; {spent['checkpoints']} checkpoints began during its turns"
        )


ROW_TABLES = {
    "audit_auditchainhead": "chain head",
    "resumes_quotacounter": "quota counter",
    "resumes_resume": "resume row",
}


def _lock_target(query: str, table: str | None = None) -> str:
    if table is not None:
        return ROW_TABLES.get(table, table)
    # Else by its statement: pg_stat_activity keeps its first 1 kB; a one-statement append is known by its alias.
    if "audit" in query or "appended" in query:
        return "chain head"
    if "quota" in query:
        return "quota counter"
    if "resumes_resume" in query:
        return "resume row"
    return "other"


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self.statuses: dict[str, Counter] = {kind: Counter() for kind in KINDS}
        self.seconds: dict[str, float] = dict.fromkeys(KINDS, 0.0)
        self.per_round: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self.charged = 0
        self.free = 0


def drive(
    *,
    port: int,
    kind: str,
    plan: RevealPlan,
    clients: int,
    seconds: float,
    tally: Tally,
    sampler: LockSampler,
    cpu: CpuMeter,
    wal: WalMeter,
) -> None:
    """`clients` threads send requests of one kind for `seconds`; each thread names its own client address."""
    sampler.kind = kind
    stop = time.perf_counter() + seconds
    done = Counter()

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        base = {"X-Forwarded-Proto": "https", "X-Real-IP": f"10.0.{number // 250}.{number % 250 + 1}"}
        latencies, statuses, charged, free = [], Counter(), 0, 0
        while time.perf_counter() < stop:
            if kind == "me":
                headers = {**base, "Authorization": f"Token {plan.me()}"}
                method, path, body = "GET", "/api/v1/organizations/me", None
            else:
                token, resume, job = plan.reveal(one_org=kind == "one-org")
                headers = {**base, "Authorization": f"Token {token}", "Content-Type": "application/json"}
                method, path, body = "POST", f"/api/v1/resumes/{resume}/reveal", json.dumps({"job_id": job})
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as failure:
                connection.close()
                status, payload = type(failure).__name__, b""
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1
            if kind != "me" and status == 200:
                if json.loads(payload)["charged"]:
                    charged += 1
                else:
                    free += 1
        connection.close()
        with tally.lock:
            tally.latencies[kind].extend(latencies)
            tally.statuses[kind].update(statuses)
            tally.charged += charged
            tally.free += free
            done[number] = len(latencies)

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    cpu_before, wal_before = cpu.sample(), wal.sample()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu.add(kind, cpu_before, cpu.sample())
    wal.add(kind, wal_before, wal.sample())
    sampler.kind = ""
    tally.seconds[kind] += elapsed
    tally.per_round[kind].append(sum(done.values()) / elapsed)


# After the run


def check_after_run(*, organization_ids: list[int], since) -> list[str]:
    """The chain verifies; quota used = charged reveals per organisation and recruiter (the past ones included:
    build_history counted them); one event per reveal made `since` (the past ones have none)."""
    from django.db.models import Count, Q

    from audit import selectors as audit_selectors
    from audit.models import AuditEvent
    from employers.models import QuotaCounter
    from resumes.models import Reveal

    lines = []
    verification = audit_selectors.verify_chain()
    lines.append(
        f"audit chain: {'verifies' if verification.ok else 'DOES NOT VERIFY: ' + str(verification.problem)}"
        f" ({verification.verified} events)"
    )
    charged_by_org = dict(
        Reveal.objects.filter(charged=True).values_list("organization_id").annotate(n=Count("id")).order_by()
    )
    charged_by_recruiter = {
        f"recruiter:{recruiter}": n
        for recruiter, n in Reveal.objects.filter(charged=True)
        .values_list("recruiter_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    used: dict[tuple[str, str], int] = Counter()
    for name, subject, spent in QuotaCounter.objects.values_list("limit_name", "subject", "used"):
        used[(name, subject)] += spent
    mismatches = [
        f"{name} of organisation {org_id}: used {used[(name, f'organization:{org_id}')]}, charged {charged}"
        for org_id in organization_ids
        for name in ("org_daily", "org_monthly")
        if used[(name, f"organization:{org_id}")] != (charged := charged_by_org.get(org_id, 0))
    ]
    mismatches += [
        f"recruiter_daily of {subject}: used {used[('recruiter_daily', subject)]}, charged {charged}"
        for subject, charged in charged_by_recruiter.items()
        if used[("recruiter_daily", subject)] != charged
    ]
    lines.append(
        f"quota used = charged reveals: {'yes' if not mismatches else 'NO'} ("
        f"{sum(charged_by_org.values())} charged reveals over {len(charged_by_org)} organisations and"
        f" {len(charged_by_recruiter)} recruiters)"
    )
    lines.extend(f"  mismatch: {line}" for line in mismatches[:10])
    reveals = Reveal.objects.filter(created_at__gte=since).count()
    events = AuditEvent.objects.filter(action="reveal.granted")
    per_reveal = Counter(events.values_list("details__reveal_id", flat=True))
    reveal_ids = set(Reveal.objects.filter(created_at__gte=since).values_list("id", flat=True))
    twice = sum(1 for count in per_reveal.values() if count > 1)
    missing = len(reveal_ids - set(per_reveal))
    orphans = len(set(per_reveal) - reveal_ids)
    ok = not twice and not missing and not orphans
    lines.append(
        f"one reveal.granted event per reveal: {'yes' if ok else 'NO'} ({reveals} reveals, {events.count()} events;"
        f" {missing} without an event, {twice} with more than one, {orphans} events of no reveal)"
    )
    denied = AuditEvent.objects.filter(Q(action="reveal.denied")).count()
    lines.append(f"reveal.denied events: {denied}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small data, short rounds: about 2 minutes")
    parser.add_argument("--organizations", type=int, default=50)
    parser.add_argument("--recruiters", type=int, default=432)
    parser.add_argument("--resumes", type=int, default=40_000)
    parser.add_argument(
        "--history",
        type=int,
        default=400,
        metavar="N",
        help="past reveals per organisation, with what goes with them, before the statistics are taken (default 400;"
        " --quick 100; 0: begin on empty tables)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client connections (default 8)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the three kinds (default 5)")
    parser.add_argument("--round-seconds", type=float, default=20.0, help="seconds per kind per round (default 20)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also cProfile N in-process reveals")
    parser.add_argument("--show-sql", action="store_true", help="list the statements of the counted reveal")
    parser.add_argument(
        "--cpu",
        type=int,
        default=0,
        metavar="N",
        help="also measure the CPU of N `me` and N charged reveals in-process, one at a time (--rounds 0: only that)",
    )
    parser.add_argument(
        "--cpu-steps",
        action="store_true",
        help="with --cpu: also the CPU and wall time per call of each step of the two requests (STEPS), and of a bare"
        " round trip to PostgreSQL and to Redis",
    )
    if parser.parse_known_args()[0].quick:
        parser.set_defaults(resumes=10_000, rounds=2, round_seconds=10.0, history=100)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a scratch PostgreSQL database (its name containing 'bench')")

    with tempfile.TemporaryDirectory(prefix="hw-bench-http-") as workdir_name:
        workdir = Path(workdir_name)
        environment = production_environment(workdir=workdir)
        os.environ.update(environment)
        sys.path.insert(0, str(BENCH_DIR))
        setup_django(settings_module="production_settings")

        from django.db import connection, connections
        from django.utils import timezone

        load_started = time.perf_counter()
        data = build_data(organizations=args.organizations, recruiters=args.recruiters, resumes=args.resumes)
        reserved = data["resumes"][: 2 + args.profile + args.cpu]
        past_reveals = build_history(data, reserved=set(reserved), per_organization=args.history)
        run_started = timezone.now()  # the past reveals are all older
        built = time.perf_counter() - load_started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        first_token, first_org = next(iter(data["tokens"].values()))
        counted = count_statements(token=first_token, job_id=data["jobs"][first_org], resumes=reserved[:2])
        profile = (
            profile_reveals(token=first_token, job_id=data["jobs"][first_org], resumes=reserved[2 : 2 + args.profile])
            if args.profile
            else ""
        )
        steps = (Counter(), Counter()) if args.cpu and args.cpu_steps else None
        cpu_spent = (
            cpu_in_process(
                token=first_token, job_id=data["jobs"][first_org], resumes=reserved[2 + args.profile :], steps=steps
            )
            if args.cpu
            else {}
        )
        if steps:
            cpu_spent_steps = [*step_lines(*steps), *round_trip_costs()]
        plan = RevealPlan(data, reserved=set(reserved), history=args.history)
        connections.close_all()
        if not args.rounds:
            print(f"\nPostgreSQL {server_version}; {os.cpu_count()} CPUs; load average now {_load()}")
            print("CPU per request, in-process, one at a time (this process's Django, its PostgreSQL backend, Redis):")
            print("\n".join(cpu_lines(cpu_spent)) if cpu_spent else "  (not measured: --cpu N)")
            if steps:
                print("the steps, in-process (the reveal's steps run inside RevealApi.post):")
                print("\n".join(cpu_spent_steps))
            print("after the run:")
            print(
                "\n".join(
                    f"  {line}" for line in check_after_run(organization_ids=data["organizations"], since=run_started)
                )
            )
            return

        port = free_port()
        gunicorn = start_gunicorn(environment=environment, port=port, workers=args.workers, workdir=workdir)
        tally = Tally()
        sampler = LockSampler()
        sampler.start()
        cpu = CpuMeter(gunicorn_session=gunicorn.pid)
        wal = WalMeter()
        try:
            for _ in range(args.rounds):
                for kind in KINDS:
                    drive(
                        port=port,
                        kind=kind,
                        plan=plan,
                        clients=args.clients,
                        seconds=args.round_seconds,
                        tally=tally,
                        sampler=sampler,
                        cpu=cpu,
                        wal=wal,
                    )
        finally:
            sampler.stop.set()
            wal.observer.close()
            stop_gunicorn(gunicorn)
        errors = (workdir / "error.log").read_text(errors="replace") if (workdir / "error.log").exists() else ""
        checks = check_after_run(organization_ids=data["organizations"], since=run_started)

    rate = {kind: len(tally.latencies[kind]) / tally.seconds[kind] for kind in KINDS}
    print(
        f"\nPostgreSQL {server_version}; {os.cpu_count()} CPUs; load average now {_load()}\n"
        f"data: {args.organizations} organisations, {args.recruiters} recruiters, {args.resumes} resumes"
        f", {past_reveals} past reveals (built in {built:.0f} s)\n"
        f"gunicorn: {args.workers} sync workers, production settings; {args.clients} client connections;"
        f" {args.rounds} rounds x {args.round_seconds:.0f} s per kind"
    )
    print(f"\n{'kind':<8} {'req/s':>7} {'n':>6} {'p50 ms':>7} {'p95 ms':>7}  per round req/s   statuses")
    for kind in KINDS:
        ordered = sorted(tally.latencies[kind])
        rounds = " ".join(f"{value:.0f}" for value in tally.per_round[kind])
        statuses = ", ".join(f"{status}: {n}" for status, n in tally.statuses[kind].most_common())
        print(
            f"{kind:<8} {rate[kind]:>7.1f} {len(ordered):>6} {statistics.median(ordered) * 1000:>7.1f}"
            f" {percentile(ordered, 0.95) * 1000:>7.1f}  {rounds:<16}  {statuses}"
        )
    print("\nPostgreSQL backends waiting on a lock, then on anything else (sampled every 20 ms):")
    for kind in KINDS:
        print(f"  {kind:<8} {sampler.shares(kind)}")
    print(
        "\nCPU per request, ms, by process (a floor: a recycled worker's count is lost; the client is this"
        " script's threads), and the whole machine's busy time per request:"
    )
    for kind in KINDS:
        print(f"  {kind:<8} {cpu.per_request(kind, len(tally.latencies[kind]))}")
    print("\nWAL under load (the whole server's):")
    for kind in KINDS:
        print(f"  {kind:<8} {wal.per_request(kind, len(tally.latencies[kind]))}")
    print(
        f"\nratio reveal spread / organizations/me: {rate['spread'] / rate['me']:.2f}   (goal >= 0.6)\n"
        f"ratio one organisation / spread:        {rate['one-org'] / rate['spread']:.2f}   (goal >= 0.9)\n"
        f"reveals charged: {tally.charged}, free: {tally.free} (re-reveals past fresh resumes: {plan.exhausted})"
    )
    print(
        f"\nper request, in-process (PostgreSQL statements / Redis round trips):\n"
        f"  GET organizations/me:  {counted['me']['statements']} / {counted['me']['redis']}\n"
        f"  charged reveal (POST): {counted['reveal']['statements']} / {counted['reveal']['redis']}   (goal <= 8)"
    )
    if args.show_sql:
        for number, sql in enumerate(counted["reveal"]["sql"], 1):
            print(f"    {number:>2}. {sql[:160]}")
    if cpu_spent:
        print("\nCPU per request, in-process, one at a time (this process's Django, its PostgreSQL backend, Redis):")
        print("\n".join(cpu_lines(cpu_spent)))
        if steps:
            print("the steps, in-process (the reveal's steps run inside RevealApi.post):")
            print("\n".join(cpu_spent_steps))
    print("\nafter the run:")
    for line in checks:
        print(f"  {line}")
    if errors and any(marker in errors for marker in ("Traceback", "ERROR", "CRITICAL")):
        print("\ngunicorn's error log has errors:")
        print("\n".join(errors.splitlines()[-30:]))
    if profile:
        print()
        print(profile)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
