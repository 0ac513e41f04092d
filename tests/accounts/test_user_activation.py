"""accounts.services.set_user_active: an operator's audited switch of an account, with its reason."""

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import User
from audit.actions import AuditAction
from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/organizations/me"


@time_machine.travel("2026-03-02 09:30:00+00:00", tick=False)
def test_deactivating_stops_the_account_and_audits_who_why_and_when(operator, recruiter, recruiter_client):
    assert recruiter_client.get(ME).status_code == 404  # authenticated: no organisation yet

    returned = services.set_user_active(user=recruiter, active=False, by=operator, reason="Harvesting, flag 12.")

    assert returned.is_active is False
    assert User.objects.get(pk=recruiter.pk).is_active is False
    assert recruiter_client.get(ME).status_code == 401  # the API token stops working at once
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.actor_role, event.organization_id) == (
        "user.deactivated",
        operator.pk,
        "operator",
        None,
    )
    assert (event.target_type, event.target_id, event.outcome) == ("user", str(recruiter.pk), "")
    assert event.details == {"role": "recruiter", "reason": "Harvesting, flag 12."}
    assert event.created_at.isoformat() == "2026-03-02T09:30:00+00:00"


def test_reactivating_is_audited_as_its_own_action(operator):
    user = UserFactory(role="recruiter", is_active=False)

    services.set_user_active(user=user, active=True, by=operator, reason="Flag dismissed.")

    assert User.objects.get(pk=user.pk).is_active is True
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [AuditAction.USER_ACTIVATED]


def test_setting_the_state_an_account_has_records_nothing(operator, seeker):
    services.set_user_active(user=seeker, active=True, by=operator, reason="No change.")

    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(operator, seeker, reason):
    with pytest.raises(services.ReasonRequired) as refused:
        services.set_user_active(user=seeker, active=False, by=operator, reason=reason)

    assert refused.value.code == "reason_required"
    assert User.objects.get(pk=seeker.pk).is_active is True
    assert not AuditEvent.objects.exists()


def test_a_reason_with_contact_details_is_refused(operator, seeker):
    with pytest.raises(ValidationError):
        services.set_user_active(user=seeker, active=False, by=operator, reason="spoke to li.na@example.test")

    assert User.objects.get(pk=seeker.pk).is_active is True
    assert not AuditEvent.objects.exists()
