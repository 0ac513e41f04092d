"""factory_boy factories for resumes; contact details are plain inputs turned into ciphertext."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from employers.categories import JobCategory
from resumes.contact import normalise_phone
from resumes.models import EducationEntry, ExperienceEntry, Resume, Visibility
from tests.factories import UserFactory


class ResumeFactory(DjangoModelFactory):
    """A resume with contact details; pass `experience_titles=[...]` to add experience entries."""

    class Meta:
        model = Resume
        skip_postgeneration_save = True

    # Plain inputs, consumed by _create.
    full_name = factory.Faker("name")
    phone = factory.Sequence(lambda n: f"+86139{n:08d}")
    email = factory.Sequence(lambda n: f"seeker{n}@mail.example.test")
    experience_titles: list[str] = []

    seeker = factory.SubFactory(UserFactory, role="seeker")
    headline = factory.Sequence(lambda n: f"Experienced professional {n}")
    summary = "Reliable, curious and kind."
    skills = factory.LazyFunction(lambda: ["Python", "SQL"])
    city = "Shanghai"
    category = JobCategory.SOFTWARE_ENGINEERING
    years_experience = 5
    visibility = Visibility.PUBLIC

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        full_name = kwargs.pop("full_name")
        phone = kwargs.pop("phone")
        email = kwargs.pop("email")
        titles = kwargs.pop("experience_titles")
        resume = model_class(*args, **kwargs)
        resume.set_contact_details(full_name=full_name, phone_e164=normalise_phone(phone), email=email)
        resume.save()
        for index, title in enumerate(titles):
            ExperienceEntry.objects.create(
                resume=resume,
                title=title,
                industry="Internet",
                employer_name=f"Employer {index}",
                start=dt.date(2018 + index, 1, 1),
            )
        resume.refresh_search_text()
        resume.save()
        return resume


class EducationEntryFactory(DjangoModelFactory):
    class Meta:
        model = EducationEntry

    resume = factory.SubFactory(ResumeFactory)
    degree = "Bachelor"
    field = "Computer science"
    start_year = 2012
    end_year = 2016
