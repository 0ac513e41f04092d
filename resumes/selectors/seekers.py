"""The seeker's own reads for their pages: every query is scoped to the calling seeker."""

from dataclasses import dataclass

from django.db.models import Case, CharField, Exists, F, OuterRef, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from employers.models import Application, JobPosting, Organization

from ..models import (
    BlockedOrganization,
    ContactRequest,
    ContactRequestStatus,
    DirectContactGrant,
    Notification,
    RelayContact,
    Resume,
    Reveal,
)

RECENT_ITEMS = 5
ORGANIZATION_SEARCH_RESULTS = 20


@dataclass(frozen=True)
class Dashboard:
    resume: Resume | None
    recent_reveals: list[Reveal]
    pending_requests: int
    active_relays: int
    has_contact: bool
    unread_notifications: int
    applications: int


@dataclass(frozen=True)
class AccessLog:
    resume: Resume | None
    reveals: QuerySet[Reveal]
    contact_requests: QuerySet[ContactRequest]


@dataclass(frozen=True)
class SeekerRequests:
    open_requests: list[ContactRequest]
    answered: list[ContactRequest]


def get_own_resume(*, seeker: User) -> Resume | None:
    return Resume.objects.filter(seeker=seeker).first()


def get_dashboard(*, seeker: User) -> Dashboard:
    """What the seeker's home page counts: who revealed them lately, waiting requests, relays, notices."""
    resume = get_own_resume(seeker=seeker)
    recent_reveals: list[Reveal] = []
    pending_requests = active_relays = 0
    if resume is not None:
        recent_reveals = list(Reveal.objects.filter(resume=resume).select_related("organization", "job")[:RECENT_ITEMS])
        pending_requests = sum(
            1
            for item in ContactRequest.objects.filter(resume=resume, status=ContactRequestStatus.PENDING)
            if item.is_open
        )
        active_relays = RelayContact.objects.filter(resume=resume, revoked_at__isnull=True).count()
    return Dashboard(
        resume=resume,
        recent_reveals=recent_reveals,
        pending_requests=pending_requests,
        active_relays=active_relays,
        has_contact=resume is not None and bool(resume.phone_ciphertext),
        unread_notifications=Notification.objects.filter(user=seeker, read_at__isnull=True).count(),
        applications=Application.objects.filter(seeker=seeker).count(),
    )


def _recruiter_shown_as(field: str) -> Case:
    """The recruiter's chosen display name or title, from their seat in the organisation that revealed.

    Only those two lines the recruiter set for seekers to read: never their account's name or address.
    """
    return Case(
        When(recruiter__seat__organization_id=F("organization_id"), then=F(f"recruiter__seat__{field}")),
        default=Value(""),
        output_field=CharField(),
    )


def get_access_log(*, seeker: User) -> AccessLog:
    """Every reveal of the seeker's contact (and how its recruiter chose to be named), every request; newest first."""
    resume = get_own_resume(seeker=seeker)
    if resume is None:
        return AccessLog(resume=None, reveals=Reveal.objects.none(), contact_requests=ContactRequest.objects.none())
    reveals = (
        Reveal.objects.filter(resume=resume)
        .select_related("organization", "job")
        .annotate(
            recruiter_display_name=_recruiter_shown_as("display_name"), recruiter_title=_recruiter_shown_as("title")
        )
    )
    return AccessLog(
        resume=resume,
        reveals=reveals,
        contact_requests=ContactRequest.objects.filter(resume=resume).select_related("organization", "job"),
    )


def get_contact_requests(*, seeker: User) -> SeekerRequests:
    """The seeker's contact requests: those still waiting for an answer, and the rest."""
    items: list[ContactRequest] = []
    resume = get_own_resume(seeker=seeker)
    if resume is not None:
        items = list(ContactRequest.objects.filter(resume=resume).select_related("organization", "job"))
    now = timezone.now()
    open_requests = [item for item in items if item.status == ContactRequestStatus.PENDING and item.expires_at > now]
    answered = [item for item in items if item not in open_requests]
    return SeekerRequests(open_requests=open_requests, answered=answered)


def list_blocked_organizations(*, resume: Resume) -> QuerySet[BlockedOrganization]:
    return resume.blocks.select_related("organization").order_by("organization__legal_name")


def list_direct_contact_grants(*, resume: Resume) -> QuerySet[DirectContactGrant]:
    return resume.direct_contact_grants.select_related("organization").order_by("organization__legal_name")


def search_organizations_to_block(*, resume: Resume, query: str) -> QuerySet[Organization]:
    """Organisations whose legal name contains `query`, less those already blocked; names and ids only."""
    return (
        Organization.objects.filter(legal_name__icontains=query)
        .exclude(pk__in=resume.blocks.values("organization_id"))
        .only("id", "legal_name")
        .order_by("legal_name")[:ORGANIZATION_SEARCH_RESULTS]
    )


def list_relay_contacts(*, seeker: User) -> QuerySet[RelayContact]:
    return RelayContact.objects.filter(resume__seeker=seeker).select_related("organization")


def list_notifications(*, seeker: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=seeker)


def list_own_applications(*, seeker: User) -> QuerySet[Application]:
    """The seeker's applications, newest first, each with whether its job is still open to seekers."""
    return (
        Application.objects.filter(seeker=seeker)
        .select_related("job__organization")
        .annotate(job_is_open=Exists(JobPosting.objects.visible_to_seekers().filter(pk=OuterRef("job_id"))))
    )


def get_relay_contact(*, seeker: User, relay_id: int) -> RelayContact | None:
    """One of the seeker's own relay contacts (for the revoke confirmation), or None."""
    return list_relay_contacts(seeker=seeker).filter(pk=relay_id).first()


def get_direct_contact_grant(*, seeker: User, organization_id: int) -> DirectContactGrant | None:
    """The seeker's direct-contact grant to one organisation (for the revoke confirmation), or None."""
    return (
        DirectContactGrant.objects.filter(resume__seeker=seeker, organization_id=organization_id)
        .select_related("organization")
        .first()
    )


def applied_job_ids(*, seeker: User, jobs: list[JobPosting]) -> set[int]:
    """Which of `jobs` the seeker applied to."""
    return set(Application.objects.filter(seeker=seeker, job__in=jobs).values_list("job_id", flat=True))


def has_applied(*, seeker: User, job: JobPosting) -> bool:
    return Application.objects.filter(seeker=seeker, job=job).exists()


def find_job(*, job_id: int) -> JobPosting | None:
    """The job a seeker applies to, whatever its state: the service refuses one that is not open."""
    return JobPosting.objects.select_related("organization").filter(pk=job_id).first()
