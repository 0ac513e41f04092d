"""Ceiling pressure: an organisation refused by a quota limit on several platform days in a row."""

import datetime as dt

from detection.models import SubjectType
from detection.periods import day_key, day_start

from .base import DetectionContext, Family, Finding, Strength

HALF_DAY = dt.timedelta(hours=12)


class CeilingPressureDetector:
    name = "ceiling_pressure"
    family = Family.RATE

    def detect(self, context: DetectionContext) -> list[Finding]:
        config = context.config
        findings = []
        for organization_id in sorted(context.organizations):
            days = context.day_rows(SubjectType.ORGANIZATION, organization_id)
            streak = self.streak(days, today=context.today, lookback=config["ceiling_lookback_days"])
            if len(streak) < config["ceiling_min_days"]:
                continue
            findings.append(
                Finding(
                    detector=self.name,
                    family=self.family,
                    subject_type=SubjectType.ORGANIZATION,
                    subject_id=str(organization_id),
                    organization_id=organization_id,
                    recruiter_id=None,
                    score=round(len(streak) / config["ceiling_min_days"], 2),
                    strength=Strength.STRONG,
                    window_start=streak[0].bucket_start,
                    window_end=context.now,
                    window_key=day_key(context.now),
                    evidence={
                        "consecutive_days": len(streak),
                        "min_days": config["ceiling_min_days"],
                        "days": [
                            {
                                "day": day_key(row.bucket_start),
                                "reveals": row.reveals,
                                "quota_refusals": row.quota_denials,
                                "limits": row.extra.get("limits", {}),
                            }
                            for row in streak
                        ],
                    },
                )
            )
        return findings

    @staticmethod
    def streak(days: dict, *, today: dt.datetime, lookback: int) -> list:
        """The run of consecutive days with a quota refusal that ends today (or yesterday), oldest first."""
        start = today if days.get(today) is not None and days[today].quota_denials else _previous_day(today)
        streak = []
        day = start
        while len(streak) < lookback:
            row = days.get(day)
            if row is None or not row.quota_denials:
                break
            streak.append(row)
            day = _previous_day(day)
        return list(reversed(streak))


def _previous_day(day: dt.datetime) -> dt.datetime:
    # Half a day before a platform midnight is inside the previous platform day, whatever the offset did.
    return day_start(day - HALF_DAY)
