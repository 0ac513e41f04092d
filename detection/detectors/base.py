"""What every detector shares: the findings it reports, the context it reads, and the interface it keeps."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from detection.models import ActivityAggregate, SubjectType
from detection.periods import day_start, hour_start


class Strength:
    """How much one finding says on its own; severity also weighs corroboration (detection/services/engine.py)."""

    WEAK = "weak"  # fired, worth a look: low severity
    STRONG = "strong"  # clearly abnormal: medium alone, high with a strong finding of another family
    EXTREME = "extreme"  # no person does this: high on its own

    ORDER: ClassVar[dict[str, int]] = {WEAK: 0, STRONG: 1, EXTREME: 2}

    @classmethod
    def of(cls, value: float, *, strong: float, extreme: float) -> str:
        """The strength of a count that already fired: extreme and strong from their thresholds up."""
        if value >= extreme:
            return cls.EXTREME
        if value >= strong:
            return cls.STRONG
        return cls.WEAK


class Family:
    """Detectors of one family read the same kind of evidence, so they do not corroborate each other."""

    RATE = "rate"  # how many reveals (velocity, burst, peer outlier, ceiling pressure)
    TIMING = "timing"  # when they happen (regularity, night activity)
    TARGETING = "targeting"  # whom they are of (breadth, harvesting shape)
    OUTCOME = "outcome"  # what follows them (no conversation)
    LINKAGE = "linkage"  # who else is behind them (sybil cluster)
    CANARY = "canary"  # a synthetic seeker revealed (canary hit)
    LEAK = "leak"  # relay contacts used outside the organisation they were issued to (canary relay, relay misuse)
    REPORTS = "reports"  # seekers reporting misuse by the organisation that revealed them


@dataclass(frozen=True)
class Finding:
    """One detector's verdict on one subject over one window; becomes a Flag (deduplicated by `dedupe_key`)."""

    detector: str
    family: str
    subject_type: str
    subject_id: str
    organization_id: int | None
    recruiter_id: str | None
    score: float
    strength: str
    window_start: dt.datetime
    window_end: dt.datetime
    window_key: str  # the same detector, subject and window key are raised once
    evidence: dict[str, Any]
    cluster_members: tuple[dict, ...] = ()

    @property
    def dedupe_key(self) -> str:
        return f"{self.detector}:{self.subject_type}:{self.subject_id}:{self.window_key}"


@dataclass
class DetectionContext:
    """What one run hands its detectors: the subjects with new events and their recent aggregates.

    `hours` and `days` hold, per (subject type, subject id), the aggregate rows of the
    last 25 hours and the last days (see engine.RECENT_DAYS); loaders for wider reads
    (peers, links) are methods of the engine's context, cached per run.
    """

    now: dt.datetime
    config: dict[str, Any]
    recruiters: dict[str, int | None]  # recruiter id -> organisation id, those with new events
    organizations: set[int]  # organisations with new events
    hours: dict[tuple[str, str], dict[dt.datetime, ActivityAggregate]] = field(default_factory=dict)
    days: dict[tuple[str, str], dict[dt.datetime, ActivityAggregate]] = field(default_factory=dict)
    loaders: Any = None  # the engine's lazy, cached loaders (peers, profiles, links)

    @property
    def today(self) -> dt.datetime:
        return day_start(self.now)

    def hour_rows(self, subject_type: str, subject_id, *, since: dt.datetime) -> list[ActivityAggregate]:
        rows = self.hours.get((subject_type, str(subject_id)), {})
        return [rows[start] for start in sorted(rows) if start >= hour_start(since) and start <= self.now]

    def day_rows(self, subject_type: str, subject_id) -> dict[dt.datetime, ActivityAggregate]:
        return self.days.get((subject_type, str(subject_id)), {})

    def day_row(self, subject_type: str, subject_id, start: dt.datetime) -> ActivityAggregate | None:
        return self.day_rows(subject_type, subject_id).get(start)

    def reveal_times(self, recruiter_id: str, *, since: dt.datetime) -> list[dt.datetime]:
        """Moments of the recruiter's granted reveals since `since`, oldest first (from hour buckets)."""
        moments = []
        for row in self.hour_rows(SubjectType.RECRUITER, recruiter_id, since=since):
            moments.extend(row.bucket_start + dt.timedelta(seconds=offset) for offset in row.extra.get("t", []))
        return sorted(moment for moment in moments if since <= moment <= self.now)


def sum_field(rows, name: str) -> int:
    return sum(getattr(row, name) for row in rows)


def group_by_subject(rows) -> dict[tuple[str, str], dict[dt.datetime, ActivityAggregate]]:
    grouped: dict[tuple[str, str], dict[dt.datetime, ActivityAggregate]] = defaultdict(dict)
    for row in rows:
        grouped[(row.subject_type, row.subject_id)][row.bucket_start] = row
    return grouped


class Detector(Protocol):
    """A detector reads the context and reports findings; it writes nothing."""

    name: str
    family: str

    def detect(self, context: DetectionContext) -> list[Finding]: ...
