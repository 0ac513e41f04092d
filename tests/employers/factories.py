"""factory_boy factories for employers: organisations, seats, jobs, applications, adverse credit."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from employers.categories import JobCategory
from employers.models import (
    AdverseCreditRecord,
    Application,
    BusinessLicence,
    Invitation,
    JobPosting,
    Organization,
    OrganizationStatus,
    Seat,
    SeatRole,
)
from employers.uscc import check_character
from tests.factories import UserFactory


def uscc_for(number: int, *, division: str = "310000") -> str:
    """A valid USCC whose body encodes `number`; used only to make distinct test codes."""
    body = f"91{division}{number:09d}"
    return body + check_character(body)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    legal_name = factory.Sequence(lambda n: f"Test Company {n} Ltd")
    uscc = factory.Sequence(lambda n: uscc_for(500_000 + n))
    city = "Shanghai"
    status = OrganizationStatus.PENDING


class BusinessLicenceFactory(DjangoModelFactory):
    """A licence row on file (no file behind it): what verification checks for."""

    class Meta:
        model = BusinessLicence

    organization = factory.SubFactory(OrganizationFactory)
    storage_name = factory.Sequence(lambda n: f"licences/test/{n}.png")
    content_type = "image/png"
    size = 1024
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


class VerifiedOrganizationFactory(OrganizationFactory):
    status = OrganizationStatus.VERIFIED
    verified_at = factory.LazyFunction(timezone.now)
    reverify_due = factory.LazyFunction(lambda: timezone.now() + timedelta(days=183))


class RecruiterFactory(UserFactory):
    role = "recruiter"


class SeekerFactory(UserFactory):
    role = "seeker"


class SeatFactory(DjangoModelFactory):
    class Meta:
        model = Seat

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(RecruiterFactory)
    role = SeatRole.RECRUITER
    is_active = True


class AdminSeatFactory(SeatFactory):
    role = SeatRole.ADMIN


class JobPostingFactory(DjangoModelFactory):
    class Meta:
        model = JobPosting

    organization = factory.SubFactory(VerifiedOrganizationFactory)
    title = factory.Sequence(lambda n: f"Backend engineer {n}")
    description = "Build and run Django services."
    city = "Shanghai"
    category = JobCategory.SOFTWARE_ENGINEERING


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = Application

    job = factory.SubFactory(JobPostingFactory)
    seeker = factory.SubFactory(SeekerFactory)


class AdverseCreditRecordFactory(DjangoModelFactory):
    class Meta:
        model = AdverseCreditRecord

    uscc = factory.Sequence(lambda n: uscc_for(800_000 + n))
    reason = "Bulk harvesting of contact details."


class InvitationFactory(DjangoModelFactory):
    """An open invitation; `email` is a plain input, stored as ciphertext and blind index."""

    class Meta:
        model = Invitation

    organization = factory.SubFactory(VerifiedOrganizationFactory)
    email = factory.Sequence(lambda n: f"planted.user.invited{n}@example.test")
    role = SeatRole.RECRUITER
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        email = kwargs.pop("email")
        invitation = model_class(*args, **kwargs)
        invitation.set_email(email)
        invitation.save()
        return invitation
