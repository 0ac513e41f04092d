"""Replaying the erasure ledger after a restore: seekers erased since the backup are erased again."""

from dataclasses import dataclass

from django.db import transaction

from accounts.erasure_ledger import erased_user_ids
from accounts.models import Role, User
from audit.actions import AuditAction, AuditOutcome
from audit.services import record_event

from .services import DELETED_EMAIL_INDEX_PREFIX, delete_seeker_account


@dataclass(frozen=True)
class ReplayReport:
    listed: int
    erased_again: int
    already_erased: int
    absent: int


def replay_erasures() -> ReplayReport:
    """Erase again every seeker the ledger names who is whole in this database; idempotent.

    Each replay is the seeker's own erasure (the same service, so the same rule) and a
    `seeker.erasure_replayed` event, in one transaction.
    """
    ids = erased_user_ids()
    erased_again = already_erased = absent = 0
    for user_id in ids:
        user = User.objects.filter(pk=user_id, role=Role.SEEKER).first()
        if user is None:
            absent += 1
            continue
        if user.email_blind_index.startswith(DELETED_EMAIL_INDEX_PREFIX):
            already_erased += 1
            continue
        with transaction.atomic():
            delete_seeker_account(seeker=user)
            record_event(
                action=AuditAction.SEEKER_ERASURE_REPLAYED,
                outcome=AuditOutcome.ERASED,
                target_type="user",
                target_id=user.pk,
            )
        erased_again += 1
    return ReplayReport(listed=len(ids), erased_again=erased_again, already_erased=already_erased, absent=absent)
