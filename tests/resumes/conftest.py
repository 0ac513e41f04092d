"""Fixtures the reveal tests of this package share; a module or subpackage that declares its own wins."""

import pytest

from resumes import relay_pool
from tests.employers.factories import JobPostingFactory, SeatFactory, VerifiedOrganizationFactory
from tests.resumes.factories import RelayContactFactory

RELAY_NUMBER = "+864009990000"


@pytest.fixture
def seat():
    """A recruiter's seat in a verified organisation."""
    return SeatFactory(organization=VerifiedOrganizationFactory())


@pytest.fixture
def job(seat):
    """An open job of that organisation."""
    return JobPostingFactory(organization=seat.organization)


@pytest.fixture
def every_candidate_held(settings, monkeypatch):
    """One relay number with one-digit extensions, 0 to 8 held, and the pool's draw offering only those.

    The write statement then finds every candidate it tries taken; extension 9 is the one left. Gives the number.
    """
    settings.RELAY_PHONE_NUMBERS = [RELAY_NUMBER]
    settings.RELAY_EXTENSION_DIGITS = 1
    held = [RelayContactFactory(phone_number=RELAY_NUMBER, phone_extension=str(extension)) for extension in range(9)]
    monkeypatch.setattr(
        relay_pool, "random_slots", lambda count, size: [(RELAY_NUMBER, r.phone_extension) for r in held]
    )
    return RELAY_NUMBER
