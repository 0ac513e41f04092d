"""Peer outlier: an organisation's reveals today against organisations of the same plan (robust z-score).

z = 0.6745 * (x - median) / MAD on log(1 + reveals), the modified z-score of
Iglewicz and Hoaglin; |z| > 3.5 is an outlier. Logs, because daily counts are
skewed: a few large employers reveal ten times what most do. When MAD is 0
(over half the peers have the same count), the mean absolute deviation stands in,
scaled by 1.253314 so that z keeps its meaning for normal data; when that is 0
too (all peers equal), an organisation at peer_fallback_multiple times the
median is the outlier.
"""

import math
import statistics

from detection.models import SubjectType
from detection.periods import day_key

from .base import DetectionContext, Family, Finding, Strength

MAD_SCALE = 0.6745
MEAN_AD_SCALE = 1.253314


def robust_z(value: float, peers: list[float], *, fallback_multiple: float) -> tuple[float, str]:
    """The modified z-score of `value` among `peers` (log scale), and which estimate of spread was used."""
    logs = [math.log1p(peer) for peer in peers]
    x = math.log1p(value)
    median = statistics.median(logs)
    deviations = [abs(log - median) for log in logs]
    mad = statistics.median(deviations)
    if mad > 0:
        return MAD_SCALE * (x - median) / mad, "median_absolute_deviation"
    mean_ad = statistics.fmean(deviations)
    if mean_ad > 0:
        return (x - median) / (MEAN_AD_SCALE * mean_ad), "mean_absolute_deviation"
    raw_median = statistics.median(peers)
    return (math.inf if value >= fallback_multiple * max(1.0, raw_median) else 0.0), "multiple_of_median"


class PeerOutlierDetector:
    name = "peer_outlier"
    family = Family.RATE

    def detect(self, context: DetectionContext) -> list[Finding]:
        config = context.config
        if not context.organizations:
            return []
        today = context.loaders.organization_days_today
        candidates = [
            organization_id
            for organization_id in sorted(context.organizations)
            if organization_id in today and today[organization_id].reveals >= config["peer_min_reveals"]
        ]
        if not candidates:
            return []
        profiles = context.loaders.organization_profiles(today.keys())
        findings = []
        for organization_id in candidates:
            plan = profiles.get(organization_id, {}).get("plan")
            peers = [
                row.reveals
                for other, row in today.items()
                if other != organization_id and profiles.get(other, {}).get("plan") == plan
            ]
            if len(peers) < config["peer_min_peers"]:
                continue
            value = today[organization_id].reveals
            z, method = robust_z(value, peers, fallback_multiple=config["peer_fallback_multiple"])
            if z <= config["peer_z_threshold"]:
                continue
            findings.append(
                Finding(
                    detector=self.name,
                    family=self.family,
                    subject_type=SubjectType.ORGANIZATION,
                    subject_id=str(organization_id),
                    organization_id=organization_id,
                    recruiter_id=None,
                    score=round(min(z, 99.0) / config["peer_z_threshold"], 2),
                    strength=Strength.STRONG,
                    window_start=context.today,
                    window_end=context.now,
                    window_key=day_key(context.now),
                    evidence={
                        "reveals_today": value,
                        "plan": plan,
                        "peers": len(peers),
                        "peer_median_reveals": statistics.median(peers),
                        "robust_z": round(z, 2) if math.isfinite(z) else None,
                        "z_threshold": config["peer_z_threshold"],
                        "spread_estimate": method,
                    },
                )
            )
        return findings
