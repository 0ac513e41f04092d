"""Races on PostgreSQL: two registrations of one code, or two seats for one recruiter, never both succeed."""

import threading

import pytest
from django.db import connection

from config.errors import DomainError
from employers import services
from employers.models import Organization, RegistrationAttempt, Seat
from tests.employers.factories import AdminSeatFactory, RecruiterFactory, uscc_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls) -> list:
    """Start every call at once in its own thread (and its own database connection); return results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # the refusal is the result under test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_registrations_of_one_code_yield_one_organization():
    recruiters = [RecruiterFactory(), RecruiterFactory()]
    code = uscc_for(31337)

    results = run_together(
        *[
            lambda recruiter=recruiter: services.register_organization(
                recruiter=recruiter, legal_name="Race Ltd", uscc=code, city="Beijing"
            )
            for recruiter in recruiters
        ]
    )

    assert Organization.objects.filter(uscc=code).count() == 1
    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 1
    assert isinstance(refused[0], DomainError)
    assert refused[0].code == "uscc_taken"
    assert Seat.objects.count() == 1
    # The loser's attempt is evidence too, whichever check refused it.
    assert sorted(RegistrationAttempt.objects.values_list("outcome", flat=True)) == ["registered", "uscc_taken"]


def test_two_organizations_cannot_seat_one_recruiter():
    admins = [AdminSeatFactory(), AdminSeatFactory()]
    RecruiterFactory(email="contested@example.test")

    results = run_together(
        *[
            lambda seat=seat: services.add_recruiter(seat=seat, email="contested@example.test", role="recruiter")
            for seat in admins
        ]
    )

    assert Seat.objects.filter(user__role="recruiter").count() == 3
    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 1
    assert refused[0].code == "recruiter_already_seated"
