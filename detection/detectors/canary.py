"""Canary resumes: a canary revealed (medium), and a canary's relay contact used from outside (high at once).

Canaries are synthetic seekers (detection/canaries.py) nobody has a reason to contact but
the organisation that revealed one for a job. A reveal alone may be legitimate (a canary
can fit a job); mail or a call to its relay contact from anyone but that organisation
means the contact sits in a list that left it.
"""

import datetime as dt

from resumes.selectors import leaks as leak_selectors

from ..models import SubjectType
from .base import DetectionContext, Family, Finding, Strength


class CanaryHitDetector:
    name = "canary_hit"
    family = Family.CANARY

    def detect(self, context: DetectionContext) -> list[Finding]:
        since = context.now - dt.timedelta(days=context.config["canary_lookback_days"])
        reveals = leak_selectors.canary_reveals_since(since=since)
        first: dict[tuple[int, str], dict] = {}
        per_organization: dict[int, int] = {}
        for reveal in reveals:
            first.setdefault((reveal["organization_id"], str(reveal["resume_id"])), reveal)
            per_organization[reveal["organization_id"]] = per_organization.get(reveal["organization_id"], 0) + 1
        return [
            Finding(
                detector=self.name,
                family=self.family,
                subject_type=SubjectType.ORGANIZATION,
                subject_id=str(organization_id),
                organization_id=organization_id,
                # The relay contact is the organisation's, whoever of it revealed: no seat-only action.
                recruiter_id=None,
                score=float(per_organization[organization_id]),
                strength=Strength.STRONG,
                window_start=reveal["created_at"],
                window_end=reveal["created_at"],
                window_key=f"canary-{resume_id}",
                evidence={
                    "canary_resume_id": resume_id,
                    "revealed_at": reveal["created_at"].isoformat(),
                    "recruiter_id": str(reveal["recruiter_id"]) if reveal["recruiter_id"] else None,
                    "canary_reveals_in_lookback": per_organization[organization_id],
                    "lookback_days": context.config["canary_lookback_days"],
                },
            )
            for (organization_id, resume_id), reveal in first.items()
        ]


class CanaryRelayDetector:
    name = "canary_relay_use"
    family = Family.LEAK

    def detect(self, context: DetectionContext) -> list[Finding]:
        config = context.config
        since = context.now - dt.timedelta(days=config["canary_lookback_days"])
        by_relay: dict[int, list[dict]] = {}
        for use in leak_selectors.outside_relay_uses_since(since=since):
            if use["is_canary"]:
                by_relay.setdefault(use["relay_contact_id"], []).append(use)
        findings = []
        for relay_contact_id, uses in sorted(by_relay.items()):
            organization_id = uses[0]["organization_id"]
            revealed_at = leak_selectors.canary_reveal_time(
                organization_id=organization_id, relay_contact_id=relay_contact_id
            )
            start = (revealed_at or uses[0]["created_at"]) - dt.timedelta(days=config["canary_revoke_days"])
            findings.append(
                Finding(
                    detector=self.name,
                    family=self.family,
                    subject_type=SubjectType.ORGANIZATION,
                    subject_id=str(organization_id),
                    organization_id=organization_id,
                    recruiter_id=None,
                    score=float(len({use["party_index"] for use in uses})),
                    strength=Strength.EXTREME,
                    window_start=start,
                    window_end=uses[-1]["created_at"],
                    # One flag per canary contact: its first outsider proves the leak, more add nothing.
                    window_key=f"relay-{relay_contact_id}",
                    evidence={
                        "relay_contact_id": relay_contact_id,
                        "canary_revealed_at": revealed_at.isoformat() if revealed_at else None,
                        "first_outside_use_at": uses[0]["created_at"].isoformat(),
                        "outside_emails": sum(use["kind"] == "email" for use in uses),
                        "outside_calls": sum(use["kind"] == "call" for use in uses),
                        "distinct_outsiders": len({use["party_index"] for use in uses}),
                        "revoked_since_days_before_reveal": config["canary_revoke_days"],
                    },
                )
            )
        return findings
