"""GET resumes and GET resumes/{id}: who may search, what they see, and that nothing names a person."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from employers.models import OrganizationStatus
from resumes.models import BlockedOrganization, Visibility
from tests.employers.conftest import client_for
from tests.employers.factories import (
    ApplicationFactory,
    JobPostingFactory,
    OrganizationFactory,
    SeatFactory,
    SeekerFactory,
    VerifiedOrganizationFactory,
)
from tests.resumes.factories import EducationEntryFactory, ResumeFactory

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/resumes"


def detail_url(resume) -> str:
    return f"/api/v1/resumes/{resume.id}"


def result_ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


class TestWhoMaySearch:
    @pytest.mark.parametrize(
        ("status", "code"),
        [
            (OrganizationStatus.PENDING, "org_not_verified"),
            (OrganizationStatus.REJECTED, "org_not_verified"),
            (OrganizationStatus.SUSPENDED, "org_suspended"),
        ],
    )
    def test_unverified_or_suspended_organisations_are_refused(self, status, code):
        seat = SeatFactory(organization=OrganizationFactory(status=status))
        resume = ResumeFactory()

        for url in (SEARCH, detail_url(resume)):
            response = client_for(seat.user).get(url)
            assert response.status_code == 403
            assert response.json()["code"] == code

    def test_lapsed_verification_counts_as_not_verified(self, organization, client):
        organization.reverify_due = timezone.now() - timedelta(minutes=1)
        organization.save()

        assert client.get(SEARCH).json()["code"] == "org_not_verified"

    def test_deactivated_recruiter_is_refused(self, seat, client):
        seat.is_active = False
        seat.save()

        assert client.get(SEARCH).json()["code"] == "recruiter_inactive"

    def test_recruiter_without_a_seat_has_no_organisation(self):
        response = client_for(SeekerFactory(role="recruiter")).get(SEARCH)

        assert (response.status_code, response.json()["code"]) == (404, "no_organization")

    def test_seeker_is_not_a_recruiter(self):
        response = client_for(SeekerFactory()).get(SEARCH)

        assert (response.status_code, response.json()["code"]) == (403, "not_recruiter")

    def test_anonymous_is_401(self):
        assert client_for(None).get(SEARCH).status_code == 401


class TestVisibilityMatrix:
    """Every combination of visibility, blocked and applied, for search and for detail."""

    @pytest.mark.parametrize(
        ("visibility", "blocked", "applied", "in_search", "in_detail"),
        [
            (Visibility.PUBLIC, False, False, True, True),
            (Visibility.PUBLIC, False, True, True, True),
            (Visibility.PUBLIC, True, False, False, False),
            (Visibility.PUBLIC, True, True, False, False),
            (Visibility.ON_REQUEST, False, False, True, True),
            (Visibility.ON_REQUEST, False, True, True, True),
            (Visibility.ON_REQUEST, True, False, False, False),
            (Visibility.ON_REQUEST, True, True, False, False),
            (Visibility.APPLIED_ONLY, False, False, False, False),
            (Visibility.APPLIED_ONLY, False, True, False, True),
            (Visibility.APPLIED_ONLY, True, False, False, False),
            (Visibility.APPLIED_ONLY, True, True, False, False),
            (Visibility.HIDDEN, False, False, False, False),
            (Visibility.HIDDEN, False, True, False, False),
            (Visibility.HIDDEN, True, False, False, False),
            (Visibility.HIDDEN, True, True, False, False),
        ],
    )
    def test_matrix(self, organization, client, visibility, blocked, applied, in_search, in_detail):
        resume = ResumeFactory(visibility=visibility)
        if blocked:
            BlockedOrganization.objects.create(resume=resume, organization=organization)
        if applied:
            ApplicationFactory(job=JobPostingFactory(organization=organization), seeker=resume.seeker)

        assert (str(resume.id) in result_ids(client.get(SEARCH))) is in_search
        detail = client.get(detail_url(resume))
        if in_detail:
            assert detail.status_code == 200
        else:
            assert (detail.status_code, detail.json()) == (404, {"code": "not_found", "detail": "Not found."})

    def test_an_application_to_another_organisation_does_not_open_an_applied_only_resume(self, client):
        resume = ResumeFactory(visibility=Visibility.APPLIED_ONLY)
        ApplicationFactory(job=JobPostingFactory(), seeker=resume.seeker)

        assert client.get(detail_url(resume)).status_code == 404

    def test_a_block_by_another_organisation_does_not_hide_the_resume_here(self, client):
        resume = ResumeFactory()
        BlockedOrganization.objects.create(resume=resume, organization=VerifiedOrganizationFactory())

        assert str(resume.id) in result_ids(client.get(SEARCH))

    def test_deactivated_seekers_are_not_found(self, client):
        resume = ResumeFactory()
        resume.seeker.is_active = False
        resume.seeker.save()

        assert result_ids(client.get(SEARCH)) == set()
        assert client.get(detail_url(resume)).status_code == 404

    @pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1"])
    def test_unknown_ids_are_not_found(self, client, bad_id):
        response = client.get(f"/api/v1/resumes/{bad_id}")

        assert (response.status_code, response.json()["code"]) == (404, "not_found")


class TestMaskedShape:
    def test_detail_is_exactly_the_masked_fields(self, client):
        resume = ResumeFactory(experience_titles=["Backend engineer"])
        EducationEntryFactory(resume=resume)

        body = client.get(detail_url(resume)).json()

        assert set(body) == {
            "id", "headline", "summary", "skills", "city", "category",
            "years_experience", "experience", "education", "updated_at",
        }  # fmt: skip
        assert body["experience"] == [
            {"title": "Backend engineer", "industry": "Internet", "start": "2018-01-01", "end": None}
        ]
        assert body["education"] == [
            {"degree": "BSc", "field": "Computer science", "start_year": 2012, "end_year": 2016}
        ]

    def test_ids_are_opaque_uuids(self, client):
        first, second = ResumeFactory(), ResumeFactory()

        assert len(str(first.id)) == 36
        assert abs(first.id.int - second.id.int) > 1_000_000


class TestNoContactLeaks:
    """Planted unique contact values never appear in any search, detail or error response, nor in logs."""

    def test_planted_contact_values_never_leave(self, organization, client, caplog, capsys):
        caplog.set_level(logging.DEBUG)
        planted = []
        for index in range(12):
            name = f"Plantedname{index:03d}xq 植入{index:03d}"
            phone = f"+861390077{index:04d}"
            email = f"planted.{index:03d}.xq@leak.example.test"
            resume = ResumeFactory(
                full_name=name,
                phone_e164=phone,
                contact_email=email,
                visibility=[Visibility.PUBLIC, Visibility.ON_REQUEST, Visibility.APPLIED_ONLY][index % 3],
                experience_titles=["工程师", "Python developer"],
            )
            EducationEntryFactory(resume=resume)
            planted.append((resume, name, phone, email))

        bodies = [client.get(SEARCH).content, client.get(SEARCH, {"q": "工程师 python"}).content]
        bodies += [client.get(SEARCH, {"min_years": "x"}).content, client.get(SEARCH, {"q": "Plantedname"}).content]
        for resume, *_ in planted:
            bodies.append(client.get(detail_url(resume)).content)
        bodies.append(client_for(None).get(SEARCH).content)

        text = b"\n".join(bodies).decode()
        captured = capsys.readouterr()
        for _, name, phone, email in planted:
            for value in (name.split()[0], name.split()[1], phone, phone[3:], email, email.split("@")[0]):
                assert value not in text
                assert value not in caplog.text
                assert value not in captured.out + captured.err
        assert "Employer 0" not in text  # the experience's employer name stays out too

    def test_searching_for_a_planted_name_finds_nothing(self, client):
        ResumeFactory(full_name="Uniquesurname Zhang")

        assert result_ids(client.get(SEARCH, {"q": "Uniquesurname"})) == set()

    def test_a_given_name_typed_into_free_text_is_hidden_and_not_found(self, client):
        resume = ResumeFactory(full_name="Zephyrine Quillfeather", headline="Senior engineer Zephyrine")

        assert result_ids(client.get(SEARCH, {"q": "Zephyrine"})) == set()
        assert result_ids(client.get(SEARCH, {"q": "senior engineer"})) == {str(resume.pk)}
        assert client.get(detail_url(resume)).json()["headline"] == "Senior engineer [contact hidden]"

    @pytest.mark.parametrize(
        ("name", "summary", "queries"),
        [
            ("阿卜杜·热合曼", "我是阿卜杜·热合曼 后端工程师", ["阿卜杜·热合曼", "阿卜杜", "热合曼"]),
            (
                "Zqxjean-Zqxpierre O'Zqxbrien",
                "Zqxjean-Zqxpierre O'Zqxbrien, engineer",
                ["Zqxjean", "Zqxpierre", "Zqxbrien"],
            ),
            ("Zqxrené Zqxdurand", "Zqxrene\u0301 Zqxdurand, engineer", ["Zqxrené", "Zqxrene\u0301", "Zqxdurand"]),
        ],
    )
    def test_names_with_dots_hyphens_and_accents_typed_apart_are_hidden_and_not_found(
        self, client, name, summary, queries
    ):
        """Found by an attack on a live stack: these names were shown in the summary and found by search."""
        resume = ResumeFactory(full_name=name, summary=summary)

        for query in queries:
            assert result_ids(client.get(SEARCH, {"q": query})) == set(), query
        shown = client.get(detail_url(resume)).json()["summary"]
        assert "[contact hidden]" in shown
        for query in queries:
            assert query not in shown


class TestFilters:
    def test_city_category_skills_and_years(self, client):
        match = ResumeFactory(city="Hangzhou", category="data_science", skills=["Python", "C++"], years_experience=6)
        ResumeFactory(city="Beijing", category="data_science", skills=["Python", "C++"], years_experience=6)
        ResumeFactory(city="Hangzhou", category="design", skills=["Python", "C++"], years_experience=6)
        ResumeFactory(city="Hangzhou", category="data_science", skills=["Python"], years_experience=6)
        ResumeFactory(city="Hangzhou", category="data_science", skills=["Python", "C++"], years_experience=1)

        response = client.get(
            SEARCH,
            {"city": "hangzhou", "category": "data_science", "skills": "c++, PYTHON", "min_years": 3, "max_years": 10},
        )

        assert result_ids(response) == {str(match.id)}

    def test_skill_matches_whole_skills_only(self, client):
        ResumeFactory(skills=["Gopher herding"])
        go = ResumeFactory(skills=["Go"])

        assert result_ids(client.get(SEARCH, {"skills": "go"})) == {str(go.id)}

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"min_years": "many"}, "min_years"),
            ({"min_years": -1}, "min_years"),
            ({"min_years": 5, "max_years": 2}, "max_years"),
            ({"category": "astronaut"}, "category"),
            ({"q": "x" * 201}, "q"),
        ],
    )
    def test_bad_filters_are_invalid(self, client, params, field):
        response = client.get(SEARCH, params)

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert field in response.json()["errors"]

    def test_cursor_pages_cover_every_result_once(self, client):
        created = {str(ResumeFactory().id) for _ in range(7)}
        seen: list[str] = []
        url = SEARCH + "?page_size=3"
        while url:
            page = client.get(url).json()
            seen += [item["id"] for item in page["results"]]
            url = page["next"]

        assert sorted(seen) == sorted(created)

    def test_search_costs_a_fixed_number_of_queries(self, client, django_assert_max_num_queries):
        for _ in range(10):
            resume = ResumeFactory(experience_titles=["Engineer", "Lead"])
            EducationEntryFactory(resume=resume)

        # Token and seat lookup, the page, and one prefetch each for experience and education.
        with django_assert_max_num_queries(12):
            assert len(client.get(SEARCH).json()["results"]) == 10


class TestFullText:
    def test_chinese_without_spaces_is_found_by_its_words(self, client):
        engineer = ResumeFactory(headline="高级Python工程师", summary="负责后端服务")
        designer = ResumeFactory(headline="资深UI设计师", summary="移动端设计")

        assert result_ids(client.get(SEARCH, {"q": "工程师"})) == {str(engineer.id)}
        assert result_ids(client.get(SEARCH, {"q": "Python 工程师"})) == {str(engineer.id)}
        assert result_ids(client.get(SEARCH, {"q": "设计"})) == {str(designer.id)}
        assert result_ids(client.get(SEARCH, {"q": "工程师 设计"})) == set()

    def test_english_words_and_experience_titles(self, client):
        resume = ResumeFactory(headline="Team lead", summary="I like Kubernetes", experience_titles=["SRE manager"])

        for query in ("kubernetes", "KUBERNETES", "sre", "Team Lead"):
            assert result_ids(client.get(SEARCH, {"q": query})) == {str(resume.id)}, query
        assert result_ids(client.get(SEARCH, {"q": "kube"})) == set()

    @pytest.mark.postgres
    def test_postgres_ranks_headline_and_skill_matches_above_summary_mentions(self, client):
        mention = ResumeFactory(headline="Accountant", summary="Once wrote a little Django", skills=["Excel"])
        headline = ResumeFactory(headline="Django developer", summary="Web work", skills=["Excel"])
        both = ResumeFactory(headline="Django engineer", summary="Django all day", skills=["Django"])

        results = client.get(SEARCH, {"q": "django"}).json()["results"]

        assert [item["id"] for item in results] == [str(both.id), str(headline.id), str(mention.id)]

    @pytest.mark.postgres
    def test_postgres_keeps_a_gin_indexed_search_vector(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'resume_search_vector_gin'")
            (definition,) = cursor.fetchone()
        assert "gin (search_vector)" in definition


@pytest.mark.usefixtures("pinned_clock")
class TestRateLimit:
    def test_search_per_recruiter_answers_429(self, client, settings):
        settings.RATELIMITS = {**settings.RATELIMITS, "search_per_user": "2/m"}
        client.get(SEARCH)
        client.get(SEARCH)

        response = client.get(SEARCH)

        assert (response.status_code, response.json()["code"]) == (429, "rate_limited")
        assert int(response["Retry-After"]) >= 1

    def test_detail_per_ip_answers_429(self, client, settings):
        settings.RATELIMITS = {**settings.RATELIMITS, "resume_detail_per_ip": "1/m"}
        resume = ResumeFactory()
        client.get(detail_url(resume))

        assert client.get(detail_url(resume)).status_code == 429


class TestActivityLog:
    def test_searches_and_views_go_to_the_activity_log_not_the_chain(self, client, seat):
        from audit.models import ActivityEvent, AuditEvent

        resume = ResumeFactory(headline="Data engineer")
        client.get(SEARCH, {"q": "data", "city": "Shanghai"})
        client.get(detail_url(resume))

        search, view = ActivityEvent.objects.order_by("id")
        assert (search.kind, search.actor_id, search.organization_id) == ("search", seat.user.id, seat.organization_id)
        assert search.filters == {"q": "data", "city": "Shanghai", "cursor": False}
        assert search.result_count == 1
        assert (view.kind, view.resume_id) == ("view", resume.id)
        assert not AuditEvent.objects.exists()

    def test_refused_searches_are_not_logged_as_activity(self):
        from audit.models import ActivityEvent

        client_for(SeekerFactory()).get(SEARCH)

        assert not ActivityEvent.objects.exists()
