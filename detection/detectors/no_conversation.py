"""No conversation: many charged reveals, and almost no seeker replying or approving.

Legitimate recruiters talk to the people they reveal: a reply through the relay
or an approved contact request credits the reveal back (`reveal.credited_back`).
Reveals younger than the grace period are not yet expected to have an answer.
"""

import datetime as dt

from detection.models import SubjectType
from detection.periods import day_key

from .base import DetectionContext, Family, Finding, Strength, sum_field


class NoConversationDetector:
    name = "no_conversation"
    family = Family.OUTCOME

    def detect(self, context: DetectionContext) -> list[Finding]:
        config = context.config
        since = context.today - dt.timedelta(days=config["no_conversation_days"] - 1)
        grace_start = context.now - dt.timedelta(hours=config["no_conversation_grace_hours"])
        findings = []
        for organization_id in sorted(context.organizations):
            days = [
                row
                for start, row in context.day_rows(SubjectType.ORGANIZATION, organization_id).items()
                if start >= since
            ]
            recent = context.hour_rows(SubjectType.ORGANIZATION, organization_id, since=grace_start)
            charged = sum_field(days, "charged_reveals") - sum_field(recent, "charged_reveals")
            if charged < config["no_conversation_min_charged"]:
                continue
            replies = sum_field(days, "credited_backs") + sum_field(days, "approvals")
            rate = replies / charged
            if rate > config["no_conversation_max_rate"]:
                continue
            findings.append(
                Finding(
                    detector=self.name,
                    family=self.family,
                    subject_type=SubjectType.ORGANIZATION,
                    subject_id=str(organization_id),
                    organization_id=organization_id,
                    recruiter_id=None,
                    score=round(charged / config["no_conversation_min_charged"], 2),
                    strength=Strength.STRONG,
                    window_start=since,
                    window_end=context.now,
                    window_key=day_key(context.now),
                    evidence={
                        "charged_reveals_past_grace": charged,
                        "grace_hours": config["no_conversation_grace_hours"],
                        "replies_and_approvals": replies,
                        "reply_rate": round(rate, 3),
                        "max_reply_rate": config["no_conversation_max_rate"],
                        "days": config["no_conversation_days"],
                    },
                )
            )
        return findings
