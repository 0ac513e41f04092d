"""Running the detectors: new events since the watermark are folded, judged, flagged and acted on, in one transaction.

The watermark row is locked for the whole run, so two runs (beat, a manual
`manage.py run_detectors`, a simulator) never fold the same events twice: the
second waits, then starts where the first stopped.
"""

import datetime as dt
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import record_event
from employers.models import Organization

from .. import folding
from ..detectors import DETECTORS, DetectionContext, Finding, Strength
from ..detectors.base import group_by_subject
from ..models import (
    ActivityAggregate,
    DetectionRun,
    DetectionState,
    Flag,
    FlagStatus,
    Granularity,
    Severity,
    SubjectType,
)
from ..periods import day_start, hour_start
from ..selectors import RunLoaders
from . import actions, misuse_reports

STATE_ID = 1
SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}
# Hour buckets cover the last day and the hour it started in; day buckets the longest look-back of a detector.
RECENT_HOURS = 25


def run_detectors(*, now: dt.datetime | None = None) -> DetectionRun:
    """Fold every event since the watermark, run every detector on the subjects they touched, record the run."""
    now = now or timezone.now()
    clock = time.monotonic()
    config = settings.DETECTION
    with transaction.atomic():
        state = _locked_state()
        if state.last_run_at is None or day_start(state.last_run_at) < day_start(now):
            _prune_hour_buckets(now=now, config=config)
        run = DetectionRun.objects.create(started_at=now, window_end=now)
        batch = folding.read_batch(state=state, limit=config["max_events_per_run"])
        touched = folding.fold_batch(batch)
        context = _context(now=now, config=config, touched=touched)
        findings = [finding for detector in DETECTORS for finding in detector.detect(context)]
        raised = raise_flags(findings=findings, context=context, run=run)
        misuse_reports.link_misuse_reports(flags=raised.created)
        state.last_audit_seq = batch.audit_upto
        state.last_activity_id = batch.activity_upto
        state.last_login_id = batch.login_upto
        state.last_run_at = now
        state.save()
        run.window_start = batch.oldest
        run.events_read = batch.events_read
        run.flags_raised = len(raised.created)
        run.duration_ms = int((time.monotonic() - clock) * 1000)
        # On the run's clock (simulated time in the simulator), not the wall clock.
        run.finished_at = now + dt.timedelta(milliseconds=run.duration_ms)
        run.save()
    return run


def _locked_state() -> DetectionState:
    # The row is created once; every run then queues on its lock.
    DetectionState.objects.bulk_create([DetectionState(pk=STATE_ID)], ignore_conflicts=True)
    return DetectionState.objects.select_for_update().get(pk=STATE_ID)


def _prune_hour_buckets(*, now: dt.datetime, config: dict) -> None:
    """Once a platform day: hour buckets older than any detector or chart reads go; day buckets stay.

    Naming every subject type lets PostgreSQL seek detection_agg_kind_idx (subject type,
    granularity, bucket start) to the old hour rows alone; without it the index's leading
    column is free and the delete reads every bucket ever kept, day buckets included.
    """
    cutoff = day_start(now) - dt.timedelta(days=config["hour_buckets_kept_days"])
    ActivityAggregate.objects.filter(
        subject_type__in=SubjectType.values, granularity=Granularity.HOUR, bucket_start__lt=cutoff
    ).delete()


def recent_days(config: dict) -> int:
    return 1 + max(config["velocity_baseline_days"], config["ceiling_lookback_days"], config["no_conversation_days"])


def _context(*, now: dt.datetime, config: dict, touched: folding.Touched) -> DetectionContext:
    context = DetectionContext(
        now=now, config=config, recruiters=touched.recruiters, organizations=touched.organizations
    )
    context.loaders = RunLoaders(context)
    subject_ids = {*touched.recruiters, *(str(organization_id) for organization_id in touched.organizations)}
    if subject_ids:
        rows = ActivityAggregate.objects.filter(
            subject_type__in=(SubjectType.RECRUITER, SubjectType.ORGANIZATION), subject_id__in=subject_ids
        ).filter(_recent_buckets(now=now, config=config))
        hours = [row for row in rows if row.granularity == Granularity.HOUR]
        days = [row for row in rows if row.granularity == Granularity.DAY]
        context.hours = group_by_subject(hours)
        context.days = group_by_subject(days)
    return context


def _recent_buckets(*, now: dt.datetime, config: dict) -> Q:
    return Q(granularity=Granularity.HOUR, bucket_start__gte=hour_start(now - dt.timedelta(hours=RECENT_HOURS))) | Q(
        granularity=Granularity.DAY, bucket_start__gte=day_start(now) - dt.timedelta(days=recent_days(config))
    )


# Flags: severity from the evidence, deduplicated, audited.


@dataclass
class Raised:
    created: list[Flag] = field(default_factory=list)
    upgraded: list[Flag] = field(default_factory=list)


def severity_of(finding: Finding, corroborating_families: set[str]) -> str:
    """Extreme alone, or strong with a strong finding of another family on the same organisation: high."""
    if finding.strength == Strength.EXTREME:
        return Severity.HIGH
    if finding.strength == Strength.STRONG:
        return Severity.HIGH if corroborating_families - {finding.family} else Severity.MEDIUM
    return Severity.LOW


def _recent_strong_flags(*, organization_ids: set[int], now: dt.datetime, config: dict) -> list[Flag]:
    since = now - dt.timedelta(hours=config["corroboration_hours"])
    return list(
        Flag.objects.filter(
            organization_id__in=organization_ids,
            created_at__gte=since,
            status__in=(FlagStatus.OPEN, FlagStatus.CONFIRMED),
            severity__in=(Severity.MEDIUM, Severity.HIGH),
        ).only("id", "detector", "dedupe_key", "organization_id", "recruiter_id", "window_start", "subject_type")
    )


def raise_flags(*, findings: list[Finding], context: DetectionContext, run: DetectionRun | None = None) -> Raised:
    """Turn findings into flags (once per detector, subject and window), then act on the high ones."""
    raised = Raised()
    if not findings:
        return raised
    now, config = context.now, context.config
    organization_ids = {finding.organization_id for finding in findings if finding.organization_id is not None}
    recent = _recent_strong_flags(organization_ids=organization_ids, now=now, config=config)
    contributors: dict[int, list[actions.Contributor]] = {}
    for flag in recent:
        contributors.setdefault(flag.organization_id, []).append(actions.Contributor.of_flag(flag))
    for finding in findings:
        if finding.organization_id is not None and finding.strength != Strength.WEAK:
            contributors.setdefault(finding.organization_id, []).append(actions.Contributor.of_finding(finding))
    existing = {flag.dedupe_key: flag for flag in Flag.objects.filter(dedupe_key__in=[f.dedupe_key for f in findings])}
    high: dict[int | None, list[tuple[Flag, Finding]]] = {}
    for finding in findings:
        corroborating = contributors.get(finding.organization_id, [])
        families = {contributor.family for contributor in corroborating if contributor.key != finding.dedupe_key}
        severity = severity_of(finding, families)
        flag = existing.get(finding.dedupe_key)
        if flag is None:
            flag = _create_flag(finding=finding, severity=severity, corroborating=corroborating, run=run, now=now)
            existing[finding.dedupe_key] = flag
            raised.created.append(flag)
        elif flag.status == FlagStatus.OPEN and SEVERITY_RANK[severity] > SEVERITY_RANK[flag.severity]:
            _upgrade_flag(flag=flag, finding=finding, severity=severity, corroborating=corroborating)
            raised.upgraded.append(flag)
        else:
            continue  # raised before for this window (or dismissed): never again
        if severity == Severity.HIGH:
            high.setdefault(finding.organization_id, []).append((flag, finding))
    for organization_id, pairs in high.items():
        actions.act_on_high_flags(pairs=pairs, contributors=contributors.get(organization_id, []), context=context)
    return raised


def _evidence(finding: Finding, severity: str, corroborating: list) -> dict:
    others = sorted({contributor.label for contributor in corroborating if contributor.key != finding.dedupe_key})
    return {
        **finding.evidence,
        "strength": finding.strength,
        "family": finding.family,
        "corroborated_by": others if severity == Severity.HIGH and finding.strength != Strength.EXTREME else [],
    }


def _create_flag(
    *, finding: Finding, severity: str, corroborating: list, run: DetectionRun | None, now: dt.datetime
) -> Flag:
    flag = Flag.objects.create(
        detector=finding.detector,
        subject_type=finding.subject_type,
        organization_id=finding.organization_id,
        recruiter_id=finding.recruiter_id,
        cluster_members=list(finding.cluster_members),
        score=finding.score,
        severity=severity,
        window_start=finding.window_start,
        window_end=finding.window_end,
        evidence=_evidence(finding, severity, corroborating),
        dedupe_key=finding.dedupe_key,
        run=run,
        created_at=now,
    )
    _record_raised(flag)
    return flag


def _upgrade_flag(*, flag: Flag, finding: Finding, severity: str, corroborating: list) -> None:
    previous = flag.severity
    flag.severity = severity
    flag.score = finding.score
    flag.window_start = min(flag.window_start, finding.window_start)
    flag.window_end = finding.window_end
    flag.evidence = _evidence(finding, severity, corroborating)
    flag.save(update_fields=["severity", "score", "window_start", "window_end", "evidence"])
    _record_raised(flag, upgraded_from=previous)


def _record_raised(flag: Flag, *, upgraded_from: str = "") -> None:
    details = {
        "flag_id": flag.pk,
        "detector": flag.detector,
        "severity": flag.severity,
        "score": flag.score,
        "subject_type": flag.subject_type,
        "recruiter_id": str(flag.recruiter_id) if flag.recruiter_id else None,
        "cluster_size": len(flag.cluster_members),
    }
    if upgraded_from:
        details["upgraded_from"] = upgraded_from
    record_event(
        action=AuditAction.FLAG_RAISED,
        organization=Organization(pk=flag.organization_id) if flag.organization_id else None,
        target_type="flag",
        target_id=flag.pk,
        details=details,
    )
