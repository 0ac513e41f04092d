"""Reads on employers; each read across an access boundary checks access and fetches together."""

from datetime import timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role, User
from audit.actions import AuditAction
from audit.models import AuditEvent
from config.api import SEAT_READ_WITH_USER

from . import errors, quota
from .models import (
    AdverseCreditRecord,
    Application,
    BusinessLicence,
    Invitation,
    JobPosting,
    JobStatus,
    Organization,
    OrganizationStatus,
    RegistrationAttempt,
    Seat,
)


def ensure_can_register(*, user: User) -> None:
    """Only a recruiter without any seat registers an organisation; a deactivated one cannot start over."""
    if user.role != Role.RECRUITER:
        raise errors.NotRecruiter()
    seat = Seat.objects.filter(user=user).only("is_active").first()
    if seat is not None:
        raise errors.RecruiterInactive() if not seat.is_active else errors.AlreadyInOrganization()


def get_active_seat(*, user: User) -> Seat:
    """The caller's seat, or the refusal that applies: not a recruiter, no organisation, deactivated."""
    if user.role != Role.RECRUITER:
        raise errors.NotRecruiter()
    seat = _seat_loaded_with(user)
    if seat is None:
        seat = Seat.objects.select_related("organization", "user").filter(user=user).first()
    return check_active_seat(user=user, seat=seat)


def check_active_seat(*, user: User, seat: Seat | None) -> Seat:
    """`get_active_seat` for the user's seat (or None) already read by the caller: the same refusals."""
    if user.role != Role.RECRUITER:
        raise errors.NotRecruiter()
    if seat is None:
        raise errors.NoOrganization()
    if not seat.is_active:
        raise errors.RecruiterInactive()
    return seat


def _seat_loaded_with(user: User) -> Seat | None:
    """The seat and organisation the API's token authentication read with the user in this request, if any.

    Only that read is reused, on the user object it built for this request alone (SEAT_READ_WITH_USER marks it):
    a seat cached on any other user object may be old (a task's, a test's). A seat found missing then is read
    afresh, as it may have been created since (registering, accepting an invitation).
    """
    if not getattr(user, SEAT_READ_WITH_USER, False) or not User.seat.related.is_cached(user):
        return None
    seat = user.seat if hasattr(user, "seat") else None
    return seat if seat is not None and Seat.organization.is_cached(seat) else None


def get_admin_seat(*, user: User) -> Seat:
    seat = get_active_seat(user=user)
    if not seat.is_admin:
        raise errors.NotOrgAdmin()
    return seat


def list_invitations_for_recruiter(*, user: User) -> QuerySet[Invitation]:
    """The caller's own open invitations, matched by the blind index of their address."""
    if user.role != Role.RECRUITER:
        raise errors.NotRecruiter()
    return Invitation.objects.open().addressed_to(user).select_related("organization")


def quota_usage(*, seat: Seat) -> dict[str, dict]:
    """Limits in force and what the reveal service has used of them today / this month."""
    return quota.usage(recruiter=seat.user, organization=seat.organization)


def list_jobs_for_recruiter(*, user: User) -> QuerySet[JobPosting]:
    seat = get_active_seat(user=user)
    return JobPosting.objects.filter(organization=seat.organization)


def get_job_for_recruiter(*, user: User, job_id: int) -> JobPosting:
    """The job if it is the caller's organisation's; another's is `not_found`, exactly like a missing one."""
    job = list_jobs_for_recruiter(user=user).filter(pk=job_id).first()
    if job is None:
        raise errors.JobNotFound()
    return job


def list_applications_for_recruiter(*, user: User, job_id: int) -> QuerySet[Application]:
    job = get_job_for_recruiter(user=user, job_id=job_id)
    return Application.objects.filter(job=job).only("id", "resume_id", "created_at", "job_id")


def list_open_jobs_for_seekers(*, category: str | None = None, city: str | None = None) -> QuerySet[JobPosting]:
    """Open jobs of organisations verified and not past re-verification: all that seekers ever see."""
    jobs = JobPosting.objects.visible_to_seekers().select_related("organization")
    if category:
        jobs = jobs.filter(category=category)
    if city:
        jobs = jobs.filter(city=city)
    return jobs


def list_verification_queue() -> QuerySet[Organization]:
    return Organization.objects.filter(status=OrganizationStatus.PENDING).order_by("created_at", "id")


def list_reverification_due(*, within_days: int = 0) -> QuerySet[Organization]:
    """Verified organisations whose verification has expired, or expires within `within_days`."""
    return Organization.objects.reverification_overdue(now=timezone.now() + timedelta(days=within_days)).order_by(
        "reverify_due"
    )


# Registration evidence: what operators weigh in the verification queue and the sybil detector scores.
# Operators only (the admin) and the platform's detectors read these; no recruiter-facing path does.


def registration_attempts_sharing_uscc_or_ip(*, organization: Organization) -> QuerySet[RegistrationAttempt]:
    """Attempts with this organisation's USCC or made from the IP address it registered from, newest first."""
    condition = Q(uscc=organization.uscc)
    if organization.registered_ip:
        condition |= Q(ip=organization.registered_ip)
    return RegistrationAttempt.objects.filter(condition).order_by("-created_at", "-id")


ORGANIZATION_ACTIONS = [action.value for action in AuditAction if action.value.startswith("organization.")]


def status_history(*, organization: Organization, limit: int) -> QuerySet[AuditEvent]:
    """The organisation's own audit events (registration, review, suspension, limits...), newest first.

    Read through audit_org_action_idx. Ordered so that the primary key's index cannot give the order: with
    plain "-id" and a LIMIT, a generic plan (a statement prepared after a few admin views on one connection)
    walks the whole log backwards by id looking for these rare events.
    """
    events = AuditEvent.objects.filter(organization_id=organization.pk, action__in=ORGANIZATION_ACTIONS)
    return events.order_by(F("id").desc(nulls_last=True))[:limit]


def organizations_sharing_registration_ip(*, organization: Organization) -> QuerySet[Organization]:
    """Other organisations registered from the IP address this one registered from; none if it is unknown."""
    if not organization.registered_ip:
        return Organization.objects.none()
    return Organization.objects.filter(registered_ip=organization.registered_ip).exclude(pk=organization.pk)


def organizations_sharing_licence_hash(*, organization: Organization) -> QuerySet[Organization]:
    """Other organisations that uploaded a byte-identical licence file (same SHA-256) as any of this one's."""
    identical = BusinessLicence.objects.filter(
        sha256__in=BusinessLicence.objects.filter(organization=organization).values("sha256")
    )
    return Organization.objects.filter(pk__in=identical.values("organization_id")).exclude(pk=organization.pk)


def with_registration_evidence(organizations: QuerySet[Organization]) -> QuerySet[Organization]:
    """Annotate each organisation with its evidence counts, in one query for a whole list.

    `uscc_attempt_count`: attempts to register its USCC (its own included);
    `same_ip_count`: other organisations registered from its IP address;
    `uscc_blacklisted`: its USCC is on the adverse credit list.
    """
    attempts = (
        RegistrationAttempt.objects.filter(uscc=OuterRef("uscc"))
        .order_by()
        .values("uscc")
        .annotate(total=Count("id"))
        .values("total")
    )
    same_ip = (
        Organization.objects.filter(registered_ip=OuterRef("registered_ip"))
        .exclude(pk=OuterRef("pk"))
        .order_by()
        .values("registered_ip")
        .annotate(total=Count("id"))
        .values("total")
    )
    return organizations.annotate(
        uscc_attempt_count=Coalesce(Subquery(attempts), 0),
        same_ip_count=Coalesce(Subquery(same_ip), 0),
        uscc_blacklisted=Exists(AdverseCreditRecord.objects.filter(uscc=OuterRef("uscc"))),
    )


# Reads for the detectors (detection/): small, bounded by the ids asked for.


def organization_profiles(*, organization_ids) -> dict[int, dict]:
    """{organisation id: {"plan", "status", "org_daily_limit"}}: what peers and clusters are judged by."""
    profiles = {}
    for organization in Organization.objects.filter(pk__in=set(organization_ids)).only(
        "id", "plan", "status", "recruiter_daily_limit", "org_daily_limit", "org_monthly_limit"
    ):
        profiles[organization.pk] = {
            "plan": organization.plan,
            "status": organization.status,
            "org_daily_limit": quota.limit_in_force(organization=organization, name="org_daily"),
        }
    return profiles


def open_job_targets(*, organization_ids) -> dict[int, tuple[set[str], set[str]]]:
    """{organisation id: (categories, lower-cased cities)} of its open jobs."""
    targets: dict[int, tuple[set[str], set[str]]] = {}
    jobs = JobPosting.objects.filter(organization_id__in=set(organization_ids), status=JobStatus.OPEN)
    for organization_id, category, city in jobs.values_list("organization_id", "category", "city"):
        categories, cities = targets.setdefault(organization_id, (set(), set()))
        categories.add(category)
        cities.add(city.strip().lower())
    return targets


def seat_memberships(*, user_ids=(), organization_ids=()) -> list[tuple[str, int]]:
    """(user id, organisation id) of every seat held by these users or in these organisations, active or not."""
    seats = Seat.objects.filter(Q(user_id__in=set(user_ids)) | Q(organization_id__in=set(organization_ids)))
    return [
        (str(user_id), organization_id) for user_id, organization_id in seats.values_list("user_id", "organization_id")
    ]


def organizations_behind(*, user_ids=(), organization_ids=()) -> tuple[dict[str, int], set[int], set[int]]:
    """Of these accounts, those an operator's verification stands behind (now or once, suspended ones included).

    Returns ({user id: organisation id} for users seated in such an organisation, {such organisation ids}
    among all of those, {those of them verified now}). An account without a seat, or in an organisation
    never verified, can reveal nothing and costs nothing to create.
    """
    seats = Seat.objects.filter(user_id__in=set(user_ids), organization__verified_at__isnull=False)
    seated = {
        str(user_id): organization_id for user_id, organization_id in seats.values_list("user_id", "organization_id")
    }
    statuses = dict(
        Organization.objects.filter(
            pk__in=set(organization_ids) | set(seated.values()), verified_at__isnull=False
        ).values_list("pk", "status")
    )
    verified_now = {pk for pk, status in statuses.items() if status == OrganizationStatus.VERIFIED}
    return seated, set(statuses), verified_now


def active_seat_counts(*, organization_ids) -> dict[int, int]:
    seats = Seat.objects.filter(organization_id__in=set(organization_ids), is_active=True)
    return dict(seats.values("organization_id").annotate(count=Count("id")).values_list("organization_id", "count"))
