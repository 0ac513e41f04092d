"""Credit-back: when the seeker answers, the organisation's latest charged reveal of them is refunded, once.

Reveals that lead to real conversations are cheap, harvesting is not. Called by
the seeker approving a contact request and by a seeker's reply through the relay.
"""

from django.db import transaction
from django.utils import timezone

from audit.actions import AuditAction, AuditOutcome
from audit.services import record_event
from employers import quota
from employers.models import Organization

from ..models import Resume, Reveal


def credit_back(*, resume: Resume, organization: Organization, reason: str) -> Reveal | None:
    """Return the quota unit of the organisation's latest charged reveal of this seeker, once; None if none."""
    with transaction.atomic():
        reveal = (
            Reveal.objects.select_for_update()
            .filter(resume=resume, organization=organization, charged=True, credited_back_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if reveal is None:
            return None
        reveal.credited_back_at = timezone.now()
        reveal.save(update_fields=["credited_back_at"])
        quota.give_back(recruiter=reveal.recruiter, organization=organization, charged_at=reveal.created_at)
        record_event(
            action=AuditAction.REVEAL_CREDITED_BACK,
            organization=organization,
            target_type="resume",
            target_id=str(resume.pk),
            job=reveal.job_id,
            outcome=AuditOutcome.CREDITED,
            details={"reveal_id": reveal.pk, "reason": reason},
        )
    return reveal
