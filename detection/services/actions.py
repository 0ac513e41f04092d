"""What the platform does by itself on a high flag, through the other apps' services with by=None.

It suspends the organisation, or only the recruiter's seat when the signal is one
recruiter's and the rest of the organisation looks normal (a rogue employee in a
real company), and revokes the relay contacts obtained in the suspicious window.
Medium and low flags change nothing: they wait for an operator.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from config.errors import DomainError
from employers import services as employer_services
from employers.models import Organization, OrganizationStatus, Seat
from resumes.services import relay

from ..detectors import FAMILY_OF, DetectionContext, Finding, Strength
from ..models import Flag, FlagAction, SubjectType

logger = logging.getLogger(__name__)
SUSPENDABLE = (OrganizationStatus.PENDING, OrganizationStatus.VERIFIED)


@dataclass(frozen=True)
class Contributor:
    """A strong finding or recent strong flag on one organisation: what a high severity rests on."""

    key: str
    detector: str
    family: str
    recruiter_id: str | None
    window_start: dt.datetime
    label: str

    @classmethod
    def of_flag(cls, flag: Flag) -> "Contributor":
        return cls(
            key=flag.dedupe_key,
            detector=flag.detector,
            family=FAMILY_OF.get(flag.detector, flag.detector),
            recruiter_id=str(flag.recruiter_id) if flag.recruiter_id else None,
            window_start=flag.window_start,
            label=f"{flag.detector} (flag #{flag.pk})",
        )

    @classmethod
    def of_finding(cls, finding: Finding) -> "Contributor":
        return cls(
            key=finding.dedupe_key,
            detector=finding.detector,
            family=finding.family,
            recruiter_id=finding.recruiter_id,
            window_start=finding.window_start,
            label=f"{finding.detector} (this run)",
        )


def act_on_high_flags(
    *, pairs: list[tuple[Flag, Finding]], contributors: list[Contributor], context: DetectionContext
) -> None:
    """Act once per organisation (or cluster) and run, recording what was done on the strongest flag."""
    flag, finding = max(pairs, key=lambda pair: (Strength.ORDER[pair[1].strength], pair[1].score))
    since = min([finding.window_start, *(contributor.window_start for contributor in contributors)])
    reason = f"Detection flag #{flag.pk}: {flag.detector}, {flag.severity} severity."
    if finding.subject_type == SubjectType.CLUSTER:
        # Members the evidence does not hold to account on its own (sybil_cluster: linked by licence files only).
        left_to_operator = set(finding.evidence.get("left_to_operator", ()))
        organization_ids = [
            member["id"]
            for member in finding.cluster_members
            if member["type"] == "organization" and member["id"] not in left_to_operator
        ]
        lone_recruiter = None
    else:
        organization_ids = [finding.organization_id] if finding.organization_id is not None else []
        lone_recruiter = _lone_recruiter(
            organization_id=finding.organization_id, contributors=contributors, context=context
        )
    revoked: list[int] = []
    if lone_recruiter is not None:
        seat = Seat.objects.select_related("organization", "user").filter(user_id=lone_recruiter).first()
        if seat is None or not seat.is_active:
            return  # already stopped: an operator decides what follows
        employer_services.suspend_seat_by_platform(seat=seat, reason=reason)
        revoked = relay.revoke_relay_contacts_obtained_since(
            organization=seat.organization, recruiter=seat.user, since=since, reason=reason
        )
        action = FlagAction.SEAT_SUSPENDED
    else:
        organizations = list(
            Organization.objects.filter(pk__in=organization_ids, status__in=SUSPENDABLE).order_by("pk")
        )
        if not organizations:
            return  # already stopped: an operator decides what follows
        action = FlagAction.NONE
        for organization in organizations:
            try:
                employer_services.suspend_organization(organization=organization, by=None, reason=reason)
                action = FlagAction.ORGANIZATION_SUSPENDED
            except DomainError as refusal:  # suspended meanwhile by an operator
                logger.info("flag %s: organisation %s not suspended (%s)", flag.pk, organization.pk, refusal.code)
            revoked += relay.revoke_relay_contacts_obtained_since(
                organization=organization, recruiter=None, since=since, reason=reason
            )
    flag.action_taken = action
    flag.relay_contacts_revoked = len(revoked)
    flag.save(update_fields=["action_taken", "relay_contacts_revoked"])
    if revoked:
        flag.revoked_relay_contacts.add(*revoked)


def _lone_recruiter(*, organization_id: int | None, contributors: list[Contributor], context) -> str | None:
    """The one recruiter behind every strong signal, if the rest of the organisation looks normal."""
    if organization_id is None:
        return None
    recruiters = {contributor.recruiter_id for contributor in contributors if contributor.recruiter_id}
    if len(recruiters) != 1:
        return None
    (recruiter_id,) = recruiters
    if context.loaders.active_seat_count(organization_id) < 2:
        return None  # a one-person organisation is that person
    if any(contributor.recruiter_id is None for contributor in contributors):
        # Organisation-level signals count as the recruiter's only if they made most of its reveals today.
        mine = context.day_row(SubjectType.RECRUITER, recruiter_id, context.today)
        ours = context.day_row(SubjectType.ORGANIZATION, organization_id, context.today)
        share = (mine.reveals / ours.reveals) if mine and ours and ours.reveals else 0.0
        if share < context.config["seat_only_min_share"]:
            return None
    return recruiter_id
