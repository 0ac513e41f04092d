"""Night activity: sustained reveals between 00:00 and 06:00 platform time."""

import datetime as dt

from detection.models import SubjectType
from detection.periods import day_key, is_night

from .base import DetectionContext, Family, Finding, Strength

LOOKBACK = dt.timedelta(hours=24)


class NightActivityDetector:
    name = "night_activity"
    family = Family.TIMING

    def detect(self, context: DetectionContext) -> list[Finding]:
        config = context.config
        findings = []
        for recruiter_id, organization_id in context.recruiters.items():
            rows = context.hour_rows(SubjectType.RECRUITER, recruiter_id, since=context.now - LOOKBACK)
            night_rows = [row for row in rows if row.night_reveals and is_night(row.bucket_start)]
            night_reveals = sum(row.night_reveals for row in night_rows)
            if night_reveals < config["night_min_reveals"] or len(night_rows) < config["night_min_hours"]:
                continue
            all_reveals = sum(row.reveals for row in rows)
            findings.append(
                Finding(
                    detector=self.name,
                    family=self.family,
                    subject_type=SubjectType.RECRUITER,
                    subject_id=recruiter_id,
                    organization_id=organization_id,
                    recruiter_id=recruiter_id,
                    score=round(night_reveals / config["night_min_reveals"], 2),
                    strength=Strength.STRONG,
                    window_start=night_rows[0].bucket_start,
                    window_end=context.now,
                    # The platform day the night belongs to: one flag per night.
                    window_key=day_key(night_rows[-1].bucket_start),
                    evidence={
                        "night_reveals": night_reveals,
                        "night_hours_active": len(night_rows),
                        "reveals_last_24h": all_reveals,
                        "night_share": round(night_reveals / all_reveals, 2) if all_reveals else 0,
                        "night_is_before_hour": config["night_end_hour"],
                        "min_night_reveals": config["night_min_reveals"],
                        "min_night_hours": config["night_min_hours"],
                    },
                )
            )
        return findings
