"""factory_boy factories for resumes: resumes with encrypted contact, entries, requests, relays, reveals."""

from datetime import date

import factory
from factory.django import DjangoModelFactory

from employers.categories import JobCategory
from resumes.models import (
    BlockedOrganization,
    ContactRequest,
    EducationEntry,
    ExperienceEntry,
    Notification,
    RelayContact,
    Resume,
    Reveal,
    RevealKind,
    Visibility,
)
from tests.employers.factories import (
    JobPostingFactory,
    RecruiterFactory,
    SeekerFactory,
    VerifiedOrganizationFactory,
)


class ResumeFactory(DjangoModelFactory):
    """A resume; `full_name`, `phone_e164` and `contact_email` are plain inputs stored encrypted."""

    class Meta:
        model = Resume
        skip_postgeneration_save = True

    seeker = factory.SubFactory(SeekerFactory)
    headline = factory.Sequence(lambda n: f"Python backend engineer {n}")
    summary = "Builds Django services; 后端开发工程师。"
    skills = factory.LazyFunction(lambda: ["Python", "Django", "PostgreSQL"])
    city = "Shanghai"
    category = JobCategory.SOFTWARE_ENGINEERING
    years_experience = 5
    visibility = Visibility.PUBLIC

    # Planted, recognisable values: the suite fails if any reaches a log line (tests/conftest.py).
    full_name = factory.Sequence(lambda n: f"Plantedseeker{n} 植入{n}")
    phone_e164 = factory.Sequence(lambda n: f"+8613900{n % 1_000_000:06d}")
    contact_email = factory.Sequence(lambda n: f"planted.seeker{n}@example.test")
    # Titles of experience entries to add (they feed the search text).
    experience_titles = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        full_name = kwargs.pop("full_name")
        phone = kwargs.pop("phone_e164")
        email = kwargs.pop("contact_email")
        titles = kwargs.pop("experience_titles")
        resume = model_class(*args, **kwargs)
        if phone:
            resume.set_contact_details(
                full_name=full_name, phone_e164=phone, email=email, birth_date="1990-05-17", address="上海市徐汇区"
            )
        resume.save()
        for index, title in enumerate(titles):
            ExperienceEntry.objects.create(
                resume=resume,
                title=title,
                industry="Internet",
                employer_name=f"Employer {index}",
                start=date(2018, 1, 1),
            )
        resume.refresh_search_text()
        resume.save()
        return resume


class ExperienceEntryFactory(DjangoModelFactory):
    class Meta:
        model = ExperienceEntry

    resume = factory.SubFactory(ResumeFactory)
    title = "Backend engineer"
    industry = "Internet"
    employer_name = "Previous Employer Co"
    start = date(2019, 3, 1)
    end = None


class EducationEntryFactory(DjangoModelFactory):
    class Meta:
        model = EducationEntry

    resume = factory.SubFactory(ResumeFactory)
    degree = "BSc"
    field = "Computer science"
    start_year = 2012
    end_year = 2016


class BlockedOrganizationFactory(DjangoModelFactory):
    class Meta:
        model = BlockedOrganization

    resume = factory.SubFactory(ResumeFactory)
    organization = factory.SubFactory(VerifiedOrganizationFactory)


class ContactRequestFactory(DjangoModelFactory):
    class Meta:
        model = ContactRequest

    resume = factory.SubFactory(ResumeFactory, visibility=Visibility.ON_REQUEST)
    job = factory.SubFactory(JobPostingFactory)
    organization = factory.SelfAttribute("job.organization")
    requested_by = factory.SubFactory(RecruiterFactory)


class RelayContactFactory(DjangoModelFactory):
    class Meta:
        model = RelayContact

    resume = factory.SubFactory(ResumeFactory)
    organization = factory.SubFactory(VerifiedOrganizationFactory)
    email_alias = factory.Sequence(lambda n: f"r{n:06d}@relay.hirewall.test")
    phone_number = "+864001234567"
    phone_extension = factory.Sequence(lambda n: f"{n:06d}")


class RevealFactory(DjangoModelFactory):
    class Meta:
        model = Reveal

    resume = factory.SubFactory(ResumeFactory)
    resume_ref = factory.SelfAttribute("resume.pk")
    job = factory.SubFactory(JobPostingFactory)
    organization = factory.SelfAttribute("job.organization")
    recruiter = factory.SubFactory(RecruiterFactory)
    relay_contact = factory.SubFactory(
        RelayContactFactory,
        resume=factory.SelfAttribute("..resume"),
        organization=factory.SelfAttribute("..organization"),
    )
    kind = RevealKind.RELAY
    charged = True


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(SeekerFactory)
    kind = "reveal"
    message = "An organisation received your relay contact."
