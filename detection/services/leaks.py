"""Tracing a leaked list and acting on the trace: the trace stores ids and counts, a flag from it acts at once."""

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from rest_framework import status

from accounts import crypto
from accounts.models import User
from audit.actions import AuditAction, AuditOutcome
from audit.services import contains_contact_data, record_event
from config.errors import DomainError
from employers.errors import ReasonRequired
from employers.models import Organization
from resumes.models import RelayContact, Reveal

from .. import leaks
from ..detectors import DetectionContext, Finding, Strength
from ..models import Flag, LeakTrace, LeakTraceMatch, LeakTraceRow, Severity, SubjectType
from ..selectors import RunLoaders
from . import actions

logger = logging.getLogger(__name__)
LEAK_TRACE = "leak_trace"
# Its own family: a leak corroborates no rate or timing signal, and needs none (it is extreme on its own).
LEAK_FAMILY = "leak"


class LeakListTooLarge(DomainError):
    code = "leak_list_too_large"
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The list is larger than a trace reads at once; split it."


class NotInTrace(DomainError):
    code = "leak_trace_organization_not_ranked"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "This organisation obtained none of the list's seekers and no alias names it."


class LeakFlagExists(DomainError):
    code = "leak_flag_exists"
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A flag was already opened on this organisation from this trace."


def _check_operator(user: User | None) -> None:
    # None is the command line: whoever runs manage.py on the server already holds the data.
    if user is not None and not (user.is_active and user.is_staff):
        raise PermissionDenied("Only operators trace leaked lists.")


def trace_leaked_list(*, content: bytes, by: User | None, progress: leaks.Progress | None = None) -> LeakTrace:
    """Match a leaked list against the seekers and rank who obtained them; store the ranking, never the list."""
    _check_operator(by)
    if len(content) > settings.LEAK_TRACE["max_file_bytes"]:
        raise LeakListTooLarge()
    parsed = leaks.read_list(content, progress=progress)
    matches = leaks.match_list(parsed)
    population = leaks.population().count()
    rows = leaks.rank(seekers=matches.seekers, direct=matches.direct, population_size=population)
    with transaction.atomic():
        trace = LeakTrace.objects.create(
            uploaded_by=by,
            file_digest=crypto.blind_index(f"leak-file:{hashlib.sha256(content).hexdigest()}"),
            file_bytes=len(content),
            lines=parsed.lines,
            records=len(parsed.records),
            malformed_lines=parsed.malformed_lines,
            malformed_values=parsed.malformed_values,
            matched_records=matches.matched_records,
            matched_seekers=len(matches.seekers),
            population=population,
            counts={**matches.counts, "header_skipped": parsed.header_skipped},
        )
        LeakTraceMatch.objects.bulk_create(
            LeakTraceMatch(trace=trace, resume_ref=resume_id, matched_by=kind)
            for resume_id, kind in matches.seekers.items()
        )
        LeakTraceRow.objects.bulk_create(
            LeakTraceRow(
                trace=trace,
                rank=position,
                organization_id=row.organization_id,
                recruiter_id=row.recruiter_id,
                matched=row.matched,
                revealed=row.revealed,
                coverage=row.coverage,
                p_value=row.p_value,
                direct_aliases=row.direct_aliases,
            )
            for position, row in enumerate(rows, start=1)
        )
        top = rows[0] if rows else None
        record_event(
            action=AuditAction.LEAK_TRACED,
            actor=by,
            target_type="leak_trace",
            target_id=trace.pk,
            details={
                "lines": trace.lines,
                "records": trace.records,
                "malformed_lines": trace.malformed_lines,
                "matched_seekers": trace.matched_seekers,
                "population": population,
                "organizations_ranked": sum(1 for row in rows if row.recruiter_id is None),
                "top_organization_id": top.organization_id if top else None,
                "top_p_value": top.p_value if top else None,
            },
        )
    # Counts only: a value of the list never reaches a log line.
    logger.info(
        "leak trace %s: %s lines, %s malformed, %s seekers matched",
        trace.pk,
        trace.lines,
        trace.malformed_lines,
        trace.matched_seekers,
    )
    return trace


def open_leak_flag(*, trace: LeakTrace, organization: Organization, by: User, reason: str) -> Flag:
    """An operator holds an organisation responsible for a traced leak: a high flag, acted on at once.

    The platform then does what it does for any high flag (detection/services/actions.py):
    it suspends the organisation and revokes the relay contacts it obtained since its first
    reveal of a seeker on the list. The operator confirms or dismisses the flag as any other.
    """
    if not (by.is_active and by.is_staff):
        raise PermissionDenied("Only operators open flags.")
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired("A reason is required to open a flag.")
    if contains_contact_data(reason):
        raise ValidationError({"reason": ["A reason must not contain contact details such as email addresses."]})
    row = trace.rows.filter(organization=organization, recruiter__isnull=True).first()
    if row is None:
        raise NotInTrace()
    now = timezone.now()
    finding = Finding(
        detector=LEAK_TRACE,
        family=LEAK_FAMILY,
        subject_type=SubjectType.ORGANIZATION,
        subject_id=str(organization.pk),
        organization_id=organization.pk,
        recruiter_id=None,
        score=leaks.strength_score(row.p_value),
        strength=Strength.EXTREME,
        window_start=_first_obtained(trace=trace, organization=organization) or trace.created_at,
        window_end=now,
        window_key=f"trace-{trace.pk}",
        evidence={
            "leak_trace_id": trace.pk,
            "matched": row.matched,
            "revealed": row.revealed,
            "list_matched_seekers": trace.matched_seekers,
            "coverage": row.coverage,
            "p_value": row.p_value,
            "direct_aliases": row.direct_aliases,
            "population": trace.population,
            "rank": row.rank,
        },
    )
    with transaction.atomic():
        if Flag.objects.select_for_update().filter(dedupe_key=finding.dedupe_key).exists():
            raise LeakFlagExists()
        flag = Flag.objects.create(
            detector=finding.detector,
            subject_type=finding.subject_type,
            organization=organization,
            score=finding.score,
            severity=Severity.HIGH,
            window_start=finding.window_start,
            window_end=finding.window_end,
            evidence={**finding.evidence, "strength": finding.strength, "family": finding.family, "reason": reason},
            dedupe_key=finding.dedupe_key,
            created_at=now,
        )
        record_event(
            action=AuditAction.LEAK_FLAG_OPENED,
            actor=by,
            organization=organization,
            target_type="flag",
            target_id=flag.pk,
            outcome=AuditOutcome.RAISED,
            details={
                "leak_trace_id": trace.pk,
                "detector": LEAK_TRACE,
                "severity": Severity.HIGH,
                "p_value": row.p_value,
                "matched": row.matched,
                "direct_aliases": row.direct_aliases,
                "reason": reason,
            },
        )
        context = DetectionContext(now=now, config=settings.DETECTION, recruiters={}, organizations={organization.pk})
        context.loaders = RunLoaders(context)
        actions.act_on_high_flags(
            pairs=[(flag, finding)], contributors=[actions.Contributor.of_finding(finding)], context=context
        )
    flag.refresh_from_db()
    return flag


def _first_obtained(*, trace: LeakTrace, organization: Organization):
    """When the organisation first obtained a seeker on the list: what its suspension's revocations reach back to."""
    listed = trace.matches.values("resume_ref")
    moments = [
        Reveal.objects.filter(organization=organization, resume_ref__in=listed).aggregate(first=Min("created_at"))[
            "first"
        ],
        RelayContact.objects.filter(organization=organization, resume_id__in=listed).aggregate(first=Min("created_at"))[
            "first"
        ],
    ]
    moments = [moment for moment in moments if moment is not None]
    return min(moments) if moments else None
