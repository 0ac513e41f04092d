"""Fixtures the reveal tests of this package share; a module or subpackage that declares its own wins."""

import pytest

from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory


@pytest.fixture
def seat():
    """A recruiter's seat in a verified organisation."""
    return SeatFactory(organization=VerifiedOrganizationFactory())


@pytest.fixture
def job(seat):
    """An open job of that organisation."""
    return JobPostingFactory(organization=seat.organization)
