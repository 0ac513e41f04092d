"""Regularity: gaps between a recruiter's reveals too even for a person (coefficient of variation)."""

import datetime as dt
import itertools
import statistics

from detection.models import SubjectType
from detection.periods import day_key

from .base import DetectionContext, Family, Finding, Strength


def working_gaps(moments: list[dt.datetime], *, max_gap_seconds: float) -> list[float]:
    """Seconds between consecutive reveals, breaks longer than `max_gap_seconds` left out."""
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(moments)]
    return [gap for gap in gaps if gap <= max_gap_seconds]


def coefficient_of_variation(gaps: list[float]) -> float:
    mean = statistics.fmean(gaps)
    return statistics.pstdev(gaps) / mean if mean > 0 else 0.0


class RegularityDetector:
    name = "regularity"
    family = Family.TIMING

    def detect(self, context: DetectionContext) -> list[Finding]:
        config = context.config
        since = context.now - dt.timedelta(hours=config["regularity_lookback_hours"])
        findings = []
        for recruiter_id, organization_id in context.recruiters.items():
            moments = context.reveal_times(recruiter_id, since=since)
            gaps = working_gaps(moments, max_gap_seconds=config["regularity_max_gap_seconds"])
            if len(gaps) < config["regularity_min_gaps"]:
                continue
            cv = coefficient_of_variation(gaps)
            if cv >= config["regularity_max_cv"]:
                continue
            extreme = cv < config["regularity_extreme_cv"] and len(gaps) >= config["regularity_extreme_min_gaps"]
            findings.append(
                Finding(
                    detector=self.name,
                    family=self.family,
                    subject_type=SubjectType.RECRUITER,
                    subject_id=recruiter_id,
                    organization_id=organization_id,
                    recruiter_id=recruiter_id,
                    score=round(config["regularity_max_cv"] / max(cv, 0.01), 2),
                    strength=Strength.EXTREME if extreme else Strength.STRONG,
                    window_start=moments[0],
                    window_end=context.now,
                    window_key=day_key(context.now),
                    evidence={
                        "gaps": len(gaps),
                        "mean_gap_seconds": round(statistics.fmean(gaps), 1),
                        "coefficient_of_variation": round(cv, 3),
                        "max_coefficient_of_variation": config["regularity_max_cv"],
                        "lookback_hours": config["regularity_lookback_hours"],
                    },
                )
            )
        return findings
