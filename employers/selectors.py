"""Reads on employers; each read across an access boundary checks access and fetches together."""

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Role, User

from . import errors
from .models import Application, JobPosting, JobStatus, Organization, OrganizationStatus, Seat


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
    seat = Seat.objects.select_related("organization", "user").filter(user=user).first()
    if seat is None:
        raise errors.NoOrganization()
    if not seat.is_active:
        raise errors.RecruiterInactive()
    return seat


def get_admin_seat(*, user: User) -> Seat:
    seat = get_active_seat(user=user)
    if not seat.is_admin:
        raise errors.NotOrgAdmin()
    return seat


def quota_usage(*, seat: Seat) -> dict[str, dict[str, int]]:
    """Limits in force and what the reveal service has used of them today / this month."""
    # Imported here: the reveal quotas (resumes) build on the employers' models.
    from resumes import quota

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
            "org_daily_limit": organization.quota_limits()["org_daily"],
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


def active_seat_counts(*, organization_ids) -> dict[int, int]:
    seats = Seat.objects.filter(organization_id__in=set(organization_ids), is_active=True)
    return dict(seats.values("organization_id").annotate(count=Count("id")).values_list("organization_id", "count"))
