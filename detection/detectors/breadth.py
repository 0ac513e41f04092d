"""Breadth: reveals whose resume category or city matches none of the organisation's open jobs."""

from detection.models import SubjectType
from detection.periods import day_key

from .base import DetectionContext, Family, Finding, Strength


class BreadthDetector:
    name = "breadth"
    family = Family.TARGETING

    def detect(self, context: DetectionContext) -> list[Finding]:
        config = context.config
        findings = []
        for organization_id in sorted(context.organizations):
            row = context.day_row(SubjectType.ORGANIZATION, organization_id, context.today)
            if row is None or row.charged_reveals < config["breadth_min_reveals"]:
                continue
            share = row.off_target_reveals / row.charged_reveals
            if share < config["breadth_min_share"]:
                continue
            findings.append(
                Finding(
                    detector=self.name,
                    family=self.family,
                    subject_type=SubjectType.ORGANIZATION,
                    subject_id=str(organization_id),
                    organization_id=organization_id,
                    recruiter_id=None,
                    score=round(share / config["breadth_min_share"], 2),
                    strength=Strength.STRONG,
                    window_start=context.today,
                    window_end=context.now,
                    window_key=day_key(context.now),
                    evidence={
                        "charged_reveals_today": row.charged_reveals,
                        "off_target_reveals": row.off_target_reveals,
                        "off_target_share": round(share, 2),
                        "min_share": config["breadth_min_share"],
                    },
                )
            )
        return findings
