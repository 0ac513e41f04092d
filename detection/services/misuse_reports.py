"""Seekers report misuse by an organisation that revealed their contact; the detector's flags gather the reports."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from audit.actions import AuditAction, AuditOutcome
from audit.services import record_event
from config.errors import DomainError
from employers.models import Organization
from resumes import services as resume_services
from resumes.contact_text import contains_contact_details
from resumes.selectors import leaks as leak_selectors

from ..detectors.misuse_reports import MisuseReportsDetector
from ..models import Flag, MisuseReason, MisuseReport, MisuseReportStatus

TEXT_MAX_LENGTH = 2000
MISUSE_REPORTS = MisuseReportsDetector.name


class NotRevealedBy(DomainError):
    code = "not_found"
    status_code = 404
    default_detail = "This organisation has not received your contact details."


def report_misuse(
    *, seeker: User, organization_id: int, reason: str, text: str = "", revoke_relay: bool = False
) -> MisuseReport:
    """Record the seeker's report (a chained audit event), revoking the organisation's relay contact if asked.

    Only an organisation that revealed the seeker can be reported; the text is refused when it
    holds contact details (it is read by operators and must not carry anyone's).
    """
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if reason not in MisuseReason.values:
        errors["reason"] = ["Choose what happened."]
    if len(text) > TEXT_MAX_LENGTH:
        errors["text"] = [f"At most {TEXT_MAX_LENGTH} characters."]
    elif text and contains_contact_details(text):
        errors["text"] = ["Leave out phone numbers, email addresses and other contact details."]
    if errors:
        raise ValidationError(errors)
    revealed = {row["organization_id"]: row for row in leak_selectors.revealed_organizations_for_seeker(seeker=seeker)}
    if organization_id not in revealed:
        raise NotRevealedBy()
    relay_contact_id = revealed[organization_id]["relay_contact_id"]
    with transaction.atomic():
        revoked = False
        if revoke_relay and relay_contact_id is not None:
            resume_services.revoke_relay_contact(seeker=seeker, relay_contact_id=relay_contact_id)
            revoked = True
        report = MisuseReport.objects.create(
            seeker=seeker, organization_id=organization_id, reason=reason, text=text, relay_revoked=revoked
        )
        record_event(
            action=AuditAction.MISUSE_REPORTED,
            actor=seeker,
            organization=Organization(pk=organization_id),
            target_type="misuse_report",
            target_id=report.pk,
            outcome=AuditOutcome.PENDING,
            details={"reason": reason, "relay_revoked": revoked, "has_text": bool(text)},
        )
    return report


def link_misuse_reports(*, flags: list[Flag]) -> int:
    """Link new misuse_reports flags to the reports they rest on; returns how many reports now show "under review".

    Called by the engine in the run's transaction, after it raised its flags.
    """
    linked = 0
    for flag in flags:
        if flag.detector == MISUSE_REPORTS:
            linked += MisuseReport.objects.filter(pk__in=flag.evidence.get("report_ids", []), flag__isnull=True).update(
                flag=flag, status=MisuseReportStatus.UNDER_REVIEW
            )
    return linked
