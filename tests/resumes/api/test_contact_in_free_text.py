"""Contact details stored in free text: hidden in the masked resume, absent from search, and never a search query."""

import json

import pytest

from audit.models import ActivityEvent, AuditEvent
from resumes import selectors, services
from resumes.contact_text import REDACTED
from resumes.models import Resume
from tests.employers.conftest import client_for
from tests.employers.factories import SeekerFactory
from tests.resumes.factories import EducationEntryFactory, ResumeFactory

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/resumes"
REFUSED_ACTION = "search.contact_query_refused"

# Unique values planted in free text, as a seeker (or an older version of the editor) stored them.
PHONE = "139 8765 4321"
HANDLE = "quill_wx_4711"
EMAIL = "quill.vance.4711@example.test"
QQ = "471147114"
LINK = "www.quill-vance.me"
SURNAME = "Vancewright"
SPLIT_HANDLE = "quill_split_4711"  # a skill of its own, after a skill "WeChat"
PLANTED = (
    *(PHONE, "13987654321", "13811112222", HANDLE, EMAIL, QQ, "quill_vx_4711", "quill-vance", "Quillon", SURNAME),
    SPLIT_HANDLE,
)


@pytest.fixture
def planted():
    resume = ResumeFactory(
        full_name=f"Quillon {SURNAME}",
        headline=f"Quillon {SURNAME}, data engineer",
        summary=f"Reach me on {PHONE}, WeChat: {HANDLE}, {EMAIL} or {LINK}. {SURNAME} builds Spark pipelines.",
        skills=["Spark", f"QQ {QQ}", "WeChat", SPLIT_HANDLE],
        city="Chengdu",
        experience_titles=["Data lead 13811112222"],
    )
    EducationEntryFactory(resume=resume, degree="Master", field="Statistics, VX: quill_vx_4711")
    return resume


def assert_nothing_planted_in(body: bytes) -> None:
    text = body.decode()
    for value in PLANTED:
        assert value not in text, value


class TestTheMaskedResumeHidesThem:
    def test_the_detail_shows_each_span_as_contact_hidden(self, client, planted):
        response = client.get(f"{SEARCH}/{planted.pk}")

        assert response.status_code == 200
        assert_nothing_planted_in(response.content)
        body = response.json()
        assert body["headline"] == f"{REDACTED}, data engineer"
        assert body["summary"] == (
            f"Reach me on {REDACTED}, WeChat: {REDACTED}, {REDACTED} or {REDACTED}. {REDACTED} builds Spark pipelines."
        )
        assert body["skills"] == ["Spark", f"QQ {REDACTED}", "WeChat", REDACTED]
        assert body["city"] == "Chengdu"
        assert [entry["title"] for entry in body["experience"]] == [f"Data lead {REDACTED}"]
        assert [(entry["degree"], entry["field"]) for entry in body["education"]] == [
            ("Master", f"Statistics, VX: {REDACTED}")
        ]

    def test_search_results_hide_them_too(self, client, planted):
        response = client.get(SEARCH, {"q": "Spark"})

        assert [item["id"] for item in response.json()["results"]] == [str(planted.pk)]
        assert_nothing_planted_in(response.content)


class TestTheSearchIndexHoldsNone:
    def test_searching_for_a_planted_contact_finds_nobody(self, seat, planted):
        def found(**filters):
            return list(
                selectors.search_masked_resumes(user=seat.user, filters=selectors.ResumeSearchFilters(**filters))
            )

        # The API refuses most of these queries outright; the index must not answer them either.
        for query in (
            "13987654321",
            PHONE,
            "13811112222",
            HANDLE,
            EMAIL,
            QQ,
            LINK,
            "quill_vx_4711",
            SURNAME,
            "Quillon",
        ):
            assert found(q=query) == [], query
        assert found(skills=[f"QQ {QQ}"]) == []
        assert found(skills=[SPLIT_HANDLE]) == []
        assert found(q="Spark pipelines") == [planted]
        assert found(skills=["Spark"]) == [planted]

    def test_the_stored_search_text_holds_none(self, planted):
        planted.refresh_from_db()
        stored = " ".join((planted.search_primary, planted.search_secondary, planted.skill_keys))

        for token in ("13987654321", "8765", "quill", "4711", QQ, "vancewright", "quillon", "example.test", "split"):
            assert token not in stored, token
        assert "spark" in stored.split()

    @pytest.mark.parametrize("query", [HANDLE, SURNAME, "quill-vance"])
    def test_queries_that_are_not_contact_data_are_answered_but_find_nobody(self, client, planted, query):
        response = client.get(SEARCH, {"q": query})

        assert response.status_code == 200
        assert response.json()["results"] == []


CONTACT_QUERIES = [
    ("13812345678", ["phone"]),
    ("138 1234 5678", ["phone"]),
    ("+86 138-1234-5678", ["phone"]),
    ("一三八一二三四五六七八", ["phone"]),
    ("zhang@example.com", ["email"]),
    ("zhang at example dot com", ["email"]),
    ("WeChat: zhang_wx", ["handle"]),
    ("微信 zhang_wx", ["handle"]),
    ("QQ 123456789", ["handle"]),
    ("python 13812345678", ["phone"]),
]


class TestContactQueries:
    @pytest.mark.parametrize(("query", "kinds"), CONTACT_QUERIES)
    def test_a_contact_query_is_refused_audited_and_not_logged(self, client, seat, planted, query, kinds):
        response = client.get(SEARCH, {"q": query}, REMOTE_ADDR="203.0.113.9")

        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "contact_query_refused"
        assert body["detail"] and query not in body["detail"]
        event = AuditEvent.objects.get(action=REFUSED_ACTION)
        assert event.seq >= 1 and event.prev_hash and event.hash  # chained, like a reveal
        assert (event.actor_id, event.actor_role, event.organization_id) == (
            seat.user.pk,
            "recruiter",
            seat.organization_id,
        )
        assert (event.outcome, event.code, event.ip, event.details) == (
            "denied",
            "contact_query_refused",
            "203.0.113.9",
            {"kinds": kinds},
        )
        stored = json.dumps([event.details, event.target_id, event.user_agent], ensure_ascii=False)
        for fragment in (query, "1234", "zhang"):
            assert fragment not in stored
        assert not ActivityEvent.objects.exists()

    def test_other_search_terms_are_logged_as_before(self, client, seat, planted):
        response = client.get(SEARCH, {"q": "C# 2015-2019", "city": "Chengdu"})

        assert response.status_code == 200
        activity = ActivityEvent.objects.get()
        assert activity.filters == {"q": "C# 2015-2019", "city": "Chengdu", "cursor": False}
        assert not AuditEvent.objects.filter(action=REFUSED_ACTION).exists()

    def test_who_may_not_search_is_told_so_first_and_nothing_is_recorded(self):
        response = client_for(SeekerFactory()).get(SEARCH, {"q": "13812345678"})

        assert (response.status_code, response.json()["code"]) == (403, "not_recruiter")
        assert not AuditEvent.objects.filter(action=REFUSED_ACTION).exists()


def test_the_name_the_account_was_opened_with_is_hidden_before_any_contact_details_are_given(client):
    seeker = SeekerFactory(full_name="Orsolya Brightwater")
    services.save_resume(
        seeker=seeker,
        headline="Backend engineer",
        summary="Orsolya Brightwater: Go and Kafka. Ask for Ms. Brightwater.",
        category="software_engineering",
    )
    resume = Resume.objects.get(seeker=seeker)
    # The contact page was never saved: its name is the account's (resumes.services.profile._new_resume).
    assert resume.decrypt_contact_details().full_name == "Orsolya Brightwater"

    detail = client.get(f"{SEARCH}/{resume.pk}").json()

    assert detail["summary"] == f"{REDACTED}: Go and Kafka. Ask for Ms. {REDACTED}."
    assert client.get(SEARCH, {"q": "Brightwater"}).json()["results"] == []
    assert [item["id"] for item in client.get(SEARCH, {"q": "Kafka"}).json()["results"]] == [str(resume.pk)]
