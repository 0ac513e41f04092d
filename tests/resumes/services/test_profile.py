"""The seeker's resume and contact details (resumes/services/profile.py)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts import crypto
from resumes import services
from resumes.models import EducationEntry, ExperienceEntry, Resume
from tests.employers.factories import SeekerFactory
from tests.resumes.factories import ResumeFactory
from tests.resumes.planted import (
    PLANTED_ADDRESS,
    PLANTED_EMAIL,
    PLANTED_NAME,
    PLANTED_PHONE,
    PLANTED_PHONE_LOCAL,
    raw_rows,
)

pytestmark = pytest.mark.django_db


def resume_kwargs(**overrides) -> dict:
    values = {
        "headline": "Python 后端工程师",
        "category": "software_engineering",
        "summary": "Django and PostgreSQL; 五年经验。",
        "skills": ["Python", "Django", " python ", "Celery"],
        "city": "Shanghai",
        "years_experience": 5,
        "experience": [
            services.ExperienceInput(title="Senior backend engineer", start=date(2020, 1, 1), industry="Internet"),
            services.ExperienceInput(title="数据工程师", start=date(2017, 6, 1), end=date(2019, 12, 31)),
        ],
        "education": [services.EducationInput(degree="BSc", field="Computer science", start_year=2013, end_year=2017)],
    }
    values.update(overrides)
    return values


# save_resume


def test_save_resume_creates_the_resume_with_entries_and_search_text():
    seeker = SeekerFactory()

    resume = services.save_resume(seeker=seeker, **resume_kwargs())

    resume.refresh_from_db()
    assert resume.seeker == seeker
    assert resume.skills == ["Python", "Django", "Celery"]
    assert [entry.title for entry in resume.experience_entries.all()] == ["Senior backend engineer", "数据工程师"]
    assert resume.education_entries.get().field == "Computer science"
    # Headline and skills are primary; summary and experience titles secondary, CJK as bigrams.
    assert "工程 程师" in resume.search_primary
    assert "senior" in resume.search_secondary.split()
    assert "数据" in resume.search_secondary.split()


def test_save_resume_replaces_entries_and_bumps_updated_at():
    seeker = SeekerFactory()
    with time_machine.travel("2026-01-10 08:00:00+00:00", tick=False):
        resume = services.save_resume(seeker=seeker, **resume_kwargs())
    with time_machine.travel("2026-02-01 08:00:00+00:00", tick=False):
        services.save_resume(
            seeker=seeker,
            **resume_kwargs(
                headline="Staff engineer",
                experience=[services.ExperienceInput(title="Staff engineer", start=date(2024, 1, 1))],
                education=[],
            ),
        )

    resume.refresh_from_db()
    assert Resume.objects.filter(seeker=seeker).count() == 1
    assert resume.headline == "Staff engineer"
    assert ExperienceEntry.objects.filter(resume=resume).count() == 1
    assert EducationEntry.objects.filter(resume=resume).count() == 0
    assert resume.updated_at.date() == date(2026, 2, 1)
    assert "数据" not in resume.search_secondary


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"headline": ""}, "headline"),
        ({"category": "astrology"}, "category"),
        ({"skills": [f"skill {n}" for n in range(31)]}, "skills"),
        (
            {"experience": [services.ExperienceInput(title="X", start=date(2020, 1, 1), end=date(2019, 1, 1))]},
            "experience",
        ),
        ({"education": [services.EducationInput(degree="BSc", start_year=2017, end_year=2013)]}, "education"),
        # Found by a seeker's test: year 0, and experience still to come, were stored.
        ({"experience": [services.ExperienceInput(title="X", start=date(1, 1, 1))]}, "experience"),
        ({"experience": [services.ExperienceInput(title="X", start=date(2999, 1, 1))]}, "experience"),
        ({"education": [services.EducationInput(degree="BSc", start_year=0)]}, "education"),
        ({"education": [services.EducationInput(degree="BSc", start_year=2010, end_year=2999)]}, "education"),
    ],
)
def test_save_resume_refuses_invalid_input_and_writes_nothing(overrides, field):
    seeker = SeekerFactory()

    with pytest.raises(ValidationError) as caught:
        services.save_resume(seeker=seeker, **resume_kwargs(**overrides))

    assert field in caught.value.message_dict
    assert not Resume.objects.filter(seeker=seeker).exists()


def test_only_seekers_have_resumes(recruiter):
    with pytest.raises(services.NotSeeker):
        services.save_resume(seeker=recruiter, **resume_kwargs())


# update_contact_details


def test_contact_details_are_stored_encrypted_and_blind_indexed():
    resume = ResumeFactory(phone_e164="")

    services.update_contact_details(
        seeker=resume.seeker,
        full_name=PLANTED_NAME,
        phone=PLANTED_PHONE_LOCAL,
        email=" Zelda.Quuxworth.77@Example.test ",
        birth_date=date(1991, 2, 3),
        address=PLANTED_ADDRESS,
    )

    resume.refresh_from_db()
    details = resume.decrypt_contact_details()
    assert details.full_name == PLANTED_NAME
    assert details.phone == PLANTED_PHONE
    assert details.email == PLANTED_EMAIL
    assert details.birth_date == "1991-02-03"
    assert details.address == PLANTED_ADDRESS
    assert resume.phone_blind_index == crypto.blind_index(PLANTED_PHONE)
    assert resume.email_blind_index == crypto.email_blind_index(PLANTED_EMAIL)
    stored = raw_rows(Resume._meta.db_table)
    for planted in (PLANTED_NAME, PLANTED_PHONE, PLANTED_PHONE_LOCAL, PLANTED_EMAIL, "1991-02-03", "浦东新区"):
        assert planted not in stored


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "not a phone"}, "phone"),
        ({"email": "no-at-sign"}, "email"),
        ({"full_name": "  "}, "full_name"),
        ({"birth_date": date.today() + timedelta(days=2)}, "birth_date"),
    ],
)
def test_contact_details_are_validated(overrides, field):
    resume = ResumeFactory(phone_e164="")
    values = {"full_name": PLANTED_NAME, "phone": PLANTED_PHONE, "email": PLANTED_EMAIL} | overrides

    with pytest.raises(ValidationError) as caught:
        services.update_contact_details(seeker=resume.seeker, **values)

    assert field in caught.value.message_dict
    resume.refresh_from_db()
    assert resume.phone_ciphertext == ""


def test_contact_details_need_a_resume():
    with pytest.raises(services.ResumeMissing):
        services.update_contact_details(
            seeker=SeekerFactory(), full_name=PLANTED_NAME, phone=PLANTED_PHONE, email=PLANTED_EMAIL
        )


def test_a_first_resume_takes_the_accounts_name_and_address_as_its_contact_until_the_contact_page_is_saved():
    """A seeker who never saved the contact page (it shows these prefilled) was revealed with an empty name,
    and the relay had nowhere to forward."""
    from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory

    seeker = SeekerFactory(full_name="Ondine Farrowmere", email="ondine.farrowmere@example.test")

    resume = services.save_resume(seeker=seeker, **resume_kwargs())

    contact = resume.decrypt_contact_details()
    assert (contact.full_name, contact.email, contact.phone) == (
        "Ondine Farrowmere",
        "ondine.farrowmere@example.test",
        "",
    )
    services.update_privacy(seeker=seeker, visibility="public", relay_preference="relay_only")
    seat = SeatFactory(organization=VerifiedOrganizationFactory())
    revealed = services.reveal_contact(
        recruiter=seat.user, resume=resume, job=JobPostingFactory(organization=seat.organization)
    )
    assert revealed.contact["name"] == "Ondine Farrowmere"
    assert revealed.contact["kind"] == "relay"
    # Saving the resume again keeps what the contact page holds.
    services.update_contact_details(seeker=seeker, full_name="Ondine F.", phone="13912345670", email="o@example.test")
    services.save_resume(seeker=seeker, **resume_kwargs())
    assert Resume.objects.get(seeker=seeker).decrypt_contact_details().full_name == "Ondine F."
