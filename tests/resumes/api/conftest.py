"""Fixtures of the recruiter-facing API tests: a verified organisation, a seat in it, its token client, a job.

Here `client` is an API client holding the recruiter's token, not Django's test client.
"""

import pytest

from tests.employers.conftest import client_for
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory


@pytest.fixture
def organization():
    return VerifiedOrganizationFactory()


@pytest.fixture
def seat(organization):
    return SeatFactory(organization=organization)


@pytest.fixture
def client(seat):
    return client_for(seat.user)


@pytest.fixture
def job(organization):
    return JobPostingFactory(organization=organization)
