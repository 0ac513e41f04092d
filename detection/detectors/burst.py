"""Burst: many reveals by one recruiter within a few minutes."""

import datetime as dt

from detection.models import SubjectType
from detection.periods import day_key

from .base import DetectionContext, Family, Finding, Strength

LOOKBACK = dt.timedelta(hours=1)


def densest_window(moments: list[dt.datetime], width: dt.timedelta) -> tuple[int, dt.datetime | None]:
    """The most moments inside any window of `width` (two pointers over sorted moments), and where it starts."""
    best, best_start, first = 0, None, 0
    for last, moment in enumerate(moments):
        while moment - moments[first] > width:
            first += 1
        if last - first + 1 > best:
            best, best_start = last - first + 1, moments[first]
    return best, best_start


class BurstDetector:
    name = "burst"
    family = Family.RATE

    def detect(self, context: DetectionContext) -> list[Finding]:
        config = context.config
        width = dt.timedelta(seconds=config["burst_window_seconds"])
        findings = []
        for recruiter_id, organization_id in context.recruiters.items():
            moments = context.reveal_times(recruiter_id, since=context.now - LOOKBACK)
            count, start = densest_window(moments, width)
            if count < config["burst_min_reveals"]:
                continue
            strength = Strength.of(
                count, strong=config["burst_strong_reveals"], extreme=config["burst_extreme_reveals"]
            )
            findings.append(
                Finding(
                    detector=self.name,
                    family=self.family,
                    subject_type=SubjectType.RECRUITER,
                    subject_id=recruiter_id,
                    organization_id=organization_id,
                    recruiter_id=recruiter_id,
                    score=round(count / config["burst_min_reveals"], 2),
                    strength=strength,
                    window_start=start,
                    window_end=start + width,
                    window_key=day_key(context.now),
                    evidence={
                        "most_reveals_within_window": count,
                        "window_seconds": config["burst_window_seconds"],
                        "burst_started_at": start.isoformat(),
                        "min_reveals": config["burst_min_reveals"],
                        "strong_reveals": config["burst_strong_reveals"],
                        "extreme_reveals": config["burst_extreme_reveals"],
                    },
                )
            )
        return findings
