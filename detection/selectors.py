"""Reads a run makes beyond its own subjects' recent aggregates: peers, profiles, seats and links, cached per run."""

import datetime as dt
from functools import cached_property

from employers import selectors as employer_selectors

from .models import AccountLink, ActivityAggregate, Granularity, SubjectType


class RunLoaders:
    """Lazy reads for one run; each is one query, bounded by active subjects, not by history."""

    def __init__(self, context) -> None:
        self.context = context
        self._profiles: dict[int, dict] = {}
        self._seat_counts: dict[int, int] = {}

    @cached_property
    def organization_days_today(self) -> dict[int, ActivityAggregate]:
        """Today's day row of every organisation active today: the peer distribution."""
        rows = ActivityAggregate.objects.filter(
            subject_type=SubjectType.ORGANIZATION, granularity=Granularity.DAY, bucket_start=self.context.today
        )
        return {int(row.subject_id): row for row in rows}

    def organization_profiles(self, organization_ids) -> dict[int, dict]:
        missing = set(organization_ids) - set(self._profiles)
        if missing:
            self._profiles.update(employer_selectors.organization_profiles(organization_ids=missing))
        return {key: self._profiles[key] for key in organization_ids if key in self._profiles}

    def active_seat_count(self, organization_id: int) -> int:
        if organization_id not in self._seat_counts:
            counts = employer_selectors.active_seat_counts(organization_ids={organization_id})
            self._seat_counts[organization_id] = counts.get(organization_id, 0)
        return self._seat_counts[organization_id]

    @cached_property
    def recent_links(self) -> list[dict]:
        since = self.context.now - dt.timedelta(days=self.context.config["sybil_lookback_days"])
        return list(AccountLink.objects.filter(last_seen__gte=since).values("kind", "key", "node"))

    def seat_organizations(self, user_ids) -> dict[str, int]:
        return employer_selectors.seat_organizations(user_ids=user_ids)

    def organization_rows(self, organization_ids, *, since: dt.datetime) -> dict[int, list[ActivityAggregate]]:
        """Hour and day rows of these organisations since `since` (for clusters, whose members may be quiet now)."""
        rows = ActivityAggregate.objects.filter(
            subject_type=SubjectType.ORGANIZATION,
            subject_id__in=[str(organization_id) for organization_id in organization_ids],
            bucket_start__gte=since,
        )
        grouped: dict[int, list[ActivityAggregate]] = {}
        for row in rows:
            grouped.setdefault(int(row.subject_id), []).append(row)
        return grouped
