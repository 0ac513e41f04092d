"""Velocity: a recruiter's reveals in the last 60 minutes against their own usual pace and an absolute floor."""

import datetime as dt
import statistics

from detection.models import SubjectType
from detection.periods import day_key

from .base import DetectionContext, Family, Finding, Strength

HOUR = dt.timedelta(hours=1)


class VelocityDetector:
    name = "velocity"
    family = Family.RATE

    def detect(self, context: DetectionContext) -> list[Finding]:
        config = context.config
        findings = []
        for recruiter_id, organization_id in context.recruiters.items():
            last_hour = len(context.reveal_times(recruiter_id, since=context.now - HOUR))
            if last_hour < config["velocity_floor_per_hour"]:
                continue
            baseline = self.baseline(context, recruiter_id)
            if last_hour < config["velocity_baseline_multiple"] * baseline:
                continue
            strength = Strength.of(
                last_hour, strong=config["velocity_strong_per_hour"], extreme=config["velocity_extreme_per_hour"]
            )
            findings.append(
                Finding(
                    detector=self.name,
                    family=self.family,
                    subject_type=SubjectType.RECRUITER,
                    subject_id=recruiter_id,
                    organization_id=organization_id,
                    recruiter_id=recruiter_id,
                    score=round(last_hour / config["velocity_floor_per_hour"], 2),
                    strength=strength,
                    window_start=context.now - HOUR,
                    window_end=context.now,
                    window_key=day_key(context.now),
                    evidence={
                        "reveals_last_hour": last_hour,
                        "own_baseline_per_active_hour": round(baseline, 2),
                        "baseline_multiple_required": config["velocity_baseline_multiple"],
                        "floor_per_hour": config["velocity_floor_per_hour"],
                        "strong_per_hour": config["velocity_strong_per_hour"],
                        "extreme_per_hour": config["velocity_extreme_per_hour"],
                    },
                )
            )
        return findings

    @staticmethod
    def baseline(context: DetectionContext, recruiter_id: str) -> float:
        """Mean reveals per active hour over the previous days (today excluded); 0 without history."""
        earliest = context.today - dt.timedelta(days=context.config["velocity_baseline_days"])
        rates = [
            row.reveals / max(1, len(row.extra.get("h", [])))
            for start, row in context.day_rows(SubjectType.RECRUITER, recruiter_id).items()
            if earliest <= start < context.today and row.reveals
        ]
        return statistics.fmean(rates) if rates else 0.0
