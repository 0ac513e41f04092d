"""Masked search at 200k and 1M resumes: a COPY loader, then p50/p95 per query kind through the real API view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hw_search_bench \\
        python bench/search_million.py --resumes 200000        # load into an empty database, measure
    python bench/search_million.py --resumes 200000 --reuse    # measure what is loaded (after a migration, say)
    python bench/search_million.py --quick                     # 20k resumes, ~2 minutes

PostgreSQL only (COPY), into a scratch database created empty (createdb; the audit log refuses a
flush). Seekers and resumes go in with COPY (psycopg's cursor.copy); contact ciphertext is random
base64 of the real length (search never decrypts it); the search text is made by
resumes/search_text.py from English and Chinese phrases in which engineer, 工程师 and 数据分析师
are common. No trigger fires during the load (session_replication_role); the search table is
then filled by one INSERT ... SELECT and indexed, as migration 0012 does.
"""

import argparse
import base64
import contextlib
import importlib
import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import PROJECT_ROOT, summary

HEADLINES = [  # (phrase, weight): about 27 % English "engineer", 33 % 工程师, 12 % 数据分析师
    ("Senior Python engineer", 6),
    ("Backend engineer", 6),
    ("Data engineer", 5),
    ("Software engineer", 6),
    ("Frontend engineer (React)", 4),
    ("高级Python工程师", 8),
    ("Java后端开发工程师", 8),
    ("前端开发工程师", 6),
    ("算法工程师", 5),
    ("测试工程师", 6),
    ("数据分析师", 7),
    ("高级数据分析师", 3),
    ("Data analyst 数据分析师", 2),
    ("Product manager", 4),
    ("产品经理", 5),
    ("UI设计师", 4),
    ("销售经理", 4),
    ("会计", 3),
    ("HR specialist", 2),
    ("运营专员", 3),
    ("Marketing manager", 2),
    ("客服主管", 1),
]
SENTENCES = [
    "Built Django and PostgreSQL services for a payments platform.",
    "负责公司核心交易系统的后端开发与性能优化。",
    "Led a team of five engineers shipping a mobile app.",
    "熟悉Python、Go和Kubernetes,有高并发系统经验。",
    "Analysed sales data with SQL and Excel, built weekly dashboards.",
    "使用SQL和Python进行数据分析,搭建报表体系。",
    "Designed user interfaces in Figma for e-commerce products.",
    "负责用户增长和内容运营,熟悉新媒体推广。",
    "Managed key accounts across East China.",
    "精通财务报表与税务申报。",
    "Wrote automated tests and CI pipelines.",
    "参与机器学习推荐算法的设计与上线。",
    "Ran Kubernetes clusters on three clouds.",
    "与产品经理和设计师紧密合作,推动需求落地。",
    "Mentored junior developers and reviewed code daily.",
    "具备良好的沟通能力和团队合作精神。",
]
TITLES = [
    "Software engineer",
    "后端工程师",
    "数据分析师",
    "Product manager",
    "销售代表",
    "Team lead",
    "实习生",
    "测试工程师",
]
SKILLS = [
    ["Python", "Django", "PostgreSQL"],
    ["Java", "Spring"],
    ["SQL", "Excel", "Tableau"],
    ["Go", "Kubernetes"],
    ["Figma", "Sketch"],
    ["React", "TypeScript"],
    ["财务", "Excel"],
    ["Python", "Pandas", "SQL"],
]
CITIES = ["Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Guangzhou", "Chengdu", "Wuhan", "Nanjing", "Xi'an", "Suzhou"]
CATEGORIES = ["software_engineering", "data_science", "product_management", "design", "sales", "finance", "operations"]
VISIBILITIES = ["public"] * 55 + ["on_request"] * 30 + ["applied_only"] * 10 + ["hidden"] * 5

KINDS = {
    "list (no q)": {},
    "q=engineer": {"q": "engineer"},
    "q=工程师": {"q": "工程师"},
    "q=数据分析师": {"q": "数据分析师"},
    "q=python django": {"q": "python django"},
    "q=kubernetes (rarer)": {"q": "kubernetes"},
    "q=engineer + filters": {"q": "engineer", "city": "Beijing", "min_years": 3},
    "filters only": {"city": "Shanghai", "skills": "python", "min_years": 3, "max_years": 12},
}


def ciphertext(rng: random.Random, plain_length: int) -> str:
    """A Fernet token's length for a value of plain_length bytes: search only needs the row to be as wide."""
    token_bytes = 57 + (plain_length // 16 + 1) * 16
    return base64.urlsafe_b64encode(rng.randbytes(token_bytes)).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resumes", type=int, default=200_000, help="resumes to load (default 200000)")
    parser.add_argument("--queries", type=int, default=100, help="timed queries per kind (default 100)")
    parser.add_argument("--quick", action="store_true", help="20000 resumes, 30 queries per kind")
    parser.add_argument("--reuse", action="store_true", help="measure what the database holds; load nothing")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) of the common terms' pages")
    parser.add_argument(
        "--kinds", default="", help="only the query kinds whose label contains one of these (comma-separated)"
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also cProfile N in-process searches per kind"
    )
    parser.add_argument("--show-sql", action="store_true", help="list the statements of one search of each kind")
    parser.add_argument(
        "--compare-live",
        action="store_true",
        help="time every query also with no kept masked text current (redacted live), in turn",
    )
    args = parser.parse_args()
    if args.quick:
        args.resumes, args.queries = 20_000, 30
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(PROJECT_ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL to a scratch PostgreSQL database")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - started:.1f} s")
    if not args.reuse:
        from resumes.models import Resume

        if Resume.objects.exists():  # flush cannot: the audit log refuses TRUNCATE
            sys.exit("load into an empty database (dropdb and createdb it), or measure it with --reuse")
        load(args.resumes)
    measure(args)


def load(count: int) -> None:
    from django.db import connection, transaction
    from tqdm import tqdm

    from resumes.search_text import list_search_text, search_text, skill_keys

    rng = random.Random(20261129)
    headline_phrases = [phrase for phrase, weight in HEADLINES for _ in range(weight)]
    cached = {phrase: search_text(phrase) for phrase in headline_phrases + SENTENCES + TITLES}
    skill_text = {tuple(skills): (list_search_text(skills), skill_keys(skills)) for skills in SKILLS}
    now = datetime.now(UTC)
    # Random ciphertext of the real lengths, drawn from a pool: making 6 million of them would time Python.
    pool = {length: [ciphertext(rng, length) for _ in range(4096)] for length in (10, 12, 14, 24, 40)}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("SELECT to_regclass('resumes_resumesearchentry') IS NOT NULL")
        entry_sync = raw.fetchone()[0]
        # No trigger fires during the load (the entry sync, the deferred foreign-key checks of rows
        # made consistent here); the search table is filled in one statement afterwards.
        raw.execute("SET LOCAL session_replication_role = replica")
        # One COPY of a million rows is one statement: longer than the web profile's statement bound.
        raw.execute("SET LOCAL statement_timeout = 0")
        _drop_gin(raw)
        seekers = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(count)]
        with raw.copy(
            "COPY accounts_user (id, password, is_superuser, email_ciphertext, email_blind_index,"
            " full_name_ciphertext, role, is_active, is_staff, date_joined) FROM STDIN"
        ) as copy:
            for index, seeker in enumerate(tqdm(seekers, desc="seekers", unit="row", mininterval=2)):
                copy.write_row(
                    (
                        seeker,
                        "!",
                        False,
                        rng.choice(pool[24]),
                        f"{index:064x}",
                        rng.choice(pool[12]),
                        "seeker",
                        rng.random() > 0.02,
                        False,
                        "2025-01-01T00:00:00Z",
                    )
                )
        resume_ids = []
        with raw.copy(
            "COPY resumes_resume (id, seeker_id, headline, summary, skills, city, category, years_experience,"
            " visibility, relay_preference, full_name_ciphertext, phone_ciphertext, phone_blind_index,"
            " email_ciphertext, email_blind_index, birth_date_ciphertext, address_ciphertext, photo_ciphertext,"
            " photo_content_type, name_index, search_primary, search_secondary, skill_keys, is_canary,"
            " created_at, updated_at) FROM STDIN"
        ) as copy:
            for index, seeker in enumerate(tqdm(seekers, desc="resumes", unit="row", mininterval=2)):
                resume_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                resume_ids.append(resume_id)
                headline = rng.choice(headline_phrases)
                sentences = rng.sample(SENTENCES, rng.randint(2, 4))
                title = rng.choice(TITLES)
                skills = rng.choice(SKILLS)
                skills_search, keys = skill_text[tuple(skills)]
                updated_at = now - timedelta(seconds=rng.random() * 365 * 86400)
                created_at = updated_at - timedelta(days=30)
                copy.write_row(
                    (
                        resume_id,
                        seeker,
                        headline,
                        " ".join(sentences),
                        json.dumps(skills, ensure_ascii=False),
                        rng.choice(CITIES),
                        rng.choice(CATEGORIES),
                        rng.randint(0, 25),
                        rng.choice(VISIBILITIES),
                        "relay_only",
                        rng.choice(pool[12]),
                        rng.choice(pool[14]),
                        f"p{index:063x}",
                        rng.choice(pool[24]),
                        f"e{index:063x}",
                        rng.choice(pool[10]),
                        rng.choice(pool[40]),
                        "",
                        "",
                        json.dumps([f"{rng.getrandbits(64):016x}", f"{rng.getrandbits(64):016x}"]),
                        " ".join(part for part in (cached[headline], skills_search) if part),
                        " ".join(cached[sentence] for sentence in [*sentences, title]),
                        keys,
                        False,
                        created_at,
                        updated_at,
                    )
                )
        with raw.copy(
            'COPY resumes_experienceentry (title, industry, employer_name, start, "end", resume_id) FROM STDIN'
        ) as copy:
            for resume_id in tqdm(resume_ids, desc="experience", unit="row", mininterval=2):
                start = date(2015, 1, 1) + timedelta(days=rng.randrange(3000))
                copy.write_row((rng.choice(TITLES), "Internet", "Employer", start, None, resume_id))
        raw.execute("SET LOCAL session_replication_role = origin")
        if entry_sync:
            print("search table: one INSERT ... SELECT, as migration 0012's backfill ...", flush=True)
            migration = importlib.import_module("resumes.migrations.0012_resumesearchentry")
            raw.execute(migration.PG_UPSERT % {"where": "true"})
        _create_gin(raw, entry_sync)
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("RESET statement_timeout")
    elapsed = time.perf_counter() - started
    print(f"loaded {count} resumes in {elapsed:.0f} s ({count / elapsed:.0f}/s)")
    if _keeps_masked_text():
        # The free text search shows, redacted once (resumes/masked_text.py): the real backfill, resume by resume.
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("rebuild_masked_text")
        elapsed = time.perf_counter() - started
        print(f"masked text kept in {elapsed:.0f} s ({count / elapsed:.0f}/s)")


def _keeps_masked_text() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('resumes_maskedresumetext') IS NOT NULL")
        return cursor.fetchone()[0]


def _drop_gin(raw) -> None:
    raw.execute("DROP INDEX IF EXISTS resume_search_vector_gin")


def _create_gin(raw, entry_sync: bool) -> None:
    table = "resumes_resumesearchentry" if entry_sync else "resumes_resume"
    print(f"GIN index on {table} ...", flush=True)
    raw.execute("SET LOCAL maintenance_work_mem = '256MB'")
    raw.execute(f"CREATE INDEX resume_search_vector_gin ON {table} USING GIN (search_vector)")


def measure(args) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    from employers.models import Seat
    from resumes.models import Resume
    from tests.employers.factories import SeatFactory, VerifiedOrganizationFactory

    settings.RATELIMITS = {name: "1000000/m" for name in settings.RATELIMITS}  # measure search, not the limiter
    # One recruiter for every run on this database (--reuse): a second factory organisation would collide.
    seat = Seat.objects.filter(is_active=True).first() or SeatFactory(organization=VerifiedOrganizationFactory())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=seat.user)[1]}")
    total = Resume.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('resumes_resume')), avg(pg_column_size(r.*))::int"
            " FROM resumes_resume r"
        )
        size, width = cursor.fetchone()
    print(f"database: {settings.DATABASES['default']['NAME']}, resumes: {total}, resume table {size}, row {width} B")
    if _keeps_masked_text():
        from resumes.masked_text import RULES
        from resumes.models import MaskedResumeText

        current = MaskedResumeText.objects.filter(rules=RULES).count()
        # A resume without a current card is redacted on every search: `manage.py rebuild_masked_text` makes them.
        print(f"kept masked text of the current rules ({RULES}): {current} of {total} resumes")
    print(f"load average at the start: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print("request: the whole API call; database: all its statements' time; search SQL: the search's own statements")
    wanted = [part for part in args.kinds.split(",") if part]
    kinds = {label: params for label, params in KINDS.items() if not wanted or any(w in label for w in wanted)}
    # --compare-live: every query twice in turn, with the kept masked text and with none of it current
    # (the cards' rules no longer match, as after a change of the redaction), so the ratio comes from one run.
    modes = ("kept masked text", "redacted live") if args.compare_live else ("",)
    for label, params in kinds.items():
        timings, database, search_sql, counts = ({mode: [] for mode in modes} for _ in range(4))
        for attempt in range(args.queries + 3):
            for mode in modes:
                with _redaction(mode), CaptureQueriesContext(connection) as queries:
                    begun = time.perf_counter()
                    response = client.get("/api/v1/resumes", params)
                    elapsed = time.perf_counter() - begun
                assert response.status_code == 200, response.content
                if attempt >= 3:  # the first three warm the caches
                    timings[mode].append(elapsed)
                    database[mode].append(sum(float(query["time"]) for query in queries.captured_queries))
                    # What grows with the data: the search's own statements, not the token or the activity row.
                    search_sql[mode].append(
                        sum(float(query["time"]) for query in queries.captured_queries if _searching(query))
                    )
                    counts[mode].append(len(queries))
        results = response.json()["results"]
        kept = _kept_cards([item["id"] for item in results])
        for mode in modes:
            name = f"{label} [{mode}]" if mode else label
            print(summary(f"{name} request", timings[mode]) + f"  statements={max(counts[mode])}  page={len(results)}")
            print(summary(f"{name} database", database[mode]))
            print(summary(f"{name} search SQL", search_sql[mode]))
        print(f"{label}: the page's resumes with a current kept masked text: {kept}/{len(results)}")
        if args.show_sql:
            for query in queries.captured_queries:
                print(f"    {float(query['time']) * 1000:7.2f} ms  {query['sql'][:150]}")
    print(f"load average at the end: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    if args.profile:
        for label, params in kinds.items():
            print(profile(client, label, params, args.profile))
    if args.explain:
        for params in (
            {"q": "engineer"},
            {"q": "工程师"},
            {"q": "数据分析师"},
            {"q": "engineer", "city": "Beijing", "min_years": 3},
        ):
            explain(client, params)


@contextlib.contextmanager
def _redaction(mode: str):
    """Search as it runs ("" or kept), or with no kept masked text current (every card made by other rules)."""
    if mode != "redacted live":
        yield
        return
    from resumes import masked_text

    rules, masked_text.RULES = masked_text.RULES, "bench: none kept"
    try:
        yield
    finally:
        masked_text.RULES = rules


def _kept_cards(resume_ids: list[str]) -> int | str:
    if not _keeps_masked_text():
        return "no table"
    from resumes.masked_text import RULES
    from resumes.models import MaskedResumeText

    return MaskedResumeText.objects.filter(resume_id__in=resume_ids, rules=RULES).count()


def _searching(query: dict) -> bool:
    return query["sql"].startswith(("SELECT", "WITH")) and "knox_authtoken" not in query["sql"]


def profile(client, label: str, params: dict, count: int) -> str:
    """cProfile over `count` in-process searches of one kind: own time by layer, then Hirewall's functions."""
    import cProfile
    import io
    import pstats
    from collections import Counter

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(count):
        client.get("/api/v1/resumes", params)
    profiler.disable()
    elapsed = time.perf_counter() - started
    groups = {
        "waiting on PostgreSQL (psycopg)": ("psycopg/",),
        "Django ORM: building and compiling queries": ("django/db/models/",),
        "Django DB backend (cursor wrappers)": ("django/db/backends/", "django/db/transaction"),
        "DRF serializers and fields": (
            "rest_framework/serializers",
            "rest_framework/fields",
            "rest_framework/relations",
        ),
        "DRF, knox, Django request handling": ("rest_framework/", "knox/", "django/core/", "django/middleware/"),
        "Django test client": ("django/test/",),
        "Hirewall code": tuple(
            f"{PROJECT_ROOT}/{app}/" for app in ("resumes", "employers", "audit", "accounts", "config")
        ),
    }
    totals: Counter = Counter()
    all_time = 0.0
    for (filename, _line, name), (_calls, _primitive, own, *_rest) in pstats.Stats(profiler).stats.items():
        all_time += own
        where = f"{filename} {name}"
        group = next((group for group, markers in groups.items() if any(m in where for m in markers)), None)
        totals[group or "other Python (json, re, logging, ...)"] += own
    lines = [f"\nprofile: {count} in-process searches, {label}: {elapsed / count * 1000:.1f} ms each"]
    lines += [f"  {seconds / all_time:6.1%}  {group}" for group, seconds in totals.most_common()]
    for heading, sort, pattern in (
        ("top functions by own time", "tottime", None),
        (
            "Hirewall functions by cumulative time",
            "cumulative",
            f"{PROJECT_ROOT}/(resumes|employers|audit|accounts|config)/",
        ),
    ):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(sort)
        stats.print_stats(*([pattern] if pattern else []), 14)
        lines.append(f"  {heading}:")
        lines += ["    " + line.strip() for line in out.getvalue().splitlines() if line.strip()[:1].isdigit()]
    return "\n".join(lines)


def explain(client, params: dict) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement of one search that reads resumes or the search table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/resumes", params)
    for query in queries.captured_queries:
        sql = query["sql"]
        if _searching(query):  # the search's own statements: not the token's look-up, not the activity row
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                print(f"\n-- {params}: {sql[:160]}...")
                print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
