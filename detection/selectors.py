"""Reads a run makes beyond its own subjects' recent aggregates: peers, profiles, seats and links, cached per run."""

import datetime as dt
from functools import cached_property

from employers import selectors as employer_selectors

from .models import AccountLink, ActivityAggregate, Granularity, MisuseReport, SubjectType

RECRUITER = "recruiter:"
ORGANIZATION = "organization:"
# Steps of the walk from a run's subjects through shared keys and seats: a ring shares its
# device or network directly (one step), and its organisations are a seat away (two).
LINK_ROUNDS = 4


class RunLoaders:
    """Lazy reads for one run, cached; each is bounded by the active subjects, not by the history."""

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

    def links_around(self, nodes: set[str]) -> tuple[list[dict], list[tuple[str, int]]]:
        """Shared links and seats within LINK_ROUNDS steps of `nodes`: a bounded walk, not every link there is.

        Returns the links of keys held by at most sybil_max_key_fanout organisations verified now, each a dict of
        kind, key, node and `organization` (the node's own, or its seat's), and the
        (recruiter id, organisation id) seats met on the way. Only accounts an operator's verification
        stands behind count and link (employers' organizations_behind): throwaway accounts cannot
        pad a key past the fan-out, which would turn the attackers' own network into a public one.
        """
        config = self.context.config
        since = self.context.now - dt.timedelta(days=config["sybil_lookback_days"])
        recent = AccountLink.objects.filter(last_seen__gte=since)
        links: list[dict] = []
        seats: set[tuple[str, int]] = set()
        seen_keys: set[tuple[str, str]] = set()
        seen, frontier = set(nodes), set(nodes)
        seated: set[str] = set()  # nodes whose seats are known
        keyed: set[str] = set()  # nodes whose keys are known
        for _ in range(LINK_ROUNDS):
            found: set[str] = set()
            to_seat = frontier - seated
            if to_seat:
                for recruiter_id, organization_id in employer_selectors.seat_memberships(
                    user_ids={node.removeprefix(RECRUITER) for node in to_seat if node.startswith(RECRUITER)},
                    organization_ids={
                        int(node.removeprefix(ORGANIZATION)) for node in to_seat if node.startswith(ORGANIZATION)
                    },
                ):
                    seats.add((recruiter_id, organization_id))
                    found |= {f"{RECRUITER}{recruiter_id}", f"{ORGANIZATION}{organization_id}"}
                    seated.add(f"{RECRUITER}{recruiter_id}")  # a recruiter holds one seat at most
                seated |= to_seat
            to_key = (frontier | found) - keyed
            keyed |= to_key
            keys = set(recent.filter(node__in=to_key).values_list("kind", "key")) - seen_keys if to_key else set()
            seen_keys |= keys
            if keys:
                rows = [
                    row
                    for row in recent.filter(key__in={key for _, key in keys}).values("kind", "key", "node")
                    if (row["kind"], row["key"]) in keys
                ]
                members: dict[tuple[str, str], list[dict]] = {}
                for row in self._with_organization_behind(rows):
                    members.setdefault((row["kind"], row["key"]), []).append(row)
                for key_rows in members.values():
                    # Suspended organisations link, but do not count: burnt accounts cannot make a key public.
                    organizations = {row["organization"] for row in key_rows if row["verified_now"]}
                    if len(organizations) <= config["sybil_max_key_fanout"]:  # more is a public network
                        links.extend(key_rows)
                        found |= {row["node"] for row in key_rows}
            frontier = found - seen
            seen |= found
            if not frontier - (seated & keyed):
                break
        return links, sorted(seats)

    @staticmethod
    def _with_organization_behind(rows: list[dict]) -> list[dict]:
        """The rows of accounts a verified (or once verified) organisation stands behind, each with its id."""
        seated, verified, verified_now = employer_selectors.organizations_behind(
            user_ids={row["node"].removeprefix(RECRUITER) for row in rows if row["node"].startswith(RECRUITER)},
            organization_ids={
                int(row["node"].removeprefix(ORGANIZATION)) for row in rows if row["node"].startswith(ORGANIZATION)
            },
        )
        kept = []
        for row in rows:
            node = row["node"]
            if node.startswith(ORGANIZATION):
                organization = int(node.removeprefix(ORGANIZATION))
                organization = organization if organization in verified else None
            else:
                organization = seated.get(node.removeprefix(RECRUITER))
            if organization is not None:
                kept.append({**row, "organization": organization, "verified_now": organization in verified_now})
        return kept

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


def list_misuse_reports_for_seeker(*, seeker) -> list[MisuseReport]:
    """The seeker's own misuse reports, newest first, with the organisation's name: nobody else's."""
    return list(MisuseReport.objects.filter(seeker=seeker).select_related("organization"))
