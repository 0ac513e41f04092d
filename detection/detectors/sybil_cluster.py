"""Sybil cluster: organisations and recruiters linked by shared evidence, judged on their combined rates.

Accounts are nodes; a login network (/24 IPv4, /64 IPv6), a device, a
registration IP or a licence file shared by two of them joins them (union-find),
and so does a recruiter's seat in an organisation. A component that spans two or
more organisations is judged as one harvester: ten accounts each under every
threshold can still add up to one. Only keys shared across organisations count as
shared evidence. A licence file is a public document: an organisation linked to
the others by licence files only is named in the flag but left to an operator,
so that uploading a copy of an honest organisation's licence (before or after it
does) cannot get it suspended.
"""

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass

from detection.models import LinkKind, SubjectType
from detection.periods import day_key, hour_start
from detection.selectors import ORGANIZATION, RECRUITER

from .base import DetectionContext, Family, Finding, Strength

DAY = dt.timedelta(hours=24)


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        self.parent.setdefault(node, node)
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, first: str, second: str) -> None:
        self.parent[self.find(first)] = self.find(second)

    def components(self) -> list[set[str]]:
        groups: dict[str, set[str]] = defaultdict(set)
        for node in self.parent:
            groups[self.find(node)].add(node)
        return list(groups.values())


@dataclass(frozen=True)
class Linkage:
    union: UnionFind
    kinds_shared: dict[str, Counter]  # per component root: keys shared across organisations, by kind
    # Organisations linked to other organisations by licence files only: stopped by no automatic action
    # (detection.services.actions), named in the flag for an operator.
    licence_only: set[int]


class SybilClusterDetector:
    name = "sybil_cluster"
    family = Family.LINKAGE

    def detect(self, context: DetectionContext) -> list[Finding]:
        if not context.recruiters and not context.organizations:
            return []
        config = context.config
        touched = {f"{RECRUITER}{recruiter}" for recruiter in context.recruiters} | {
            f"{ORGANIZATION}{organization}" for organization in context.organizations
        }
        linkage = self.link(context, touched)
        union = linkage.union
        findings = []
        for component in union.components():
            organizations = sorted(
                int(node[len(ORGANIZATION) :]) for node in component if node.startswith(ORGANIZATION)
            )
            if len(organizations) < 2 or not component & touched:
                continue
            shared = linkage.kinds_shared.get(union.find(next(iter(component))), Counter())
            left_to_operator = sorted(linkage.licence_only & set(organizations))
            finding = self.judge(context, component, organizations, shared, config, left_to_operator)
            if finding is not None:
                findings.append(finding)
        return findings

    def link(self, context: DetectionContext, touched: set[str]) -> Linkage:
        links, seats = context.loaders.links_around(touched)
        groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for link in links:
            groups[(link["kind"], link["key"])].append(link)
        union = UnionFind()
        kinds_shared: dict[str, Counter] = defaultdict(Counter)
        # Per organisation, the kinds of the keys it shares with another organisation.
        shared_kinds: dict[int, set[str]] = defaultdict(set)
        for (kind, _key), rows in groups.items():
            nodes = sorted({row["node"] for row in rows})
            if len(nodes) < 2:
                continue  # nobody to share with
            first, *rest = nodes
            for node in rest:
                union.union(first, node)
            organizations = {row["organization"] for row in rows}
            if len(organizations) < 2:
                continue  # a recruiter and its own organisation: evidence of nothing
            kinds_shared[first][kind] += 1
            for organization in organizations:
                shared_kinds[organization].add(kind)
        for recruiter_id, organization_id in seats:
            union.union(f"{RECRUITER}{recruiter_id}", f"{ORGANIZATION}{organization_id}")
        merged: dict[str, Counter] = defaultdict(Counter)
        for node, counts in kinds_shared.items():
            merged[union.find(node)] += counts
        # A licence is a public document: anyone may upload a copy of an honest organisation's, before or
        # after it does. Shared by itself it is a question for an operator, not a reason to stop anyone.
        licence_only = {organization for organization, kinds in shared_kinds.items() if kinds == {LinkKind.LICENCE}}
        return Linkage(union=union, kinds_shared=merged, licence_only=licence_only)

    def judge(
        self, context, component: set[str], organizations: list[int], shared: Counter, config, left_to_operator
    ) -> Finding | None:
        since_day = context.today - dt.timedelta(days=config["no_conversation_days"] - 1)
        since_hour = hour_start(context.now - DAY)
        rows = context.loaders.organization_rows(organizations, since=min(since_day, since_hour))
        per_organization, charged, replies = {}, 0, 0
        for organization_id in organizations:
            hours = [row for row in rows.get(organization_id, []) if row.granularity == "hour"]
            days = [row for row in rows.get(organization_id, []) if row.granularity == "day"]
            per_organization[organization_id] = sum(row.reveals for row in hours if row.bucket_start >= since_hour)
            charged += sum(row.charged_reveals for row in days if row.bucket_start >= since_day)
            replies += sum(row.credited_backs + row.approvals for row in days if row.bucket_start >= since_day)
        combined = sum(per_organization.values())
        profiles = context.loaders.organization_profiles(organizations)
        largest_quota = max((profile["org_daily_limit"] for profile in profiles.values()), default=0)
        required = max(config["sybil_min_combined_daily"], largest_quota)
        rate = replies / charged if charged else 0.0
        if combined <= required or rate > config["sybil_max_conversation_rate"]:
            return None
        recruiters = sorted(node.removeprefix(RECRUITER) for node in component if node.startswith(RECRUITER))
        members = [{"type": "organization", "id": organization_id} for organization_id in organizations] + [
            {"type": "recruiter", "id": recruiter_id} for recruiter_id in recruiters
        ]
        cluster_id = hashlib.sha256(",".join(map(str, organizations)).encode()).hexdigest()[:16]
        busiest = max(organizations, key=lambda organization_id: per_organization[organization_id])
        return Finding(
            detector=self.name,
            family=self.family,
            subject_type=SubjectType.CLUSTER,
            subject_id=cluster_id,
            organization_id=busiest,
            recruiter_id=None,
            score=round(combined / required, 2),
            strength=Strength.EXTREME,
            window_start=since_hour,
            window_end=context.now,
            window_key=day_key(context.now),
            evidence={
                "organizations": len(organizations),
                "recruiters": len(recruiters),
                "shared_evidence": dict(shared),
                "combined_reveals_24h": combined,
                "reveals_24h_by_organization": {str(key): value for key, value in per_organization.items()},
                "required_combined": required,
                "largest_daily_quota_of_a_member": largest_quota,
                "charged_reveals": charged,
                "replies_and_approvals": replies,
                "reply_rate": round(rate, 3),
                "max_reply_rate": config["sybil_max_conversation_rate"],
                # Linked to the others by licence files only: no automatic stop.
                **({"left_to_operator": left_to_operator} if left_to_operator else {}),
            },
            cluster_members=tuple(members),
        )
