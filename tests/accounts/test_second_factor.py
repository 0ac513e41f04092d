"""Resetting an operator's lost second factor: another operator only, with a reason, in the audit log."""

import pytest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import OwnSecondFactor, reset_second_factor
from accounts.services import ReasonRequired
from audit.actions import AuditAction
from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operators():
    return [UserFactory(role="operator", is_staff=True, is_superuser=True) for _ in range(2)]


def enrol(user) -> None:
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    StaticDevice.objects.create(user=user, name="backup").token_set.create(token="kq7vx2mf")


def test_another_operator_removes_every_device_and_the_event_says_why(operators):
    lost, colleague = operators
    enrol(lost)
    enrol(colleague)

    removed = reset_second_factor(user=lost, by=colleague, reason="Phone lost, confirmed by video call")

    assert removed == 2
    assert not TOTPDevice.objects.filter(user=lost).exists()
    assert not StaticDevice.objects.filter(user=lost).exists()
    assert TOTPDevice.objects.filter(user=colleague).count() == 1  # nobody else's
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.actor_role, event.target_type, event.target_id) == (
        AuditAction.USER_SECOND_FACTOR_RESET,
        colleague.pk,
        "operator",
        "user",
        str(lost.pk),
    )
    assert event.details == {"devices": ["StaticDevice", "TOTPDevice"], "reason": "Phone lost, confirmed by video call"}


def test_an_operator_cannot_reset_their_own(operators):
    operator = operators[0]
    enrol(operator)

    with pytest.raises(OwnSecondFactor) as refusal:
        reset_second_factor(user=operator, by=operator, reason="I lost my phone")

    assert refusal.value.code == "own_second_factor"
    assert TOTPDevice.objects.filter(user=operator).exists()
    assert not AuditEvent.objects.exists()


def test_a_reset_needs_a_reason(operators):
    lost, colleague = operators
    enrol(lost)

    with pytest.raises(ReasonRequired):
        reset_second_factor(user=lost, by=colleague, reason="  ")

    assert TOTPDevice.objects.filter(user=lost).exists()
    assert not AuditEvent.objects.exists()


def test_an_operator_without_devices_changes_nothing_and_records_nothing(operators):
    lost, colleague = operators

    assert reset_second_factor(user=lost, by=colleague, reason="Never enrolled") == 0
    assert not AuditEvent.objects.exists()
