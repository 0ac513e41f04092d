"""Registration evidence selectors (shared IP, identical licence, attempts), read by the admin and the detectors."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from employers import selectors, services
from employers.errors import UsccTaken
from employers.models import Organization, Seat
from tests.employers.factories import AdverseCreditRecordFactory, OrganizationFactory, RecruiterFactory, uscc_for

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def register(number: int, ip: str | None) -> Organization:
    return services.register_organization(
        recruiter=RecruiterFactory(), legal_name=f"Company {number} Ltd", uscc=uscc_for(number), city="Beijing", ip=ip
    )


def upload(organization: Organization, content: bytes) -> None:
    seat = Seat.objects.get(organization=organization)
    services.upload_licence(seat=seat, file=SimpleUploadedFile("licence.png", content))


def test_organizations_sharing_registration_ip_are_the_others_from_that_address():
    first, second, third = register(1, "192.0.2.7"), register(2, "192.0.2.7"), register(3, "192.0.2.7")
    elsewhere, unknown = register(4, "198.51.100.1"), register(5, None)

    assert set(selectors.organizations_sharing_registration_ip(organization=first)) == {second, third}
    assert list(selectors.organizations_sharing_registration_ip(organization=elsewhere)) == []
    # No address recorded is no evidence: organisations without one are not all "the same IP".
    assert list(selectors.organizations_sharing_registration_ip(organization=unknown)) == []


def test_organizations_sharing_licence_hash_are_those_with_a_byte_identical_file():
    first, copy, different = register(1, None), register(2, None), register(3, None)
    upload(first, PNG + b"same")
    upload(first, PNG + b"older")
    upload(copy, PNG + b"same")
    upload(different, PNG + b"other")

    assert list(selectors.organizations_sharing_licence_hash(organization=first)) == [copy]
    assert list(selectors.organizations_sharing_licence_hash(organization=copy)) == [first]
    assert list(selectors.organizations_sharing_licence_hash(organization=different)) == []


def test_registration_attempts_sharing_uscc_or_ip_include_refused_ones():
    organization = register(1, "192.0.2.8")
    with pytest.raises(UsccTaken):
        services.register_organization(
            recruiter=RecruiterFactory(), legal_name="Copycat", uscc=uscc_for(1), city="Beijing", ip="203.0.113.9"
        )
    register(2, "192.0.2.8")
    register(3, "203.0.113.10")

    attempts = selectors.registration_attempts_sharing_uscc_or_ip(organization=organization)

    assert [(attempt.uscc, attempt.outcome) for attempt in attempts] == [
        (uscc_for(2), "registered"),
        (uscc_for(1), "uscc_taken"),
        (uscc_for(1), "registered"),
    ]


def test_with_registration_evidence_counts_for_a_whole_list_in_one_query(django_assert_num_queries):
    first, second = register(1, "192.0.2.9"), register(2, "192.0.2.9")
    with pytest.raises(UsccTaken):
        register(1, "203.0.113.11")
    lone = OrganizationFactory(registered_ip=None)
    AdverseCreditRecordFactory(uscc=lone.uscc)

    with django_assert_num_queries(1):
        rows = {
            row.pk: (row.uscc_attempt_count, row.same_ip_count, row.uscc_blacklisted)
            for row in selectors.with_registration_evidence(Organization.objects.all())
        }

    assert rows == {first.pk: (2, 1, False), second.pk: (1, 1, False), lone.pk: (0, 0, True)}
