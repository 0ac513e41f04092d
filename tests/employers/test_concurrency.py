"""Races on PostgreSQL: one code registered once, one seat per recruiter, never more seats than the plan's."""

import pytest
from django.db import connection

from audit.models import AuditEvent
from config.errors import DomainError
from employers import services
from employers.models import Invitation, Organization, RegistrationAttempt, Seat
from tests.employers.factories import AdminSeatFactory, RecruiterFactory, uscc_for
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


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


def test_a_registration_that_commits_right_after_the_taken_check_still_refuses_with_uscc_taken():
    # The race's narrowest window, made certain: the rival commits between this registration's look-up
    # of the code and its save. The refusal must be the API's uscc_taken, not a ValidationError.
    rival, recruiter = RecruiterFactory(), RecruiterFactory()
    code = uscc_for(4242)
    fired = []

    def rival_commits_after_the_lookup(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not fired and sql.startswith('SELECT %s AS "a" FROM "employers_organization"'):
            fired.append(sql)
            [rival_result] = run_together(
                lambda: services.register_organization(recruiter=rival, legal_name="Rival", uscc=code, city="Beijing")
            )
            assert isinstance(rival_result, Organization), rival_result
        return result

    with connection.execute_wrapper(rival_commits_after_the_lookup), pytest.raises(DomainError) as refused:
        services.register_organization(recruiter=recruiter, legal_name="Late Ltd", uscc=code, city="Beijing")

    assert fired, "the look-up of the code was not seen: the test no longer sits in the window"
    assert refused.value.code == "uscc_taken"
    assert Organization.objects.filter(uscc=code).get().registered_by == rival


def test_two_invitations_accepted_at_once_seat_the_recruiter_once():
    recruiter = RecruiterFactory(email="contested@example.test")
    invitations = [
        services.invite_recruiter(seat=AdminSeatFactory(), email="contested@example.test", role="recruiter")
        for _ in range(2)
    ]

    results = run_together(
        *[
            lambda invitation=invitation: services.accept_invitation(user=recruiter, invitation_id=invitation.pk)
            for invitation in invitations
        ]
    )

    assert Seat.objects.filter(user=recruiter).count() == 1
    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 1
    assert refused[0].code == "already_in_organization"
    assert sorted(Invitation.objects.values_list("status", flat=True)) == ["accepted", "pending"]
    assert AuditEvent.objects.filter(action="invitation.accepted").count() == 1


def test_concurrent_invitations_never_overfill_the_seats(settings):
    settings.PLAN_SEATS = {"standard": 2, "member": 2}
    admin_seat = AdminSeatFactory()

    results = run_together(
        *[
            lambda n=n: services.invite_recruiter(seat=admin_seat, email=f"racer{n}@example.test", role="recruiter")
            for n in range(3)
        ]
    )

    assert Invitation.objects.count() == 1
    assert sorted(getattr(result, "code", "invited") for result in results) == ["invited", "seats_full", "seats_full"]
