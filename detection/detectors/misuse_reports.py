"""Misuse reports: several distinct seekers report one organisation within the window.

One report proves little (a mistaken or aggrieved seeker); several unrelated seekers
saying the same of one organisation is a pattern worth an operator's review. Reports
already linked to a flag are not counted again (detection/misuse_reports.py links them).
"""

import datetime as dt

from ..models import MisuseReport, MisuseReportStatus, SubjectType
from .base import DetectionContext, Family, Finding, Strength


class MisuseReportsDetector:
    name = "misuse_reports"
    family = Family.REPORTS

    def detect(self, context: DetectionContext) -> list[Finding]:
        config = context.config
        threshold = config["misuse_reports_min_seekers"]
        since = context.now - dt.timedelta(days=config["misuse_reports_window_days"])
        reports = MisuseReport.objects.filter(
            created_at__gte=since, created_at__lte=context.now, flag__isnull=True, status=MisuseReportStatus.RECEIVED
        ).order_by("created_at", "id")
        by_organization: dict[int, list[MisuseReport]] = {}
        for report in reports.only("id", "organization_id", "seeker_id", "reason", "created_at"):
            by_organization.setdefault(report.organization_id, []).append(report)
        findings = []
        for organization_id, items in sorted(by_organization.items()):
            seekers = len({report.seeker_id for report in items})
            if seekers < threshold:
                continue
            reasons: dict[str, int] = {}
            for report in items:
                reasons[report.reason] = reasons.get(report.reason, 0) + 1
            findings.append(
                Finding(
                    detector=self.name,
                    family=self.family,
                    subject_type=SubjectType.ORGANIZATION,
                    subject_id=str(organization_id),
                    organization_id=organization_id,
                    recruiter_id=None,
                    score=round(seekers / threshold, 2),
                    strength=Strength.STRONG,
                    window_start=items[0].created_at,
                    window_end=items[-1].created_at,
                    window_key=f"upto-{items[-1].pk}",
                    evidence={
                        "distinct_seekers": seekers,
                        "reports": len(items),
                        "reasons": reasons,
                        "report_ids": [report.pk for report in items],
                        "window_days": config["misuse_reports_window_days"],
                        "min_seekers": threshold,
                    },
                )
            )
        return findings
