"""Operators' second factor: the audited reset of a lost device (enrolment and login: config/admin_two_factor.py)."""

from django.db import transaction
from django_otp import devices_for_user

from audit.actions import AuditAction
from audit.services import record_event
from config.errors import DomainError

from .models import User
from .services import clean_reason


class OwnSecondFactor(DomainError):
    code = "own_second_factor"
    default_detail = "An operator cannot reset their own second factor; another operator must."


def reset_second_factor(*, user: User, by: User, reason: str) -> int:
    """Another operator removes every OTP device of `user` (a lost phone), with the reason in the audit log.

    `user` enrols a new device at their next login, as a newcomer does; a session verified
    with a removed device loses the admin at its next request. Returns how many devices
    were removed; an account with none changes nothing and records nothing.
    """
    if user.pk == by.pk:
        # A stolen verified session could otherwise swap the operator's device for the thief's own,
        # and keep the admin after the session ends.
        raise OwnSecondFactor()
    reason = clean_reason(reason)
    with transaction.atomic():
        # One reset at a time per account, so two operators clicking together record one event.
        User.objects.select_for_update().get(pk=user.pk)
        devices = list(devices_for_user(user, confirmed=None))
        if not devices:
            return 0
        for device in devices:
            device.delete()
        record_event(
            action=AuditAction.USER_SECOND_FACTOR_RESET,
            actor=by,
            target_type="user",
            target_id=user.pk,
            details={"devices": sorted(type(device).__name__ for device in devices), "reason": reason},
        )
    return len(devices)
