"""Contact details typed into a resume: the editor refuses them, the admin hides them, the rebuild drops them."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from resumes.contact_text import REDACTED, redact
from resumes.forms import CONTACT_IN_FREE_TEXT
from resumes.models import EducationEntry, ExperienceEntry, Resume
from tests.employers.factories import SeekerFactory
from tests.factories import UserFactory
from tests.resumes.factories import EducationEntryFactory, ExperienceEntryFactory, ResumeFactory
from tests.resumes.test_web_pages import editor_data

pytestmark = pytest.mark.django_db

MESSAGE_EN = str(CONTACT_IN_FREE_TEXT)
MESSAGE_ZH = "这里似乎包含联系方式"
EDUCATION = {
    "education-0-degree": "Bachelor",
    "education-0-field": "Computer science",
    "education-0-start_year": "2010",
    "education-0-end_year": "2014",
}

# One recruiter-visible field at a time, each with another disguise.
CONTACT_IN_FIELD = [
    {"headline": "Python engineer, call 138 1234 5678"},
    {"summary": "Ten years of web work. Mail me: zhang at example dot com"},
    {"skills": "Python, Django, WeChat: zhang_wx2024"},
    {"city": "Hangzhou QQ 123456789"},
    {"experience-0-title": "Tech lead 一三八一二三四五六七八"},
    {"experience-0-industry": "E-commerce, zhang＠example.com"},  # noqa: RUF001 (a full-width at sign, on purpose)
    {**EDUCATION, "education-0-degree": "Bachelor, see https://zhang.dev/cv"},
    {**EDUCATION, "education-0-field": "Computer science 微信zhangwx123"},
]


def seeker_client(seeker) -> Client:
    client = Client()
    client.force_login(seeker)
    return client


@pytest.mark.parametrize("overrides", CONTACT_IN_FIELD, ids=lambda overrides: list(overrides)[-1])
def test_the_editor_refuses_contact_details_in_any_field_employers_see_and_saves_nothing(overrides):
    seeker = SeekerFactory()

    response = seeker_client(seeker).post(reverse("resumes:resume"), editor_data(**overrides))

    assert response.status_code == 200
    assert MESSAGE_EN in response.content.decode()
    assert not Resume.objects.filter(seeker=seeker).exists()
    assert not ExperienceEntry.objects.exists()
    assert not EducationEntry.objects.exists()


def test_the_refusal_is_explained_in_chinese():
    seeker = SeekerFactory()

    response = seeker_client(seeker).post(
        reverse("resumes:resume"), editor_data(summary="电话 138-1234-5678"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    content = response.content.decode()
    assert MESSAGE_ZH in content
    assert "受保护的“联系方式”页面" in content
    assert MESSAGE_EN not in content
    assert not Resume.objects.filter(seeker=seeker).exists()


def test_an_existing_resume_is_left_as_it_was():
    resume = ResumeFactory(headline="Backend engineer", summary="Django services.")
    ExperienceEntryFactory(resume=resume, title="Developer")

    response = seeker_client(resume.seeker).post(
        reverse("resumes:resume"), editor_data(headline="Backend engineer", summary="Skype: live:zhang_2024")
    )

    assert response.status_code == 200
    resume.refresh_from_db()
    assert (resume.headline, resume.summary) == ("Backend engineer", "Django services.")
    assert list(resume.experience_entries.values_list("title", flat=True)) == ["Developer"]


def test_ordinary_text_that_looks_like_numbers_is_saved():
    seeker = SeekerFactory()
    ordinary = {
        "headline": "C#/.NET and Node.js engineer, 5 years",
        "summary": "2015\u20132019 at jd.com; salary 15000-25000; cut costs by 35%; Python 3.11. WeChat mini programs.",
        "skills": "C++, C#, .NET, Node.js, ASP.NET Core",
        "experience-0-title": "Line manager, 2015-2019",
    }

    response = seeker_client(seeker).post(reverse("resumes:resume"), editor_data(**ordinary))

    assert response.status_code == 302
    resume = Resume.objects.get(seeker=seeker)
    assert resume.summary == ordinary["summary"]
    assert resume.skills == ["C++", "C#", ".NET", "Node.js", "ASP.NET Core"]


# The operators' admin


@pytest.fixture
def operator_client() -> Client:
    client = Client()
    client.force_login(UserFactory(role="operator", is_staff=True, is_superuser=True))
    return client


def test_the_admin_shows_free_text_with_contact_details_and_the_name_hidden(operator_client):
    resume = ResumeFactory(
        full_name="Quillon Vancewright",
        headline="Quillon Vancewright, data engineer",
        summary="Reach me on 139 8765 4321 or quill.vance.4711@example.test; Spark and Flink.",
        skills=["Spark", "VX: quill_wx_4711"],
        city="Chengdu",
    )
    ExperienceEntryFactory(resume=resume, title="Data lead, QQ 471147114", industry="Logistics")
    EducationEntryFactory(resume=resume, degree="Master", field="Statistics, www.quill-vance.me")

    page = operator_client.get(reverse("admin:resumes_resume_change", args=[resume.pk])).content.decode()

    for planted in ("Quillon", "Vancewright", "139 8765 4321", "quill.vance.4711", "quill_wx_4711", "471147114"):
        assert planted not in page
    assert "quill-vance.me" not in page
    assert f"{REDACTED}, data engineer" in page
    assert "Spark and Flink." in page
    assert "Data lead" in page and "Logistics" in page and "Statistics" in page


# Rows stored before the filter


def test_the_rebuild_command_drops_contact_details_from_the_search_text_of_existing_rows():
    resume = ResumeFactory(
        full_name="Quillon Vancewright", headline="Data engineer", summary="Spark engineer", skills=["Spark"]
    )
    # As a row from before the filter: contact details in the search text, no name index.
    Resume.objects.filter(pk=resume.pk).update(
        summary="Spark engineer, 13987654321, Vancewright, Quillon",
        skills=["Spark", "wx: quill_wx_4711"],
        search_primary="spark wx quill_wx_4711",
        search_secondary="spark engineer 13987654321 vancewright quillon",
        skill_keys="|spark|wx: quill_wx_4711|",
        name_index=[],
    )

    call_command("rebuild_resume_search_text", stdout=StringIO(), stderr=StringIO())

    resume.refresh_from_db()
    assert resume.name_index
    assert resume.search_primary == "data engineer spark wx"
    assert resume.search_secondary == "spark engineer"
    assert resume.skill_keys == "|spark|"


def test_a_new_blind_index_key_recomputes_the_name_index(settings):
    resume = ResumeFactory(full_name="Quillon Vancewright", summary="Ask Vancewright.")
    settings.BLIND_INDEX_KEY = "rotated-blind-index-key"
    assert redact(resume.summary, name_index=resume.name_index) == resume.summary  # stale under the new key

    call_command("reencrypt_contact_data", stdout=StringIO(), stderr=StringIO())

    resume.refresh_from_db()
    assert redact(resume.summary, name_index=resume.name_index) == f"Ask {REDACTED}."
