"""Relay misuse: one organisation's relay contacts used by several different people outside it.

Each organisation gets its own alias and extension per seeker; mail or calls from
outside it (resumes/services/relay_use.py) mean the contacts were passed on. Past a
threshold of distinct outsiders over the window, the flag is high and acts at once.
Outsiders already counted in an earlier relay-misuse flag of the organisation are not
counted again, so a dismissed flag is not raised anew from the same evidence.
"""

import datetime as dt

from resumes.selectors import leaks as leak_selectors

from ..models import Flag, SubjectType
from .base import DetectionContext, Family, Finding, Strength


class RelayMisuseDetector:
    name = "relay_misuse"
    family = Family.LEAK

    def detect(self, context: DetectionContext) -> list[Finding]:
        config = context.config
        threshold = config["relay_misuse_min_outsiders"]
        since = context.now - dt.timedelta(days=config["relay_misuse_window_days"])
        by_organization: dict[int, list[dict]] = {}
        for use in leak_selectors.outside_relay_uses_since(since=since):
            by_organization.setdefault(use["organization_id"], []).append(use)
        candidates = {key: uses for key, uses in by_organization.items() if _outsiders(uses) >= threshold}
        if not candidates:
            return []
        counted_upto = _counted_upto(self.name, candidates)
        findings = []
        for organization_id, uses in sorted(candidates.items()):
            uses = [use for use in uses if use["id"] > counted_upto.get(organization_id, 0)]
            outsiders = _outsiders(uses)
            if outsiders < threshold:
                continue
            findings.append(
                Finding(
                    detector=self.name,
                    family=self.family,
                    subject_type=SubjectType.ORGANIZATION,
                    subject_id=str(organization_id),
                    organization_id=organization_id,
                    recruiter_id=None,
                    score=round(outsiders / threshold, 2),
                    strength=Strength.EXTREME,
                    window_start=since,
                    window_end=uses[-1]["created_at"],
                    window_key=f"upto-{uses[-1]['id']}",
                    evidence={
                        "distinct_outside_senders": len({u["party_index"] for u in uses if u["kind"] == "email"}),
                        "distinct_outside_callers": len({u["party_index"] for u in uses if u["kind"] == "call"}),
                        "relay_contacts_used": len({use["relay_contact_id"] for use in uses}),
                        "outside_uses": len(uses),
                        "first_use_at": uses[0]["created_at"].isoformat(),
                        "last_use_id": uses[-1]["id"],
                        "window_days": config["relay_misuse_window_days"],
                        "min_outsiders": threshold,
                    },
                )
            )
        return findings


def _outsiders(uses: list[dict]) -> int:
    return len({(use["kind"], use["party_index"]) for use in uses})


def _counted_upto(detector: str, candidates: dict[int, list]) -> dict[int, int]:
    """Per organisation, the last outside use an earlier flag of this detector counted."""
    upto: dict[int, int] = {}
    for organization_id, evidence in Flag.objects.filter(detector=detector, organization_id__in=candidates).values_list(
        "organization_id", "evidence"
    ):
        upto[organization_id] = max(upto.get(organization_id, 0), int(evidence.get("last_use_id", 0)))
    return upto
