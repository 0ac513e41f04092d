"""Reads for leak forensics (detection/): reveals of canaries and uses of relay contacts from outside.

Each is bounded by time and returns opaque ids and counts, never contact data.
"""

import datetime as dt

from accounts.models import User

from ..models import RelayContact, RelayOutsideUse, Resume, Reveal


def canary_reveals_since(*, since: dt.datetime) -> list[dict]:
    """Reveals of canary resumes since `since`, oldest first: who revealed which canary, when."""
    return list(
        Reveal.objects.filter(created_at__gte=since, resume__is_canary=True)
        .order_by("created_at", "id")
        .values("id", "organization_id", "recruiter_id", "resume_id", "created_at")
    )


def outside_relay_uses_since(*, since: dt.datetime, organization_ids=None) -> list[dict]:
    """Outside uses of relay contacts since `since`, oldest first, with whether the contact is a canary's."""
    uses = RelayOutsideUse.objects.filter(created_at__gte=since)
    if organization_ids is not None:
        uses = uses.filter(organization_id__in=organization_ids)
    return [
        {**row, "is_canary": bool(row.pop("relay_contact__resume__is_canary"))}
        for row in uses.order_by("created_at", "id").values(
            "id",
            "organization_id",
            "relay_contact_id",
            "kind",
            "party_index",
            "created_at",
            "relay_contact__resume__is_canary",
        )
    ]


def canary_reveal_time(*, organization_id: int, relay_contact_id: int) -> dt.datetime | None:
    """When the organisation first revealed the canary behind this relay contact."""
    return (
        Reveal.objects.filter(organization_id=organization_id, relay_contact_id=relay_contact_id)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def revealed_organizations_for_seeker(*, seeker: User) -> list[dict]:
    """Each organisation that revealed the seeker: id, name, its relay contact (if active) and the last reveal."""
    resume = Resume.objects.filter(seeker=seeker).only("id").first()
    if resume is None:
        return []
    organizations: dict[int, dict] = {}
    for reveal in Reveal.objects.filter(resume=resume).select_related("organization").order_by("-created_at"):
        organizations.setdefault(
            reveal.organization_id,
            {
                "organization_id": reveal.organization_id,
                "legal_name": reveal.organization.legal_name,
                "last_revealed_at": reveal.created_at,
                "relay_contact_id": None,
            },
        )
    relays = RelayContact.objects.filter(resume=resume, organization_id__in=organizations, revoked_at__isnull=True)
    for relay_id, organization_id in relays.values_list("id", "organization_id"):
        organizations[organization_id]["relay_contact_id"] = relay_id
    return sorted(organizations.values(), key=lambda row: row["legal_name"])
