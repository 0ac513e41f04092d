"""The narrow search table (resumes.ResumeSearchEntry): kept by the database on every write, equal to access."""

import itertools
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.services import set_user_active
from resumes import selectors
from resumes.access import searchable_resumes_for
from resumes.models import Resume, ResumeSearchEntry, Visibility
from resumes.services.masked_text import store_masked_text
from tests.employers.conftest import client_for
from tests.employers.factories import ApplicationFactory, JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.factories import UserFactory
from tests.resumes.factories import (
    BlockedOrganizationFactory,
    EducationEntryFactory,
    ExperienceEntryFactory,
    ResumeFactory,
)

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/resumes"
CASES = list(itertools.product(Visibility.values, (False, True), (False, True), (True, False)))


def entry_of(resume: Resume) -> ResumeSearchEntry:
    return ResumeSearchEntry.objects.get(pk=resume.pk)


def vector_text(resume: Resume) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM resumes_resumesearchentry WHERE resume_id = %s", [resume.pk])
        return cursor.fetchone()[0]


class TestTheDatabaseKeepsIt:
    def test_a_new_resume_has_its_entry(self):
        resume = ResumeFactory(city="Hangzhou", years_experience=7, skills=["Go"], visibility=Visibility.ON_REQUEST)

        entry = entry_of(resume)

        assert (entry.city, entry.years_experience, entry.skill_keys, entry.visibility) == (
            "Hangzhou",
            7,
            "|go|",
            Visibility.ON_REQUEST,
        )
        assert (entry.seeker_active, entry.category, entry.updated_at) == (True, resume.category, resume.updated_at)

    def test_an_edit_by_save_reaches_the_entry(self):
        resume = ResumeFactory()
        resume.visibility = Visibility.HIDDEN
        resume.city = "Xi'an"
        resume.save()

        assert (entry_of(resume).visibility, entry_of(resume).city) == (Visibility.HIDDEN, "Xi'an")

    def test_a_bulk_update_reaches_the_entry(self):
        resumes = [ResumeFactory(), ResumeFactory()]
        later = timezone.now() + timezone.timedelta(days=1)

        Resume.objects.filter(pk__in=[r.pk for r in resumes]).update(
            visibility=Visibility.APPLIED_ONLY, updated_at=later
        )

        for resume in resumes:
            assert (entry_of(resume).visibility, entry_of(resume).updated_at) == (Visibility.APPLIED_ONLY, later)

    @pytest.mark.parametrize(
        "deactivate",
        [
            lambda user: set_user_active(user=user, active=False, by=UserFactory(role="operator"), reason="test"),
            lambda user: User.objects.filter(pk=user.pk).update(is_active=False),
            lambda user: (setattr(user, "is_active", False), user.save()),
        ],
        ids=["service", "bulk update", "save"],
    )
    def test_the_seekers_active_flag_follows_every_write(self, deactivate):
        resume = ResumeFactory()

        deactivate(resume.seeker)
        assert entry_of(resume).seeker_active is False

        User.objects.filter(pk=resume.seeker_id).update(is_active=True)
        assert entry_of(resume).seeker_active is True

    def test_the_entry_goes_with_its_resume_and_with_its_seeker(self):
        resume, other = ResumeFactory(), ResumeFactory()

        resume.delete()
        other.seeker.delete()

        assert not ResumeSearchEntry.objects.filter(pk__in=[resume.pk, other.pk]).exists()

    def test_every_resume_has_exactly_one_entry(self):
        resumes = [ResumeFactory() for _ in range(3)]
        resumes[0].save()

        assert ResumeSearchEntry.objects.count() == Resume.objects.count() == 3

    def test_the_triggers_exist(self):
        # A migration that rebuilds a table (SQLite does, to alter one) drops its triggers silently.
        names = {"resume_search_entry_insert", "resume_search_entry_update", "user_active_search_entry"}
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            else:
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            assert names <= {row[0] for row in cursor.fetchall()}


@pytest.mark.postgres
class TestTheVector:
    def test_an_edit_of_the_text_and_of_an_experience_title_reaches_the_vector(self):
        resume = ResumeFactory(headline="Accountant", experience_titles=["Auditor"])
        resume.headline = "数据分析师"
        resume.refresh_search_text()
        resume.save()

        text = vector_text(resume)

        assert "'分析':" in text and "'auditor':" in text and "accountant" not in text

    def test_the_vector_holds_no_contact_data(self):
        resume = ResumeFactory(
            full_name="Quillon Vancewright",
            headline="Quillon Vancewright, data engineer",
            summary="Call 139 8765 4321 or quill.vance.4711@example.test, WeChat: quill_wx_4711",
            skills=["Spark", "QQ 471147114"],
        )
        EducationEntryFactory(resume=resume)

        text = vector_text(resume)

        assert "'engineer':" in text
        for value in ("quillon", "vancewright", "8765", "4321", "13987654321", "quill", "471147114", "example"):
            assert value not in text, value

    def test_the_wide_resume_row_no_longer_carries_a_vector(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = 'resumes_resume'"
                " AND column_name = 'search_vector'"
            )
            assert cursor.fetchone() is None


@pytest.mark.parametrize(("visibility", "applied", "blocked", "seeker_active"), CASES)
def test_the_listed_entries_are_exactly_what_access_lists(visibility, applied, blocked, seeker_active):
    # given a resume in one state of the access rule (as in test_access.py)
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    resume = ResumeFactory(visibility=visibility)
    if applied:
        ApplicationFactory(job=JobPostingFactory(organization=seat.organization), seeker=resume.seeker)
    if blocked:
        BlockedOrganizationFactory(resume=resume, organization=seat.organization)
    if not seeker_active:
        resume.seeker.is_active = False
        resume.seeker.save(update_fields=["is_active"])

    # then the narrow table alone lists it exactly when resumes/access.py does
    from_entries = selectors.listed_search_entries(organization=seat.organization).filter(pk=resume.pk).exists()
    from_rule = searchable_resumes_for(organization=seat.organization).filter(pk=resume.pk).exists()
    assert from_entries is from_rule


def test_a_stale_entry_never_shows_what_the_access_rule_hides(organization, client):
    # given an entry that disagrees with its resume (a write the triggers could not see)
    hidden = ResumeFactory(headline="Data engineer")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE resumes_resume SET visibility = %s WHERE id = %s",
            [Visibility.HIDDEN, hidden.pk.hex if connection.vendor == "sqlite" else hidden.pk],
        )
    ResumeSearchEntry.objects.filter(pk=hidden.pk).update(visibility=Visibility.PUBLIC)
    shown = ResumeFactory(headline="Data engineer")

    # then search lists only what resumes/access.py allows
    for params in ({}, {"q": "engineer"}):
        ids = [item["id"] for item in client.get(SEARCH, params).json()["results"]]
        assert ids == [str(shown.pk)]


@pytest.fixture
def organization():
    return VerifiedOrganizationFactory()


@pytest.fixture
def client(organization):
    return client_for(SeatFactory(organization=organization).user)


@pytest.mark.postgres
@pytest.mark.parametrize("window", [10_000, 6, 1], ids=["window holds all", "window holds enough", "GIN index"])
def test_a_ranked_search_ranks_the_newest_candidates_and_lists_no_more(client, settings, window):
    settings.RATELIMITS = {**settings.RATELIMITS, "search_per_user": "1000/m", "search_per_ip": "1000/m"}
    settings.SEARCH_RANKED_CANDIDATES = 5
    settings.SEARCH_RECENT_WINDOW = window
    now = timezone.now()
    resumes = [ResumeFactory(headline="engineer " * (1 + index % 3)) for index in range(8)]
    for age, resume in enumerate(resumes):
        Resume.objects.filter(pk=resume.pk).update(updated_at=now - timezone.timedelta(hours=age))
    newest = {str(resume.pk) for resume in resumes[:5]}

    seen, response = [], client.get(SEARCH, {"q": "engineer", "page_size": 2})
    while True:
        page = response.json()
        seen += [item["id"] for item in page["results"]]
        if not page["next"]:
            break
        response = client.get(page["next"])

    assert sorted(seen) == sorted(newest)
    # The five candidates in relevance order: three repeats of the word first, newest first among equals.
    by_id = {str(resume.pk): resume for resume in resumes}
    assert [by_id[item].headline.count("engineer") for item in seen] == [3, 2, 2, 1, 1]


@pytest.mark.postgres
def test_a_query_read_in_recency_order_finds_what_the_gin_index_finds(client, settings):
    # given matches, non-matches and ranks that differ
    now = timezone.now()
    for index in range(12):
        headline = ["数据分析师 engineer", "数据分析师", "engineer", "数据 分析 engineer 工程师"][index % 4]
        resume = ResumeFactory(headline=" ".join([headline] * (1 + index % 3)))
        Resume.objects.filter(pk=resume.pk).update(updated_at=now - timezone.timedelta(minutes=index))

    def found() -> list[str]:
        response = client.get(SEARCH, {"q": "数据分析师 engineer", "page_size": 50})
        return [item["id"] for item in response.json()["results"]]

    # when the candidates come from the recency index (a window holding every entry) or, the window
    # holding too few matches, from the GIN index
    settings.SEARCH_RECENT_WINDOW = 10_000
    in_recency_order = found()
    settings.SEARCH_RECENT_WINDOW = 1
    through_gin = found()

    # then both list the same resumes in the same order
    assert len(through_gin) == 3
    assert in_recency_order == through_gin


@pytest.mark.parametrize("kept", [True, False], ids=["masked-text-kept", "redacted-now"])
@pytest.mark.parametrize("params", [{}, {"q": "engineer"}, {"q": "工程师", "city": "Shanghai", "min_years": 1}])
def test_search_statements_do_not_grow_with_the_results(client, params, kept):
    queries_seen: list[str] = []

    def statements(count: int) -> int:
        for _ in range(count):
            resume = ResumeFactory(headline="Backend engineer 工程师", experience_titles=["Engineer", "Lead"])
            EducationEntryFactory(resume=resume)
        if kept:
            store_masked_text(Resume.objects.values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(SEARCH, {**params, "page_size": 50})
        assert response.status_code == 200
        assert len(response.json()["results"]) == Resume.objects.count()
        queries_seen[:] = [query["sql"][:100] for query in queries.captured_queries]
        return len(queries)

    few = statements(2)
    many = statements(30)

    assert few == many
    # the token with the seat, the page of entries (on PostgreSQL a full-text query's candidates, ranked and
    # paged in the same statement), the page's resumes with their kept masked text, the activity row
    expected = 4
    if not kept:
        # then the resumes without a kept masked text, to redact now: on PostgreSQL with their experience and
        # education entries; elsewhere these are two more
        expected += 1 if connection.vendor == "postgresql" else 3
    assert many == expected, queries_seen


@pytest.mark.postgres
def test_a_city_filter_can_walk_the_city_index_newest_first(organization):
    # given the entries' filter as search builds it (city__iexact, any case)
    ResumeFactory(city="Beijing")
    entries = selectors.listed_search_entries(organization=organization).filter(city__iexact="beijing")
    sql, params = entries.order_by("-updated_at", "-resume_id").values("resume_id")[:20].query.sql_with_params()

    # when whole-table scans are ruled out (a handful of rows here; a million in production)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # then the expression index of migration 0013 answers the filter, newest first, without a sort
    assert "Index Scan Backward using resume_search_city_recency" in plan, plan
    assert "Sort" not in plan, plan


def test_a_page_shows_each_resumes_entries_in_their_own_order(client):
    # given entries created out of order, two of them starting the same day
    resume = ResumeFactory(headline="Backend engineer")
    for title, start in (("Middle", date(2019, 3, 1)), ("Newest", date(2022, 1, 1)), ("Tie", date(2019, 3, 1))):
        ExperienceEntryFactory(resume=resume, title=title, start=start)
    for degree, start_year in (("BSc", 2010), ("PhD", 2016), ("MSc", 2014)):
        EducationEntryFactory(resume=resume, degree=degree, start_year=start_year, end_year=None)

    # when it is listed (entries read with the resume on PostgreSQL, prefetched elsewhere) and shown alone
    for params in ({}, {"q": "engineer"}):
        listed = client.get(SEARCH, params).json()["results"][0]
        detail = client.get(f"{SEARCH}/{resume.pk}").json()

        # then both show the entries as the models order them (newest first, then by id), with their masked fields
        assert [entry["title"] for entry in listed["experience"]] == ["Newest", "Middle", "Tie"]
        assert [entry["degree"] for entry in listed["education"]] == ["PhD", "MSc", "BSc"]
        assert listed["experience"][0] == {
            "title": "Newest",
            "industry": "Internet",
            "start": "2022-01-01",
            "end": None,
        }
        assert listed["education"][2] == {
            "degree": "BSc",
            "field": "Computer science",
            "start_year": 2010,
            "end_year": None,
        }
        assert (listed["experience"], listed["education"]) == (detail["experience"], detail["education"])
