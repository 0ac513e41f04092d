"""Harvesting shape: revealing almost everything a search returns, without opening resumes, page after page."""

from detection.models import SubjectType
from detection.periods import day_key

from .base import DetectionContext, Family, Finding, Strength


class HarvestingShapeDetector:
    name = "harvesting_shape"
    family = Family.TARGETING

    def detect(self, context: DetectionContext) -> list[Finding]:
        config = context.config
        findings = []
        for recruiter_id, organization_id in context.recruiters.items():
            row = context.day_row(SubjectType.RECRUITER, recruiter_id, context.today)
            if row is None or row.reveals < config["harvest_min_reveals"]:
                continue
            signals = self.signals(row, config)
            if not signals:
                continue
            strong = "unviewed" in signals or len(signals) >= 2
            findings.append(
                Finding(
                    detector=self.name,
                    family=self.family,
                    subject_type=SubjectType.RECRUITER,
                    subject_id=recruiter_id,
                    organization_id=organization_id,
                    recruiter_id=recruiter_id,
                    score=float(len(signals)),
                    strength=Strength.STRONG if strong else Strength.WEAK,
                    window_start=context.today,
                    window_end=context.now,
                    window_key=day_key(context.now),
                    evidence={
                        "signals": sorted(signals),
                        "reveals_today": row.reveals,
                        "search_results_seen": row.search_results,
                        "reveal_to_results": _ratio(row.reveals, row.search_results),
                        "unviewed_reveals": row.unviewed_reveals,
                        "unviewed_share": _ratio(row.unviewed_reveals, row.charged_reveals),
                        "searches": row.searches,
                        "paged_share": _ratio(row.paged_searches, row.searches),
                    },
                )
            )
        return findings

    @staticmethod
    def signals(row, config: dict) -> set[str]:
        found = set()
        if row.search_results >= config["harvest_min_results"] and (
            row.reveals / row.search_results >= config["harvest_reveal_to_results"]
        ):
            found.add("reveals_most_results")
        if row.charged_reveals and row.unviewed_reveals / row.charged_reveals >= config["harvest_unviewed_share"]:
            found.add("unviewed")
        if row.searches >= config["harvest_min_searches"] and (
            row.paged_searches / row.searches >= config["harvest_paged_share"]
        ):
            found.add("pages_in_order")
        return found


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 2) if whole else None
